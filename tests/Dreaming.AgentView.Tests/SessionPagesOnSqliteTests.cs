using System.Net;
using Microsoft.Extensions.DependencyInjection;
using static Dreaming.AgentView.Tests.TestEvents;
using static Dreaming.AgentView.Tests.TestSessions;

namespace Dreaming.AgentView.Tests;

/// <summary>The sessions list and a session's page on the SQLite store: its cursor, its filters, its events.</summary>
public sealed class SessionPagesOnSqliteTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agent-view-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task The_list_pages_with_the_sqlite_cursor_and_a_session_shows_its_timeline_and_outcome()
    {
        await using var host = await AgentViewHost.StartAsync(
            options => options.PageSize = 2,
            services => services.AddDreamingAgents().UseSqliteStore("Data Source=" + Path.Combine(_folder, "dreaming.db")));
        Assert.Equal("SqliteTraceStore", host.Traces.GetType().Name);
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 3).Select(i => Session("f/" + i, SessionStatus.Failed, i))]);
        await host.Traces.SeedAsync(Full(
            "s #1?",
            Hostile,
            new MessageEvent { Role = "user", Text = Hostile },
            new ToolCallEvent { CallId = "c1", ToolName = "refund", Arguments = "{\"order\":\"W123\"}" },
            new ToolResultEvent { CallId = "c1", ToolName = "refund", IsError = true, ErrorType = "TimeoutException", ErrorMessage = "slow" },
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund", RubricVersion = 2 },
            new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "refund", Result = "satisfied", Score = 1, Threshold = 0.75, Passed = true, Criteria = [new("order", "met", 1, Hostile)] }));

        var first = await host.PageAsync("/dreaming/sessions?status=failed");
        var second = await host.PageAsync(first.QuerySelector("p.pager a.next")!.GetAttribute("href")!);
        Assert.Equal(["/dreaming/sessions/f%2F0"], second.QuerySelectorAll("table.sessions tbody td:first-child a").Select(a => a.GetAttribute("href") ?? "").ToArray());
        using var client = host.Client();
        using var bad = await client.GetAsync(new Uri("/dreaming/sessions?cursor=abc", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var page = await host.PageAsync("/dreaming/sessions/" + Uri.EscapeDataString("s #1?"));
        Assert.Equal("Session s #1?", page.QuerySelector("main h2")?.TextContent);
        Assert.Equal(HostileAsParsed, page.QuerySelector("pre.task")?.TextContent);
        Assert.Equal(HostileAsParsed, page.QuerySelector("tr#event-1 pre")?.TextContent);
        Assert.Equal("result #3", page.QuerySelector("tr#event-2 span[data-field=pair]")?.TextContent);
        Assert.Equal(["event-3"], page.QuerySelectorAll("tr.event-failure").Select(tr => tr.Id ?? "").ToArray());
        Assert.Equal("met (1)", page.QuerySelector("table.outcome tbody td")?.TextContent);
        Assert.Equal(HostileAsParsed, page.QuerySelector("table.outcome tbody td")?.GetAttribute("title"));
        Assert.Equal("Final result: satisfied 0.749, after 1 iteration", page.QuerySelector("p.final")?.TextContent);
    }

    [Theory]
    [InlineData("memory", "table.scopes tbody tr td:first-child a")]
    [InlineData("runs", "ul.scopes li a")]
    public async Task The_scopes_list_pages_on_the_sqlite_cursor_only_past_500_sessions_and_says_how_many_it_read(string path, string scopeLinks)
    {
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddDreamingAgents().UseSqliteStore("Data Source=" + Path.Combine(_folder, "dreaming.db")));
        await host.Traces.SeedAsync([.. Enumerable.Range(1, 500).Select(i => Session("s" + i, SessionStatus.Completed, i, agent: "agent-" + i.ToString("000", System.Globalization.CultureInfo.InvariantCulture)))]);

        // Exactly 500 sessions: one page, no link to an empty one.
        var whole = await host.PageAsync("/dreaming/" + path);
        Assert.Equal(501, whole.QuerySelectorAll(scopeLinks).Length);
        Assert.Null(whole.QuerySelector("p.cap"));
        Assert.Equal("Scopes named by the recorded sessions.", whole.QuerySelector("p.muted")!.TextContent);

        // 501: the oldest session's scope is a page on, which says it read one session.
        await host.Traces.SeedAsync([Session("s0", SessionStatus.Failed, 0, agent: "oldest")]);
        var first = await host.PageAsync("/dreaming/" + path);
        Assert.DoesNotContain("agent:oldest", first.QuerySelectorAll(scopeLinks).Select(a => a.TextContent));
        var older = await host.PageAsync(first.QuerySelector("p.cap a.next")!.GetAttribute("href")!);
        Assert.Equal(["agent:oldest"], older.QuerySelectorAll(scopeLinks).Select(a => a.TextContent));
        Assert.Equal("Scopes named by 1 older session (global and the scopes of newer sessions are on the first page). Scopes of the newest sessions", older.QuerySelector("p.cap")!.TextContent.Trim());

        using var client = host.Client();
        using var refused = await client.GetAsync(new Uri("/dreaming/" + path + "?cursor=abc", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var twice = await client.GetAsync(new Uri("/dreaming/" + path + "?cursor=a&cursor=b", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
    }
}
