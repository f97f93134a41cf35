using AngleSharp.Html.Dom;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Dreaming.AgentView.Tests.TestEvents;

namespace Dreaming.AgentView.Tests;

/// <summary>A session page reads only the events it shows or uses (<see cref="ITraceStore.QueryEventsAsync"/>), never the
/// whole session: its window, the tool events around it that pair with the window's, and the outcome evaluations.</summary>
public sealed class SessionEventReadTests
{
    private static string Pair(IHtmlDocument page, long sequence) =>
        page.QuerySelector($"tr#event-{sequence} span[data-field=pair]")?.TextContent ?? "(none)";

    [Fact]
    public async Task A_session_page_reads_the_window_it_shows_not_the_whole_session()
    {
        var store = new EventReadingStore();
        await using var host = await AgentViewHost.StartAsync(services: services => services.Replace(ServiceDescriptor.Singleton<ITraceStore>(store)));
        var events = Enumerable.Range(0, 10_000).Select(i => (SessionEvent)new NoteEvent { Text = "n" + i }).ToArray();
        events[4_999] = new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund" };
        events[5_000] = new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "refund", Result = "satisfied", Score = 1, Threshold = 0.5, Passed = true };
        await store.Inner.SeedAsync(Full("s", "task", events));

        foreach (var (path, first, last) in new[] { ("/dreaming/sessions/s", 1L, 2_000L), ("/dreaming/sessions/s?after=8000", 8_001L, 10_000L), ("/dreaming/sessions/s?after=5500", 5_501L, 7_500L) })
        {
            var before = store.Reads.Count;
            var page = await host.PageAsync(path);

            Assert.Equal(first, long.Parse(page.QuerySelector("table.timeline tbody tr td")!.TextContent, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(2_000, page.QuerySelectorAll("table.timeline tbody tr").Length);
            Assert.Equal($"event-{last}", page.QuerySelectorAll("table.timeline tbody tr")[^1].Id);
            Assert.Equal("10,000", page.QuerySelector("dd#fact-events")?.TextContent);
            Assert.NotNull(page.QuerySelector("table.outcome"));

            // The window (and one event past it) and the two outcome events: no read of the whole session.
            var reads = store.Reads.Skip(before).ToList();
            Assert.All(reads, read => Assert.NotNull(read.Query));
            Assert.True(reads.Sum(read => read.Count) <= 2_001 + 2, $"{path}: {reads.Sum(read => read.Count)} events read in {reads.Count} reads");
        }
    }

    [Fact]
    public async Task Tool_pairs_are_found_around_the_window_and_one_out_of_reach_says_so()
    {
        await using var host = await AgentViewHost.StartAsync();
        var events = new List<SessionEvent> { new ToolCallEvent { CallId = "far", ToolName = "slow" } };
        events.AddRange(Enumerable.Range(0, 1_998).Select(i => (SessionEvent)new NoteEvent { Text = "n" + i }));
        events.Add(new ToolCallEvent { CallId = "near", ToolName = "quick" });
        for (var i = 0; i < 1_100; i++)
        {
            events.Add(new ToolCallEvent { CallId = "p" + i, ToolName = "busy" });
            events.Add(new ToolResultEvent { CallId = "p" + i, ToolName = "busy", Result = "ok" });
        }

        events.Add(new ToolResultEvent { CallId = "near", ToolName = "quick", Result = "late" });
        events.Add(new ToolResultEvent { CallId = "far", ToolName = "slow", Result = "very late" });
        await host.Traces.SeedAsync(Full("s", "task", [.. events]));

        // #1 (far) and #2000 (near) are calls answered at #4202 and #4201, after 2,200 tool events (#2001 to #4200, calls
        // and their results in turn).
        var first = await host.PageAsync("/dreaming/sessions/s");
        Assert.Equal("no result in the next 2,000 tool events", Pair(first, 1));
        Assert.Equal("no result in the next 2,000 tool events", Pair(first, 2_000));

        var pairs = await host.PageAsync("/dreaming/sessions/s?after=2200");
        Assert.Equal("result #2202", Pair(pairs, 2_201));
        Assert.Equal("call #2201", Pair(pairs, 2_202));

        // The calls of a window's results are looked for among the 2,000 sequence numbers before it.
        var reach = await host.PageAsync("/dreaming/sessions/s?after=3999");
        Assert.Equal("call #2000", Pair(reach, 4_201));
        Assert.Equal("/dreaming/sessions/s?after=1999#event-2000", reach.QuerySelector("tr#event-4201 span[data-field=pair] a")?.GetAttribute("href"));
        Assert.Equal("no call in the 2,000 events before", Pair(reach, 4_202));
        var last = await host.PageAsync("/dreaming/sessions/s?after=4000");
        Assert.Equal("no call in the 2,000 events before", Pair(last, 4_201));
    }

    [Fact]
    public async Task A_reused_call_id_pairs_the_same_in_every_window_as_over_the_whole_session()
    {
        // #1 and #2001 are calls with the same id; one result follows: the first call's (the page pairs a reused id's calls
        // with the results in order). The window after #2000 holds the second call and, in one session, the result too.
        await using var host = await AgentViewHost.StartAsync();
        SessionEvent[] Reused(int notesBetween)
        {
            var events = new List<SessionEvent> { new ToolCallEvent { CallId = "c", ToolName = "t" } };
            events.AddRange(Enumerable.Range(0, 1_999).Select(i => (SessionEvent)new NoteEvent { Text = "n" + i }));
            events.Add(new ToolCallEvent { CallId = "c", ToolName = "t" });
            events.AddRange(Enumerable.Range(0, notesBetween).Select(i => (SessionEvent)new NoteEvent { Text = "m" + i }));
            events.Add(new ToolResultEvent { CallId = "c", ToolName = "t", Result = "ok" });
            return [.. events];
        }

        await host.Traces.SeedAsync(Full("inside", "task", Reused(0)));
        await host.Traces.SeedAsync(Full("outside", "task", Reused(2_000)));

        Assert.Equal("result #2002", Pair(await host.PageAsync("/dreaming/sessions/inside"), 1));
        var inside = await host.PageAsync("/dreaming/sessions/inside?after=2000");
        Assert.Equal("call #1", Pair(inside, 2_002));
        Assert.Equal("no result recorded", Pair(inside, 2_001));

        Assert.Equal("result #4002", Pair(await host.PageAsync("/dreaming/sessions/outside"), 1));
        Assert.Equal("no result recorded", Pair(await host.PageAsync("/dreaming/sessions/outside?after=2000"), 2_001));
    }

    [Fact]
    public async Task A_short_session_page_reads_its_events_once()
    {
        // A session that fits one window is read whole by the window's read: its outcome events and tool pairs are in it.
        var store = new EventReadingStore();
        await using var host = await AgentViewHost.StartAsync(services: services => services.Replace(ServiceDescriptor.Singleton<ITraceStore>(store)));
        await store.Inner.SeedAsync(Full(
            "s",
            "task",
            new ToolCallEvent { CallId = "c", ToolName = "t" },
            new ToolResultEvent { CallId = "c", ToolName = "t", Result = "ok" },
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund" },
            new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "refund", Result = "satisfied", Score = 1, Threshold = 0.5, Passed = true },
            new NoteEvent { Text = "done" }));

        var page = await host.PageAsync("/dreaming/sessions/s");

        Assert.Equal(5, page.QuerySelectorAll("table.timeline tbody tr").Length);
        Assert.NotNull(page.QuerySelector("table.outcome"));
        Assert.Equal("result #2", Pair(page, 1));
        var read = Assert.Single(store.Reads);
        Assert.Equal(5, read.Count);
    }
}
