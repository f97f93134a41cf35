using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using static Dreaming.AgentView.Tests.TestEvents;
using static Dreaming.AgentView.Tests.TestSessions;

namespace Dreaming.AgentView.Tests;

/// <summary>A session's page: its header, its child sessions, an unknown id, ids that need escaping.</summary>
public sealed class SessionDetailPageTests
{
    private static string Fact(IHtmlDocument page, string name) => page.QuerySelector("dd#fact-" + name)?.TextContent ?? "(none)";

    [Fact]
    public async Task The_header_shows_every_field_of_the_session()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(Full("s1", "Refund order #W123\nand say sorry", new NoteEvent { Text = "hi" }));

        var page = await host.PageAsync("/dreaming/sessions/s1");

        Assert.Equal("Session s1", page.QuerySelector("main h2")?.TextContent);
        Assert.Equal("support", Fact(page, "agent"));
        Assert.Equal("v7", Fact(page, "version"));
        Assert.Equal("billing", Fact(page, "scope"));
        Assert.Equal("completed", Fact(page, "status"));
        Assert.Equal("2026-11-01 09:00:00", Fact(page, "started"));
        Assert.Equal("2026-11-01 09:01:35", Fact(page, "ended"));
        Assert.Equal("1 min 35 s", Fact(page, "duration"));
        Assert.Equal("1,200 in, 300 out, 800 cached", Fact(page, "tokens"));
        Assert.Equal("3", Fact(page, "model-calls"));
        Assert.Equal("4,500", Fact(page, "cost"));
        Assert.Equal("satisfied 0.749 (rubric:refund@2)", Fact(page, "outcome"));
        Assert.Equal("mv-1", Fact(page, "memory"));
        Assert.Equal("/dreaming/memory/versions/mv-1", page.QuerySelector("dd#fact-memory a")?.GetAttribute("href"));
        Assert.Equal("ins-1, ins-2", Fact(page, "insights"));
        Assert.Equal("/dreaming/sessions/parent-1", page.QuerySelector("dd#fact-parent a")?.GetAttribute("href"));
        Assert.Equal("1", Fact(page, "events"));
        Assert.Equal("3 events were not recorded (backpressure or a store failure)", Fact(page, "dropped"));
        Assert.Equal("Refund order #W123\nand say sorry", page.QuerySelector("pre.task")?.TextContent);
        var metadata = page.QuerySelectorAll("table.metadata tr").Select(tr => tr.Children[0].TextContent + "=" + tr.Children[1].TextContent).ToArray();
        Assert.Equal(["channel=email", "ticket=T-42"], metadata);
        Assert.Equal("Session s1", (await host.PageAsync("/dreaming/sessions/s1/?x=1")).QuerySelector("main h2")?.TextContent);
    }

    [Fact]
    public async Task A_running_session_without_extras_leaves_out_what_it_does_not_have()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(Session("live", SessionStatus.Running));

        var page = await host.PageAsync("/dreaming/sessions/live");

        Assert.Equal("running", Fact(page, "status"));
        Assert.Equal("-", Fact(page, "ended"));
        Assert.Equal("-", Fact(page, "outcome"));
        Assert.Equal("-", Fact(page, "memory"));
        Assert.Equal("(none)", Fact(page, "dropped"));
        Assert.Equal("(none)", Fact(page, "parent"));
        Assert.Equal("(none)", Fact(page, "version"));
        Assert.Null(page.QuerySelector("table.metadata"));
        Assert.Equal("No events.", page.QuerySelector("section#timeline p.empty")?.TextContent);
        Assert.Null(page.QuerySelector("section#outcome"));
    }

    [Fact]
    public async Task An_unknown_id_is_a_404_naming_it()
    {
        await using var host = await AgentViewHost.StartAsync();
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/sessions/" + Uri.EscapeDataString("no <such> one"), UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        Assert.Equal("No session 'no <such> one'.", page.QuerySelector("p.error-message")?.TextContent);
    }

    // The test server hands the route the path as decoded, so an id holding "%2F" is tried over Kestrel
    // (SessionIdsOverKestrelTests), which keeps the raw target the page reads the id from.
    [Theory]
    [InlineData("a/b")]
    [InlineData("q?x=1#frag")]
    [InlineData("with spaces and %20")]
    [InlineData("über/../ü")]
    [InlineData("%")]
    public async Task An_id_with_any_character_links_to_its_own_page(string id)
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(Session(id, SessionStatus.Failed, task: "the task of " + id), Session("decoy", SessionStatus.Failed, 1));

        var overview = await host.PageAsync("/dreaming/sessions");
        var href = overview.QuerySelectorAll("table.sessions tbody tr td:nth-child(3) a").Single(a => a.TextContent == "the task of " + id).GetAttribute("href")!;
        var page = await host.PageAsync(href);

        Assert.Equal("Session " + id, page.QuerySelector("main h2")?.TextContent);
        Assert.Equal("the task of " + id, page.QuerySelector("pre.task")?.TextContent);
    }

    [Fact]
    public async Task Child_sessions_are_listed_oldest_first_up_to_a_page_with_a_link_to_all_of_them()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 2);
        await host.Traces.SeedAsync(Session("p/1", SessionStatus.Completed));
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 3).Select(i => Session("c" + i, SessionStatus.Completed, i + 1) is var s ? s with { Session = s.Session with { ParentSessionId = "p/1" } } : s)]);

        var page = await host.PageAsync("/dreaming/sessions/p%2F1");

        var children = page.QuerySelectorAll("section#children tbody tr td:first-child a").Select(a => a.GetAttribute("href") ?? "").ToArray();
        Assert.Equal(["/dreaming/sessions/c0", "/dreaming/sessions/c1"], children);
        Assert.Equal("Only the first 2 are shown. All child sessions", page.QuerySelector("section#children p.cap-note")?.TextContent);
        Assert.Equal("/dreaming/sessions?parent=p%2F1", page.QuerySelector("section#children p.cap-note a")?.GetAttribute("href"));
        var all = await host.PageAsync("/dreaming/sessions?parent=p%2F1&size=5");
        Assert.Equal(3, all.QuerySelectorAll("table.sessions tbody tr").Length);
    }

    [Fact]
    public async Task Hostile_text_in_every_header_field_is_shown_as_text()
    {
        await using var host = await AgentViewHost.StartAsync();
        var full = Full("h", Hostile, new NoteEvent { Text = Hostile });
        var record = full.Session with
        {
            AgentId = Hostile,
            AgentVersion = Hostile,
            Scope = Hostile,
            Outcome = new SessionOutcome { Label = Hostile, Score = 1, Source = Hostile },
            MemoryVersionId = Hostile,
            InsightIds = [Hostile],
            Metadata = new Dictionary<string, string> { [Hostile] = Hostile },
            ParentSessionId = Hostile,
        };
        await host.Traces.SeedAsync(full with { Session = record });

        var page = await host.PageAsync("/dreaming/sessions/h");

        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Empty(page.QuerySelectorAll("main img"));
        foreach (var name in new[] { "agent", "version", "scope", "memory", "insights", "parent" })
        {
            Assert.Equal(HostileAsParsed, Fact(page, name));
        }

        Assert.Equal(HostileAsParsed + " 1 (" + HostileAsParsed + ")", Fact(page, "outcome"));
        Assert.Equal(HostileAsParsed, page.QuerySelector("pre.task")?.TextContent);
        Assert.Equal(HostileAsParsed, page.QuerySelector("table.metadata th")?.TextContent);
        Assert.Equal(HostileAsParsed, page.QuerySelector("table.metadata td")?.TextContent);
        Assert.Equal("/dreaming/memory/versions/" + Uri.EscapeDataString(Hostile.Replace('\ud800', '\ufffd')), page.QuerySelector("dd#fact-memory a")?.GetAttribute("href"));
    }

    [Fact]
    public async Task Under_a_path_base_the_list_links_to_a_sessions_page_and_its_page_links_back_under_it()
    {
        await using var host = await AgentViewHost.StartAsync(pattern: "/admin/agents", pathBase: "/app");
        await host.Traces.SeedAsync(Session("run/7 #x", SessionStatus.Failed));

        var list = await host.PageAsync("/app/admin/agents/sessions?status=failed");
        var href = list.QuerySelector("table.sessions tbody td:first-child a")!.GetAttribute("href")!;
        Assert.Equal("/app/admin/agents/sessions/run%2F7%20%23x", href);
        var page = await host.PageAsync(href);

        Assert.Equal("Session run/7 #x", page.QuerySelector("main h2")?.TextContent);
        Assert.Equal("/app/admin/agents/sessions", page.QuerySelector("nav a[href$='/sessions']")?.GetAttribute("href"));
    }
}
