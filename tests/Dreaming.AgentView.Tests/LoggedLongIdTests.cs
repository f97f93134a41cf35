using System.Net;
using System.Text;
using System.Text.Json;

namespace Dreaming.AgentView.Tests;

/// <summary>An imported log's session or agent id longer than <see cref="SessionRecord.MaxIdLength"/> is stored as its
/// start, <c>~</c> and a hash of the whole; the view's pages given the id as the log gave it (in the path or the query)
/// show what is stored under the capped form, as the <c>dreaming</c> tool's commands do.</summary>
public sealed class LoggedLongIdTests
{
    private static readonly string LongSession = "run-" + new string('s', 296);

    private static readonly string LongAgent = "agent-" + new string('a', 294);

    // Imports one log line through the library's importer, as 'dreaming import' does: returns the stored session and agent ids.
    private static async Task<(string Session, string Agent)> ImportAsync(AgentViewHost host, string sessionId = "", string agentId = "bot")
    {
        var id = sessionId.Length == 0 ? LongSession : sessionId;
        var line = JsonSerializer.Serialize(new { id, agent = agentId, messages = new[] { new { role = "user", content = "hi" }, new { role = "assistant", content = "hello" } }, reward = 1 });
        using var log = new MemoryStream(Encoding.UTF8.GetBytes(line));
        var result = await new SessionImporter(host.Traces).ImportAsync(log, "log.jsonl");
        Assert.Equal(1, result.Imported);
        var stored = Assert.Single((await host.Traces.QuerySessionsAsync(new SessionQuery())).Items);
        return (stored.Id, stored.AgentId);
    }

    private static async Task<HttpStatusCode> StatusAsync(AgentViewHost host, string path)
    {
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return response.StatusCode;
    }

    [Fact]
    public async Task The_session_page_of_an_imported_sessions_id_as_the_log_gave_it_shows_the_session_stored_under_its_capped_id()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (stored, _) = await ImportAsync(host);
        Assert.Equal(SessionRecord.MaxIdLength, stored.Length);

        var page = await host.PageAsync("/dreaming/sessions/" + Uri.EscapeDataString(LongSession));

        // The title echoes the start of the stored id and its length (a long id is cut there).
        Assert.StartsWith("Session " + stored[..100], page.QuerySelector("main h2")?.TextContent, StringComparison.Ordinal);
        Assert.EndsWith("(256 characters)", page.QuerySelector("main h2")?.TextContent, StringComparison.Ordinal);
        Assert.Equal("bot", page.QuerySelector("dd#fact-agent")?.TextContent);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(host, "/dreaming/sessions/" + Uri.EscapeDataString(LongSession[..^1] + "t")));
    }

    [Fact]
    public async Task The_agent_page_of_an_imported_agents_id_as_the_log_gave_it_shows_the_agent_stored_under_its_capped_id()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (_, agent) = await ImportAsync(host, "s1", LongAgent);
        Assert.Equal(SessionRecord.MaxIdLength, agent.Length);

        var page = await host.PageAsync("/dreaming/agents/" + Uri.EscapeDataString(LongAgent));

        Assert.Contains("Sessions of the agent that started", page.QuerySelector("main")?.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(host, "/dreaming/agents/" + Uri.EscapeDataString(LongAgent[..^1] + "b")));
    }

    [Fact]
    public async Task The_sessions_list_filtered_by_an_imported_agents_or_parents_id_as_the_log_gave_it_lists_the_sessions_of_the_capped_id()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (parent, _) = await ImportAsync(host, LongSession, LongAgent);
        await host.Traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "child", AgentId = "bot", ParentSessionId = parent, Task = "follow up", StartedAt = TestSessions.Start }], []));

        var byAgent = await host.PageAsync("/dreaming/sessions?agent=" + Uri.EscapeDataString(LongAgent));
        var byParent = await host.PageAsync("/dreaming/sessions?parent=" + Uri.EscapeDataString(LongSession));

        Assert.Equal([$"/dreaming/sessions/{Uri.EscapeDataString(parent)}"], Links(byAgent));
        Assert.Equal(["/dreaming/sessions/child"], Links(byParent));

        static string[] Links(AngleSharp.Html.Dom.IHtmlDocument page) =>
            [.. page.QuerySelectorAll("table.sessions tbody tr td:first-child a").Select(a => a.GetAttribute("href") ?? string.Empty)];
    }

    [Fact]
    public async Task The_memory_page_of_an_imported_agents_scope_as_the_log_gave_it_lists_the_versions_of_the_capped_scope()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (_, agent) = await ImportAsync(host, "s1", LongAgent);
        var scope = MemoryScope.Agent(agent);
        var version = await host.Memory.ProposeAsync(null, MemoryAuthor.DreamRun("dr-1"), "first", TestMemory.Insight("ins-1", "Quote the order id.", scope));

        var page = await host.PageAsync("/dreaming/memory/" + Uri.EscapeDataString("agent:" + LongAgent));

        Assert.Equal(["/dreaming/memory/versions/" + version.Id], page.QuerySelectorAll("table.versions tbody a").Select(a => a.GetAttribute("href")).Where(h => h!.Contains("/versions/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_runs_page_of_an_imported_agents_scope_as_the_log_gave_it_lists_the_runs_of_the_capped_scope()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (_, agent) = await ImportAsync(host, "s1", LongAgent);
        var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent(agent) });

        var page = await host.PageAsync("/dreaming/runs?scope=" + Uri.EscapeDataString("agent:" + LongAgent));

        Assert.Equal([run.Id], page.QuerySelectorAll("table.runs tbody tr").Select(r => r.QuerySelector("td")!.TextContent));
    }

    // A long id found in neither form is echoed by the page as text: markup in it is encoded, never run, on every page
    // that looks such an id up as typed and then capped.
    [Theory]
    [InlineData("/dreaming/sessions/{0}", HttpStatusCode.NotFound)]
    [InlineData("/dreaming/agents/{0}", HttpStatusCode.NotFound)]
    [InlineData("/dreaming/memory/agent:{0}", HttpStatusCode.OK)]
    [InlineData("/dreaming/runs?scope=agent:{0}", HttpStatusCode.OK)]
    [InlineData("/dreaming/sessions?agent={0}", HttpStatusCode.OK)]
    public async Task A_long_id_holding_markup_found_in_neither_form_is_shown_as_text(string path, HttpStatusCode expected)
    {
        await using var host = await AgentViewHost.StartAsync();
        await ImportAsync(host, "s1", LongAgent);
        var hostile = "<script>alert(1)</script>" + new string('x', 280);

        using var client = host.Client();
        using var response = await client.GetAsync(new Uri(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, Uri.EscapeDataString(hostile)), UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(expected, response.StatusCode);
        Assert.DoesNotContain("<script>alert", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert", body, StringComparison.Ordinal);
    }
}
