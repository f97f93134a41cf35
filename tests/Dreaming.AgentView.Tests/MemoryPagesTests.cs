using System.Net;
using static Dreaming.AgentView.Tests.TestMemory;
using static Dreaming.AgentView.Tests.TestSessions;

namespace Dreaming.AgentView.Tests;

/// <summary>The memory pages: the scopes, a scope's versions, one version with its diff, insights and history.</summary>
public sealed class MemoryPagesTests
{
    [Fact]
    public async Task The_memory_page_lists_global_and_the_scopes_the_newest_sessions_name()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(
        [
            Session("s1", SessionStatus.Completed, 1, agent: "support"),
            Session("s2", SessionStatus.Failed, 2, agent: "a/b ?#"),
            new SessionWithEvents(Session("s3", SessionStatus.Completed, 3, agent: "billing").Session with { Scope = "acme" }, []),
        ]);

        var page = await host.PageAsync("/dreaming/memory");

        var links = page.QuerySelectorAll("table.scopes tbody tr td:first-child a").Select(a => (a.TextContent, a.GetAttribute("href"))).ToArray();
        Assert.Equal(
            [
                ("global", "/dreaming/memory/global"),
                ("agent:a/b ?#", "/dreaming/memory/agent%3Aa%2Fb%20%3F%23"),
                ("agent:billing", "/dreaming/memory/agent%3Abilling"),
                ("agent:support", "/dreaming/memory/agent%3Asupport"),
                ("team:acme", "/dreaming/memory/team%3Aacme"),
            ],
            links);
        Assert.Equal("/dreaming/runs?scope=agent%3Asupport", page.QuerySelectorAll("table.scopes tbody tr")[3].QuerySelector("td:nth-child(2) a")!.GetAttribute("href"));
        Assert.Equal("/dreaming/memory", page.QuerySelector("form.scope-form")!.GetAttribute("action"));
        Assert.Contains(page.QuerySelectorAll("nav a"), a => a.TextContent == "Memory" && a.GetAttribute("href") == "/dreaming/memory");
    }

    [Theory]
    [InlineData("memory", "table.scopes tbody tr td:first-child a")]
    [InlineData("runs", "ul.scopes li a")]
    public async Task The_scopes_of_sessions_older_than_the_newest_500_are_a_link_away(string path, string scopeLinks)
    {
        // 502 agents, one session each: the newest 500 sessions name 500 of them; the two oldest were out of reach.
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 502).Select(i => Session("s" + i, SessionStatus.Completed, i, agent: "agent-" + i.ToString("000", System.Globalization.CultureInfo.InvariantCulture)))]);

        var first = await host.PageAsync("/dreaming/" + path);
        var scopes = first.QuerySelectorAll(scopeLinks).Select(a => a.TextContent).ToList();
        Assert.Equal(501, scopes.Count);
        Assert.Equal("global", scopes[0]);
        Assert.DoesNotContain("agent:agent-000", scopes);
        Assert.Equal("Scopes named by the newest 500 sessions; older sessions may name others. Scopes of older sessions", first.QuerySelector("p.cap")!.TextContent.Trim());

        var older = await host.PageAsync(first.QuerySelector("p.cap a.next")!.GetAttribute("href")!);
        Assert.Equal(["agent:agent-000", "agent:agent-001"], older.QuerySelectorAll(scopeLinks).Select(a => a.TextContent));
        Assert.Null(older.QuerySelector("p.cap a.next"));
        Assert.Equal("/dreaming/" + path, older.QuerySelector("p.cap a")!.GetAttribute("href"));

        using var client = host.Client();
        using var refused = await client.GetAsync(new Uri("/dreaming/" + path + "?cursor=" + new string('x', 3_000), UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("The cursor '" + new string('x', 200) + "\u2026 (3,000 characters)' is not one this store issued: open the list of scopes from its first page.", await TestWebhooks.ErrorAsync(refused));
    }

    [Fact]
    public async Task The_scope_form_redirects_to_the_scope_and_a_bad_key_is_a_400_naming_it()
    {
        await using var host = await AgentViewHost.StartAsync();
        using var client = host.Client();
        using var redirect = await client.GetAsync(new Uri("/dreaming/memory?scope=agent%3Aa%2Fb", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/dreaming/memory/agent%3Aa%2Fb", redirect.Headers.Location?.OriginalString);

        using var bad = await client.GetAsync(new Uri("/dreaming/memory?scope=robot%3Ax", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var body = await AgentViewHost.ParseAsync(await bad.Content.ReadAsStringAsync());
        Assert.Equal("'robot:x' is not a memory scope: write agent:ID, team:ID or global.", body.QuerySelector("p.error-message")?.TextContent);

        using var badPath = await client.GetAsync(new Uri("/dreaming/memory/robot%3Ax", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badPath.StatusCode);
    }

    [Fact]
    public async Task A_scopes_versions_are_listed_newest_first_with_the_active_one_marked_and_paged_by_number()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 2);
        var (v1, v2) = await host.Memory.SeedTwoVersionsAsync();
        var v3 = await host.Memory.ProposeAsync(v1.Id, MemoryAuthor.Person("dave"), "third", Insight("ins-a", "x"));

        var page = await host.PageAsync("/dreaming/memory/agent%3Asupport");

        var rows = page.QuerySelectorAll("table.versions tbody tr");
        Assert.Equal(2, rows.Length);
        var cells = rows[0].QuerySelectorAll("td").Select(td => td.TextContent).ToArray();
        Assert.Equal(["3", v3.Id, "proposed", "person dave", "1", "third"], [cells[0], cells[1], cells[2], cells[3], cells[5], cells[6]]);
        Assert.Equal("/dreaming/memory/versions/" + v3.Id, rows[0].QuerySelector("td:nth-child(2) a")!.GetAttribute("href"));
        Assert.Equal("/dreaming/memory/agent%3Asupport?before=2", page.QuerySelector("p.pager a")!.GetAttribute("href"));

        var older = await host.PageAsync("/dreaming/memory/agent%3Asupport?before=2");
        var row = older.QuerySelector("table.versions tbody tr")!;
        Assert.Equal("active-version", row.ClassName);
        Assert.Equal("active (in use)", row.QuerySelector("td:nth-child(3)")!.TextContent);
        Assert.Equal("dream run dr-1", row.QuerySelector("td:nth-child(4)")!.TextContent);
        Assert.Equal("/dreaming/runs/dr-1", row.QuerySelector("td:nth-child(4) a")!.GetAttribute("href"));
        Assert.Null(older.QuerySelector("p.pager"));
        _ = v2;

        using var client = host.Client();
        using var bad = await client.GetAsync(new Uri("/dreaming/memory/agent%3Asupport?before=x1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("before 'x1' is not a version number (a whole number from 1).", (await AgentViewHost.ParseAsync(await bad.Content.ReadAsStringAsync())).QuerySelector("p.error-message")?.TextContent);
    }

    [Fact]
    public async Task A_version_shows_its_history_its_diff_marked_by_kind_and_its_insights_with_evidence_links()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (v1, v2) = await host.Memory.SeedTwoVersionsAsync();

        var page = await host.PageAsync("/dreaming/memory/versions/" + v2.Id);

        Assert.Equal("Version 2 of agent:support", page.QuerySelector("main h2")!.TextContent);
        Assert.Equal("/dreaming/memory/versions/" + v1.Id, page.QuerySelector("p.diff-base a")!.GetAttribute("href"));
        Assert.EndsWith("(the version it is based on): 1 added, 1 removed, 1 changed, 0 unchanged.", page.QuerySelector("p.diff-base")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(["ins-c"], page.QuerySelectorAll("table.diff-added tbody tr td:first-child").Select(td => td.TextContent));
        Assert.Equal(["ins-b"], page.QuerySelectorAll("table.diff-removed tbody tr td:first-child").Select(td => td.TextContent));
        var changed = page.QuerySelectorAll("table.diff-changed tbody tr").Select(tr => string.Join("|", tr.QuerySelectorAll("td").Select(td => td.TextContent))).ToArray();
        Assert.Contains("ins-a|Text|Check the order status before refunding.|Always check the order status before refunding.", changed);
        Assert.Contains("ins-a|Evidence|[\"s1#4\",\"s/2 ?#\"]|[]", changed);
        Assert.Equal(["ins-a", "ins-c"], page.QuerySelectorAll("section#insights tbody tr td:first-child").Select(td => td.TextContent));
        Assert.EndsWith(" proposed by person carol", page.QuerySelector("ol.history li")!.TextContent, StringComparison.Ordinal);

        var old = await host.PageAsync("/dreaming/memory/versions/" + v1.Id);
        var evidence = old.QuerySelectorAll("section#insights tbody tr")[0].QuerySelectorAll("ul.evidence a").Select(a => (a.TextContent, a.GetAttribute("href"))).ToArray();
        Assert.Equal([("s1#4", "/dreaming/sessions/s1"), ("s/2 ?#", "/dreaming/sessions/s%2F2%20%3F%23")], evidence);
        Assert.Equal(["pitfall", "active", "3 / 1 / 5", "mined"], old.QuerySelectorAll("section#insights tbody tr")[0].QuerySelectorAll("td").Select(td => td.TextContent).Where((_, i) => i is 1 or 2 or 6 or 7));
        Assert.Equal("The first version of its scope: every insight is new.", old.QuerySelector("section#diff p.empty")!.TextContent);
        var history = old.QuerySelectorAll("ol.history li").Select(li => Normalize(li.TextContent)).ToArray();
        Assert.Equal(2, history.Length);
        Assert.EndsWith(" approved by person bob", history[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_version_is_a_404_naming_it()
    {
        await using var host = await AgentViewHost.StartAsync();
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/memory/versions/mv-nope%3C", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = await AgentViewHost.ParseAsync(await response.Content.ReadAsStringAsync());
        Assert.Equal("No memory version 'mv-nope<'.", page.QuerySelector("p.error-message")?.TextContent);
    }

    [Fact]
    public async Task Hostile_insight_text_and_ids_render_as_text_and_a_1_MB_text_is_cut()
    {
        await using var host = await AgentViewHost.StartAsync();
        var hostileScope = MemoryScope.Agent("<b>x</b>/y?z#w");
        const string hostile = "<script>alert(1)</script><img src=x onerror=alert(1)> \"q\" 'a' & \u0000 lone \uD800 end";
        var big = new string('x', 1_000_000);
        var version = await host.Memory.ProposeAsync(null, MemoryAuthor.Person("<i>eve</i>"), hostile,
            Insight("<b>id</b>", hostile, hostileScope, new InsightEvidence("<s>/#?")),
            Insight("big", big, hostileScope));

        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/memory/versions/" + Uri.EscapeDataString(version.Id), UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.Length < 100_000, $"the page is {body.Length} characters");
        var page = await AgentViewHost.ParseAsync(body);

        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Empty(page.QuerySelectorAll("main img, main b, main i, main s"));
        var first = page.QuerySelectorAll("section#insights tbody tr")[0];
        Assert.Equal("<b>id</b>", first.QuerySelector("td")!.TextContent);
        Assert.StartsWith("<script>alert(1)</script><img src=x onerror=alert(1)> \"q\" 'a' & ", first.QuerySelector("pre")!.TextContent, StringComparison.Ordinal);
        Assert.EndsWith(" end", first.QuerySelector("pre")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("/dreaming/sessions/%3Cs%3E%2F%23%3F", first.QuerySelector("ul.evidence a")!.GetAttribute("href"));
        Assert.Equal("/dreaming/memory/agent%3A%3Cb%3Ex%3C%2Fb%3E%2Fy%3Fz%23w", page.QuerySelector("dl.facts dd a")!.GetAttribute("href"));
        Assert.Equal("person <i>eve</i>", page.QuerySelectorAll("dl.facts dd")[3].TextContent);
        var cut = page.QuerySelectorAll("section#insights tbody tr")[1];
        Assert.Equal(4000, cut.QuerySelector("pre")!.TextContent.Length);
        Assert.Equal("(cut: 996,000 more characters not shown) The whole text, as recorded (JSON).", cut.QuerySelector("p.cap")!.TextContent);

        var scopePage = await host.PageAsync("/dreaming/memory/agent%3A%3Cb%3Ex%3C%2Fb%3E%2Fy%3Fz%23w");
        Assert.Equal(version.Id, scopePage.QuerySelector("table.versions tbody td:nth-child(2)")!.TextContent);
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
