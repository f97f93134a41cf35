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
}
