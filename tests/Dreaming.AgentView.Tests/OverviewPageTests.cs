using static Dreaming.AgentView.Tests.TestSessions;

namespace Dreaming.AgentView.Tests;

/// <summary>The first page: sessions grouped by state.</summary>
public sealed class OverviewPageTests
{
    [Fact]
    public async Task Each_state_has_its_own_group_with_its_sessions_newest_first()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(
        [
            Session("done-1", SessionStatus.Completed, 1),
            Session("done-2", SessionStatus.Completed, 2),
            Session("broke", SessionStatus.Failed, 3),
            Session("stuck", SessionStatus.Blocked, 4),
            Session("live", SessionStatus.Running, 5),
        ]);

        var page = await host.PageAsync("/dreaming/");

        string[] Ids(string group) => page.QuerySelectorAll($"section#{group} tbody tr td:first-child a")
            .Select(a => Uri.UnescapeDataString(a.GetAttribute("href")!.Split('/')[^1])).ToArray();
        Assert.Equal(["done-2", "done-1"], Ids("completed"));
        Assert.Equal(["broke"], Ids("failed"));
        Assert.Equal(["stuck"], Ids("blocked"));
        Assert.Equal(["live"], Ids("running"));
        Assert.Empty(Ids("abandoned"));
        Assert.Equal("None.", page.QuerySelector("section#abandoned p.empty")?.TextContent);
        var sections = page.QuerySelectorAll("main section").Select(s => s.Id ?? "").ToArray();
        Assert.Equal(["blocked", "failed", "abandoned", "running", "completed"], sections);

        var row = page.QuerySelector("section#completed tbody tr")!;
        var cells = row.QuerySelectorAll("td").Select(td => td.TextContent).ToArray();
        Assert.Equal("2026-11-01 09:02:00", cells[0]);
        Assert.Equal("support", cells[1]);
        Assert.Equal("completed", cells[3]);
        Assert.Equal("42.0 s", cells[4]);
        Assert.Equal("1,234", cells[5]);
        Assert.Equal("17", cells[6]);
        Assert.Equal("success 0.92", cells[7]);
    }

    [Fact]
    public async Task A_full_group_links_to_the_list_of_its_state()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 11).Select(i => Session("f" + i, SessionStatus.Failed, i))]);
        await host.Traces.SeedAsync([Session("ok", SessionStatus.Completed)]);

        var page = await host.PageAsync("/dreaming/");

        Assert.Equal(10, page.QuerySelectorAll("section#failed tbody tr").Length);
        Assert.Equal("/dreaming/sessions?status=failed", page.QuerySelector("section#failed p.pager a")?.GetAttribute("href"));
        Assert.Null(page.QuerySelector("section#completed p.pager"));
    }

    [Fact]
    public async Task Recorded_text_is_shown_as_text_and_ids_are_escaped_in_links()
    {
        await using var host = await AgentViewHost.StartAsync();
        const string hostile = "<script>alert('x')</script><img src=x onerror=alert(1)> \"quoted\" & more";
        await host.Traces.SeedAsync([Session("a/b?c#d <e>", SessionStatus.Failed, task: hostile, agent: "<b>agent</b>")]);

        var page = await host.PageAsync("/dreaming/");

        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Empty(page.QuerySelectorAll("main img"));
        Assert.Empty(page.QuerySelectorAll("main b"));
        var cells = page.QuerySelectorAll("section#failed tbody td");
        Assert.Equal("<b>agent</b>", cells[1].TextContent);
        Assert.Equal(hostile, cells[2].TextContent);
        Assert.Equal("/dreaming/sessions/a%2Fb%3Fc%23d%20%3Ce%3E", cells[0].QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task A_long_task_is_cut_with_the_whole_text_as_its_title_never_inside_a_surrogate_pair()
    {
        await using var host = await AgentViewHost.StartAsync();
        var task = new string('a', 119) + "\U0001F600" + new string('b', 50);
        await host.Traces.SeedAsync([Session("long", SessionStatus.Failed, task: task)]);

        var page = await host.PageAsync("/dreaming/");

        var cut = page.QuerySelector("section#failed tbody td:nth-child(3) span")!;
        Assert.Equal(task, cut.GetAttribute("title"));
        Assert.Equal(new string('a', 119) + "\u2026", cut.TextContent);
    }
}
