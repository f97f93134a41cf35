using System.Net;
using Microsoft.Extensions.Time.Testing;
using static Dreaming.AgentView.Tests.AgentData;

namespace Dreaming.AgentView.Tests;

/// <summary>The agents page: each agent of the window's sessions with its counts and figures.</summary>
public sealed class AgentsPageTests
{
    [Fact]
    public async Task Each_agent_of_the_window_has_its_counts_tokens_cost_mean_score_and_pass_rate()
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock);
        await SeedAsync(host, clock);

        var page = await host.PageAsync("/dreaming/agents?days=7");

        Assert.Equal(["Agent", "Sessions", "Completed", "Failed", "Blocked", "Abandoned", "Running", "Tokens", "Cost", "Mean score", "Pass rate"], page.QuerySelectorAll("table.agents thead th").Select(th => th.TextContent));
        Assert.Equal(
        [
            ["billing", "2", "1", "0", "1", "0", "0", "1,000", "100", "0.65", "50.0%"],
            ["support", "10", "7", "1", "0", "1", "1", "600", "60", "0.67", "85.7%"],
        ], page.Rows("table.agents"));
        Assert.Equal(["/dreaming/agents/billing?days=7", "/dreaming/agents/support?days=7"], page.QuerySelectorAll("table.agents tbody a").Select(a => a.GetAttribute("href")));
        Assert.Equal("Sessions that started in the last 7 days (2026-11-24 to 2026-11-30 UTC). 7 days 30 days 90 days 365 days ", page.QuerySelector("main p")!.TextContent);
        Assert.Equal("7 days", page.QuerySelector("main p strong")!.TextContent);
        Assert.Equal(["/dreaming/agents?days=30", "/dreaming/agents?days=90", "/dreaming/agents?days=365"], page.QuerySelectorAll("main p .window-choices a").Select(a => a.GetAttribute("href")));
        Assert.Null(page.QuerySelector(".cap-note"));
        Assert.Contains(page.QuerySelectorAll("nav a"), a => a.TextContent == "Agents" && a.GetAttribute("href") == "/dreaming/agents");
    }

    [Fact]
    public async Task The_default_window_is_the_last_30_days_and_links_without_a_days_value()
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock);
        await SeedAsync(host, clock);

        var page = await host.PageAsync("/dreaming/agents");

        Assert.Equal(["support", "11", "8", "1", "0", "1", "1", "10,600", "1,060", "0.60", "87.5%"], page.Rows("table.agents")[1]);
        Assert.Equal("/dreaming/agents/support", page.QuerySelectorAll("table.agents tbody a")[1].GetAttribute("href"));
        Assert.StartsWith("Sessions that started in the last 30 days (2026-11-01 to 2026-11-30 UTC).", page.QuerySelector("main p")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_window_is_whole_UTC_days_from_the_apps_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 23, 59, 59, 999, TimeSpan.Zero));
        await using var host = await StartAsync(clock);
        await host.Traces.SeedAsync(
            Session("before", "edge", new DateTimeOffset(2026, 11, 29, 23, 59, 59, 999, TimeSpan.Zero)),
            Session("first", "edge", Nov(30, 0)),
            Session("last", "edge", new DateTimeOffset(2026, 11, 30, 23, 59, 59, 999, TimeSpan.Zero)),
            Session("tomorrow", "edge", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));

        var today = await host.PageAsync("/dreaming/agents?days=1");
        Assert.Equal("2", today.Rows("table.agents")[0][1]);
        Assert.StartsWith("Sessions that started today (2026-11-30 UTC).", today.QuerySelector("main p")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("3", (await host.PageAsync("/dreaming/agents?days=2")).Rows("table.agents")[0][1]);

        // A session that started after today (another instance's clock ahead) waits for its day.
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("1", (await host.PageAsync("/dreaming/agents?days=1")).Rows("table.agents")[0][1]);
        clock.Advance(TimeSpan.FromDays(1));
        var later = await host.PageAsync("/dreaming/agents?days=1");
        Assert.Empty(later.QuerySelectorAll("table.agents"));
        Assert.Equal("No sessions today (2026-12-02 UTC).", later.QuerySelector("main p.empty")!.TextContent);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("366", "366")]
    [InlineData("-1", "-1")]
    [InlineData("1.5", "1.5")]
    [InlineData("seven", "seven")]
    [InlineData("", "")]
    [InlineData("%3Cb%3E", "<b>")]
    [InlineData("7&days=8", "7,8")]
    public async Task A_bad_days_value_is_a_400_naming_it_on_both_pages(string days, string named)
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock);
        await SeedAsync(host, clock);
        using var client = host.Client();
        foreach (var path in new[] { "/dreaming/agents?days=", "/dreaming/agents/support?days=" })
        {
            using var response = await client.GetAsync(new Uri(path + days, UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var page = await AgentViewHost.ParseAsync(await response.Content.ReadAsStringAsync());
            Assert.Equal($"The days value '{named}' is not a whole number from 1 to 365.", page.QuerySelector("p.error-message")!.TextContent);
            Assert.Empty(page.QuerySelectorAll("main b"));
        }
    }

    [Fact]
    public async Task Hostile_agent_ids_are_text_and_their_links_reach_their_pages()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await StartAsync(clock);
        const string hostile = "<b>a/b?c#d e</b> \"q\" & 'x'";
        await host.Traces.SeedAsync(Session("h1", hostile, Nov(29, 9), outcome: SessionOutcome.Succeeded(0.5), cost: 3));

        var page = await host.PageAsync("/dreaming/agents");

        Assert.Empty(page.QuerySelectorAll("main b"));
        var link = page.QuerySelector("table.agents tbody a")!;
        Assert.Equal(hostile, link.TextContent);
        var href = link.GetAttribute("href")!;
        Assert.Equal("/dreaming/agents/%3Cb%3Ea%2Fb%3Fc%23d%20e%3C%2Fb%3E%20%22q%22%20%26%20%27x%27", href);

        var agent = await host.PageAsync(href);
        Assert.Equal("Agent " + hostile, agent.QuerySelector("main h2")!.TextContent);
        Assert.Empty(agent.QuerySelectorAll("main b"));
        Assert.Equal([["No memory", "1", "1", "0.50", "100.0%", "3.0", "2026-11-29", "2026-11-29"]], agent.Rows("table.versions"));
        Assert.Equal(href + "?days=7", agent.QuerySelectorAll("main p .window-choices a")[0].GetAttribute("href"));
    }

    [Fact]
    public async Task A_megabyte_agent_id_with_a_NUL_is_cut_in_the_table_and_a_bad_id_in_the_path_is_no_500()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await StartAsync(clock);
        var huge = "big\0" + new string('x', 1 << 20);
        await host.Traces.SeedAsync(Session("h1", huge, Nov(29, 9)));

        var page = await host.PageAsync("/dreaming/agents");

        // Its link would be megabytes long, more than a server reads: the id is shown without one.
        Assert.Empty(page.QuerySelectorAll("table.agents tbody a"));
        var cut = page.QuerySelector("table.agents tbody span.unlinked > span")!;
        Assert.Equal("big\uFFFD" + new string('x', 116) + "\u2026", cut.TextContent);
        Assert.Equal("big\uFFFD" + new string('x', 1996) + "\u2026 (1,048,580 characters)", cut.GetAttribute("title"));

        using var client = host.Client();
        foreach (var path in new[] { "/dreaming/agents/%ED%A0%80", "/dreaming/agents/%FF", "/dreaming/agents/%2F%2F" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Past_the_cap_the_newest_sessions_are_counted_and_a_note_names_the_cap()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await StartAsync(clock);
        await host.Traces.ImportAsync([.. Enumerable.Range(0, 20_001).Select(i => Session("c" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), i % 2 == 0 ? "even" : "odd", Nov(1, 0).AddMinutes(i)))]);

        var page = await host.PageAsync("/dreaming/agents");

        Assert.Equal("Only the newest 20,000 sessions of the window are counted (the cap of this page): older ones, which started at or before 2026-11-01 00:01:00 UTC, are left out. Choose fewer days to see a whole window.", page.QuerySelector("p.cap-note")!.TextContent);
        Assert.Equal([["even", "10,000"], ["odd", "10,000"]], page.Rows("table.agents").Select(r => r[..2]));

        await host.Traces.PurgeAsync(Nov(1, 0).AddMinutes(1));
        Assert.Null((await host.PageAsync("/dreaming/agents")).QuerySelector("p.cap-note"));
    }
}
