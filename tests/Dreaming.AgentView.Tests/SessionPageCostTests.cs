using System.Diagnostics;
using System.Globalization;
using Dreaming.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dreaming.AgentView.Tests;

/// <summary>Opt-in (DREAMING_AGENTVIEW_MEASURE=1): a session page's time and allocation on a SQLite file holding one
/// session of 200,000 events (a message, a model response, a tool call and its result, and so on, in turn; an outcome
/// evaluation every 20,000 events), for its first, a middle and its last window.</summary>
public sealed class SessionPageCostTests(ITestOutputHelper output)
{
    private const int Events = 200_000;

    [Fact]
    public async Task The_windows_of_a_200000_event_session_on_SQLite()
    {
        if (Environment.GetEnvironmentVariable("DREAMING_AGENTVIEW_MEASURE") != "1")
        {
            output.WriteLine("Skipped: set DREAMING_AGENTVIEW_MEASURE=1 to measure the session page of a 200,000-event session on SQLite.");
            return;
        }

        var path = Path.Combine(Path.GetTempPath(), "avsession-measure-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using var host = await AgentViewHost.StartAsync(services: s => s.AddDreamingAgents().UseSqliteStore("Data Source=" + path));
            var start = TestSessions.Start;
            await host.Traces.ImportAsync([new SessionWithEvents(
                new SessionRecord { Id = "long", AgentId = "support", Task = "A long session", Status = SessionStatus.Completed, StartedAt = start, EndedAt = start.AddHours(5) },
                [.. Enumerable.Range(1, Events).Select(i => Event(i, start.AddMilliseconds(i * 50)))])]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"file: {new FileInfo(path).Length / 1_048_576.0:0.0} MB"));

            foreach (var after in new long?[] { null, 100_000, Events - 2_000, null, 100_000, Events - 2_000 })
            {
                var url = "/dreaming/sessions/long" + (after is { } n ? "?after=" + n.ToString(CultureInfo.InvariantCulture) : string.Empty);
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                var page = await host.PageAsync(url);
                watch.Stop();
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{url}: {watch.ElapsedMilliseconds} ms, {allocated / 1_048_576.0:0} MB allocated"));
                Assert.Equal(2_000, page.QuerySelectorAll("table.timeline tbody tr").Length);
                Assert.Equal("200,000", page.QuerySelector("dd#fact-events")?.TextContent);
                Assert.NotNull(page.QuerySelector("table.outcome"));
            }

            // The store's reads alone: the whole session (what the page read before), a window, the outcome events.
            foreach (var (name, read) in new (string, Func<Task<int>>)[]
            {
                ("GetEventsAsync (whole session)", async () => (await host.Traces.GetEventsAsync("long")).Count),
                ("QueryEventsAsync first window", async () => (await host.Traces.QueryEventsAsync("long", new SessionEventQuery { Limit = 2_001 })).Count),
                ("QueryEventsAsync last window", async () => (await host.Traces.QueryEventsAsync("long", new SessionEventQuery { AfterSequence = Events - 2_000, Limit = 2_001 })).Count),
                ("QueryEventsAsync outcome types", async () => (await host.Traces.QueryEventsAsync("long", new SessionEventQuery { Types = [EventTypes.OutcomeEvaluationStarted, EventTypes.OutcomeEvaluationEnded] })).Count),
            })
            {
                for (var i = 0; i < 3; i++)
                {
                    var watch = Stopwatch.StartNew();
                    var count = await read();
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {count:N0} events, {watch.ElapsedMilliseconds} ms"));
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }

    // A turn of ten events: the user, a model response, a tool call and its result, another response, the assistant, a
    // note, a citation, and two more messages; an outcome evaluation (started, ended) replaces the last two every 20,000.
    private static SessionEvent Event(int sequence, DateTimeOffset at)
    {
        var text = "text of event " + sequence.ToString(CultureInfo.InvariantCulture) + " " + new string('x', 180);
        var call = "c" + (sequence / 10).ToString(CultureInfo.InvariantCulture);
        SessionEvent e = (sequence % 20_000, sequence % 10) switch
        {
            (19_999, _) => new OutcomeEvaluationStartedEvent { Iteration = sequence / 20_000 + 1, RubricId = "refund" },
            (0, _) => new OutcomeEvaluationEndedEvent { Iteration = sequence / 20_000, RubricId = "refund", Result = "needs_revision", Score = 0.5, Threshold = 0.8, Criteria = [new CriterionVerdictRecord("c1", "not_met", 0.5, "not yet")] },
            (_, 1) => new MessageEvent { Role = "user", Text = text },
            (_, 2) => new ModelResponseEvent { ModelId = "gpt-x", Latency = TimeSpan.FromMilliseconds(800), Usage = new SessionUsage { InputTokens = 1200, OutputTokens = 40 }, FinishReason = "tool_calls" },
            (_, 3) => new ToolCallEvent { CallId = call, ToolName = "lookup", Arguments = "{\"order\":\"W" + sequence.ToString(CultureInfo.InvariantCulture) + "\"}" },
            (_, 4) => new ToolResultEvent { CallId = call, ToolName = "lookup", Result = text },
            (_, 5) => new ModelResponseEvent { ModelId = "gpt-x", Latency = TimeSpan.FromMilliseconds(600), Usage = new SessionUsage { InputTokens = 1400, OutputTokens = 90 }, FinishReason = "stop" },
            (_, 6) => new MessageEvent { Role = "assistant", Text = text },
            (_, 7) => new NoteEvent { Text = text },
            (_, 8) => new InsightsCitedEvent { InsightIds = ["i1"] },
            _ => new MessageEvent { Role = "user", Text = text },
        };
        return e with { SessionId = "long", Sequence = sequence, Timestamp = at };
    }
}
