using System.Net;
using Dreaming.AgentView.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Time.Testing;
using static Dreaming.AgentView.Tests.AgentData;

namespace Dreaming.AgentView.Tests;

/// <summary>An agent's page: its memory versions, and the charts of score and cost per day and version.</summary>
public sealed class AgentPageTests
{
    [Fact]
    public async Task The_versions_table_attributes_sessions_by_record_then_by_events_as_dreaming_report_does()
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock);
        await SeedAsync(host, clock);

        var page = await host.PageAsync("/dreaming/agents/support?days=7");

        Assert.Equal("Agent support", page.QuerySelector("main h2")!.TextContent);
        Assert.StartsWith("Sessions of the agent that started in the last 7 days (2026-11-24 to 2026-11-30 UTC): 10, 1 of them still running and not charted.", page.QuerySelector("main p")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(["Memory version", "Sessions", "Scored", "Mean score", "Pass rate", "Mean cost", "First session (UTC)", "Last session (UTC)"], page.QuerySelectorAll("table.versions thead th").Select(th => th.TextContent));
        Assert.Equal(
        [
            ["No memory", "1", "0", "-", "-", "1.0", "2026-11-28", "2026-11-28"],
            ["v1", "5", "4", "0.65", "75.0%", "9.0", "2026-11-24", "2026-11-27"],
            ["v2", "2", "2", "0.70", "100.0%", "5.0", "2026-11-24", "2026-11-25"],
            ["v2 + global v1", "1", "1", "0.70", "100.0%", "4.0", "2026-11-28", "2026-11-28"],
        ], page.Rows("table.versions"));
        var versions = (await host.Memory.ListVersionsAsync(MemoryScope.Agent("support"))).OrderBy(v => v.Number).Select(v => v.Id).ToArray();
        var global = (await host.Memory.ListVersionsAsync(MemoryScope.Global))[0].Id;
        Assert.Equal(
            [$"/dreaming/memory/versions/{versions[0]}", $"/dreaming/memory/versions/{versions[1]}", $"/dreaming/memory/versions/{versions[1]}", $"/dreaming/memory/versions/{global}"],
            page.QuerySelectorAll("table.versions tbody a").Select(a => a.GetAttribute("href")));
        Assert.Null(page.QuerySelector(".cap-note"));
    }

    [Fact]
    public async Task The_score_chart_has_a_line_per_version_with_scores_and_gaps_where_days_have_none()
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock);
        await SeedAsync(host, clock);

        var page = await host.PageAsync("/dreaming/agents/support?days=7");

        Assert.Equal(
        [
            ["2026-11-24", "v1", "3", "3", "0.53"],
            ["2026-11-24", "v2", "1", "1", "0.50"],
            ["2026-11-25", "v1", "1", "0", "-"],
            ["2026-11-25", "v2", "1", "1", "0.90"],
            ["2026-11-27", "v1", "1", "1", "1.00"],
            ["2026-11-28", "No memory", "1", "0", "-"],
            ["2026-11-28", "v2 + global v1", "1", "1", "0.70"],
        ], page.Rows("table#score-data"));

        // No memory has no score: it has no line. v1's 11-25 has sessions but no score, so its line breaks there.
        var chart = page.QuerySelector("svg#score-chart")!;
        var series = chart.QuerySelectorAll("g.series");
        Assert.Equal(["v1", "v2", "v2 + global v1"], series.Select(g => g.GetAttribute("data-series")));
        Assert.Equal(["series series-0", "series series-1", "series series-2"], series.Select(g => g.GetAttribute("class")));
        Assert.All(series, g => Assert.Single(g.QuerySelectorAll("path")));
        Assert.Equal(["M102.29,109.33 M380,16", "M102.29,116 L194.86,36", "M472.57,76"], series.Select(g => g.QuerySelector("path")!.GetAttribute("d")));
        Assert.Equal([2, 2, 1], series.Select(g => g.QuerySelectorAll("circle").Length));
        Assert.Equal(["102.29", "380"], series[0].QuerySelectorAll("circle").Select(c => c.GetAttribute("cx")));
        Assert.Equal(
            ["2026-11-24, v1: mean score 0.5333 of 3 scored of 3 sessions", "2026-11-27, v1: mean score 1 of 1 scored of 1 sessions"],
            series[0].QuerySelectorAll("circle title").Select(t => t.TextContent));
        Assert.Equal("Mean outcome score per day (UTC) and memory version", chart.QuerySelector("title#score-chart-title")!.TextContent);
        Assert.Equal("score-chart-title", chart.GetAttribute("aria-labelledby"));
        Assert.Equal(["0", "0.25", "0.5", "0.75", "1", "Mean score"], chart.QuerySelectorAll("g.y-axis text").Select(t => t.TextContent));
        Assert.Equal(["11-24", "11-25", "11-26", "11-27", "11-28", "11-29", "11-30", "Day (UTC)"], chart.QuerySelectorAll("g.x-axis text").Select(t => t.TextContent));

        var legend = page.QuerySelectorAll("section#score ul.legend li");
        Assert.Equal(["v1", "v2", "v2 + global v1"], legend.Select(li => li.TextContent));
        Assert.Equal(["swatch series-0", "swatch series-1", "swatch series-2"], legend.Select(li => li.QuerySelector("span")!.GetAttribute("class")));
        Assert.All(legend, li => Assert.StartsWith("/dreaming/memory/versions/", li.QuerySelector("a")!.GetAttribute("href"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_cost_chart_sums_each_days_cost_per_version_on_a_nice_axis()
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock);
        await SeedAsync(host, clock);

        var page = await host.PageAsync("/dreaming/agents/support?days=7");

        Assert.Equal(
        [
            ["2026-11-24", "v1", "3", "35"],
            ["2026-11-24", "v2", "1", "2"],
            ["2026-11-25", "v1", "1", "7"],
            ["2026-11-25", "v2", "1", "8"],
            ["2026-11-27", "v1", "1", "3"],
            ["2026-11-28", "No memory", "1", "1"],
            ["2026-11-28", "v2 + global v1", "1", "4"],
        ], page.Rows("table#cost-data"));
        var chart = page.QuerySelector("svg#cost-chart")!;
        var series = chart.QuerySelectorAll("g.series");
        Assert.Equal(["No memory", "v1", "v2", "v2 + global v1"], series.Select(g => g.GetAttribute("data-series")));
        Assert.Equal("series series-none", series[0].GetAttribute("class"));

        // The axis is 0 to 50 (35 rounded up); v1 costs 35, 7, nothing, 3 on its first four days.
        Assert.Equal(["0", "25", "50", "Cost"], chart.QuerySelectorAll("g.y-axis text").Select(t => t.TextContent));
        Assert.Equal("M102.29,76 L194.86,188 M380,204", series[1].QuerySelector("path")!.GetAttribute("d"));
        Assert.Equal("2026-11-24, v1: cost 35 over 3 sessions", series[1].QuerySelector("circle title")!.TextContent);
        Assert.Equal(["No memory", "v1", "v2", "v2 + global v1"], page.QuerySelectorAll("section#cost ul.legend li").Select(li => li.TextContent));
    }

    [Fact]
    public async Task An_unknown_agent_is_a_404_naming_it_and_one_without_sessions_in_the_window_says_so()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await StartAsync(clock);
        await host.Traces.SeedAsync(Session("old", "quiet", Nov(1, 9)));
        using var client = host.Client();

        using var missing = await client.GetAsync(new Uri("/dreaming/agents/no%2Fbody%3F", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var notFound = await AgentViewHost.ParseAsync(await missing.Content.ReadAsStringAsync());
        Assert.Equal("No agent 'no/body?': no session of it is recorded.", notFound.QuerySelector("p.error-message")!.TextContent);

        var quiet = await host.PageAsync("/dreaming/agents/quiet?days=7");
        Assert.Equal("No ended sessions in the last 7 days (2026-11-24 to 2026-11-30 UTC).", quiet.QuerySelector("p.empty")!.TextContent);
        Assert.Null(quiet.QuerySelector("svg"));
    }

    [Fact]
    public async Task Past_the_event_read_cap_older_sessions_are_left_out_with_a_note()
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock);
        var v1 = await host.VersionAsync(clock, MemoryScope.Agent("busy"), Nov(1, 0));
        clock.SetUtcNow(Now);
        await host.Traces.ImportAsync([.. Enumerable.Range(0, 2_001).Select(i => Session("e" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), "busy", Nov(2, 0).AddMinutes(i), injected: [v1]))]);

        var page = await host.PageAsync("/dreaming/agents/busy");

        Assert.Equal("The memory version of 1 older sessions is not known: their events were not read (at most 2,000 sessions' events are read for this page). They are left out of the table and the charts. Choose fewer days to see them.", page.QuerySelector("p.cap-note")!.TextContent);
        Assert.Equal([["v1", "2,000"]], page.Rows("table.versions").Select(r => r[..2]));
    }

    [Fact]
    public async Task A_chart_draws_the_eight_versions_with_the_latest_sessions_and_the_tables_hold_all()
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock);
        var versions = new List<MemoryVersion>();
        for (var i = 0; i < 10; i++)
        {
            versions.Add(await host.VersionAsync(clock, MemoryScope.Agent("many"), Nov(1, i), versions.LastOrDefault()));
        }

        clock.SetUtcNow(Now);

        // v1 last ran on 11-12, v2 on 11-11, v3..v10 on 11-13 to 11-20: v1 and v2 are the two left out.
        int[] lastDay = [12, 11, 13, 14, 15, 16, 17, 18, 19, 20];
        await host.Traces.SeedAsync([.. versions.Select((v, i) => Session("m" + i, "many", Nov(lastDay[i], 9), outcome: SessionOutcome.Succeeded(0.5), version: v.Id))]);

        var page = await host.PageAsync("/dreaming/agents/many");

        Assert.Equal(["v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10"], page.QuerySelectorAll("svg#score-chart g.series").Select(g => g.GetAttribute("data-series")));
        Assert.Equal([.. Enumerable.Range(0, 8).Select(i => "series series-" + i)], page.QuerySelectorAll("svg#cost-chart g.series").Select(g => g.GetAttribute("class")));
        Assert.Equal("2 more memory versions are in the table below but not drawn: a chart draws the 8 with the latest sessions.", page.QuerySelector("section#score p.cap-note")!.TextContent);
        Assert.Equal([.. Enumerable.Range(1, 10).Select(i => "v" + i)], page.Rows("table.versions").Select(r => r[0]));
        Assert.Equal(10, page.Rows("table#score-data").Length);
        Assert.Equal(8, page.QuerySelectorAll("section#cost ul.legend li").Length);
    }

    [Fact]
    public async Task A_version_id_the_memory_store_does_not_know_is_named_as_text_and_escaped_in_its_link()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await StartAsync(clock);
        const string hostile = "<i>mv</i>/#?\" x";
        await host.Traces.SeedAsync(Session("u1", "support", Nov(29, 9), outcome: SessionOutcome.Succeeded(0.25), cost: 5, version: hostile));

        var page = await host.PageAsync("/dreaming/agents/support?days=7");

        Assert.Empty(page.QuerySelectorAll("main i"));
        Assert.Equal([[hostile, "1", "1", "0.25", "100.0%", "5.0", "2026-11-29", "2026-11-29"]], page.Rows("table.versions"));
        Assert.Equal("/dreaming/memory/versions/%3Ci%3Emv%3C%2Fi%3E%2F%23%3F%22%20x", page.QuerySelector("table.versions a")!.GetAttribute("href"));
        Assert.Equal(hostile, page.QuerySelector("svg#score-chart g.series")!.GetAttribute("data-series"));
        Assert.Equal("2026-11-29, " + hostile + ": mean score 0.25 of 1 scored of 1 sessions", page.QuerySelector("svg#score-chart circle title")!.TextContent);
        Assert.Equal(hostile, page.QuerySelector("section#score ul.legend li")!.TextContent);
    }

    [Theory]
    [InlineData("/dreaming/agents/a%2Fb%3Fc", "a%2Fb?c", "a/b?c")]
    [InlineData("/dreaming/agents/a%252Fb", "a%2Fb", "a%2Fb")]
    [InlineData("/dreaming/agents/a%2fb/?days=7", "a%2fb", "a/b")]
    [InlineData("/app/other/path", "a%2Fb", "a/b")]
    [InlineData("", "a%2Fb", "a/b")]
    public void The_agent_id_is_read_from_the_raw_target_when_the_server_keeps_one_and_routing_matched_it(string rawTarget, string routed, string expected)
    {
        var http = new DefaultHttpContext();
        http.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        Assert.Equal(expected, Rendering.RouteSegments.Read(http, routed));
    }
}
