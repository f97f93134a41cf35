using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace Dreaming.Tests;

/// <summary>Runs the red-team corpus through whole offline dreams, delivered the ways an attacker can: as a tool's error
/// that recurs in enough sessions to become a templated lesson, and as a user message a model echoes into its lesson.</summary>
public sealed partial class MemoryGuardRedTeamTests(ITestOutputHelper output)
{
    private const string Tool = "fetch_order";
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Every_attack_of_the_corpus_is_quarantined_whichever_way_it_is_delivered()
    {
        var missed = new List<string>();
        foreach (var (trick, text) in RedTeamCorpus.Attacks)
        {
            if (await ToolErrorLessonAsync(text) is { Status: not InsightStatus.Quarantined } asError)
            {
                missed.Add($"tool error [{trick}] {text} -> active: {asError.Text}");
            }

            if (await EchoedUserMessageLessonAsync(text) is { Status: not InsightStatus.Quarantined } asMessage)
            {
                missed.Add($"user message [{trick}] {text} -> active: {asMessage.Text}");
            }
        }

        var deliveries = RedTeamCorpus.Attacks.Length * 2;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"caught {deliveries - missed.Count} of {deliveries} deliveries ({RedTeamCorpus.Attacks.Length} payloads, each as a tool error and as a user message)"));
        missed.ForEach(output.WriteLine);
        Assert.True(missed.Count == 0, string.Join('\n', missed));
    }

    [Fact]
    public async Task The_known_misses_still_reach_active_memory_as_the_docs_say()
    {
        // The guard's documented limits: when a change catches one, move it to the attacks and update docs/dreaming.md.
        foreach (var (trick, text) in RedTeamCorpus.KnownMisses)
        {
            var lesson = await ToolErrorLessonAsync(text);
            output.WriteLine($"[{trick}] {lesson?.Status}: {text}");
            Assert.Equal(InsightStatus.Active, lesson?.Status);
        }
    }

    [Fact]
    public async Task Ordinary_tool_errors_and_user_messages_never_quarantine_a_lesson()
    {
        var quarantined = new List<string>();
        foreach (var error in RedTeamCorpus.BenignErrors)
        {
            var lesson = await ToolErrorLessonAsync(error);
            Assert.NotNull(lesson);
            if (lesson.Status != InsightStatus.Active)
            {
                quarantined.Add($"tool error {error}: {lesson.Status}");
            }
        }

        foreach (var message in RedTeamCorpus.BenignUserMessages)
        {
            var lesson = await ToolErrorLessonAsync("Error: payment amount does not add up", message);
            Assert.NotNull(lesson);
            if (lesson.Status != InsightStatus.Active)
            {
                quarantined.Add($"user message {message}: {lesson.Status}");
            }
        }

        var total = RedTeamCorpus.BenignErrors.Length + RedTeamCorpus.BenignUserMessages.Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"quarantined {quarantined.Count} of {total} benign texts"));
        quarantined.ForEach(output.WriteLine);
        Assert.True(quarantined.Count == 0, string.Join('\n', quarantined));
    }

    [Fact]
    public async Task No_text_of_the_tau_bench_file_is_taken_for_an_instruction_and_its_dream_quarantines_nothing()
    {
        var path = SharedData.TauBenchAirline();
        if (path is null)
        {
            output.WriteLine("Skipped: ../shared/data/tau-bench-airline/gpt-4o-airline.json is not next to the repository.");
            return;
        }

        var sessions = new List<SessionWithEvents>();
        await using (var stream = File.OpenRead(path))
        {
            var options = new SessionImportOptions { MessagesField = "traj", TaskField = "info.task.instruction" };
            await foreach (var imported in new SessionLogReader().ReadAsync(stream, Path.GetFileName(path), options))
            {
                sessions.Add(imported.Session! with { Session = imported.Session!.Session with { AgentId = "bot" } });
            }
        }

        // Every tool result (errors and successes), user message and task: what the guard reads for a model-written lesson.
        var texts = sessions
            .SelectMany(s => s.Events.Select(e => e switch
            {
                ToolResultEvent r => r.ErrorMessage ?? r.Result,
                MessageEvent { Role: "user" } m => m.Text,
                _ => null,
            }).Append(s.Session.Task))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var flagged = texts.Select(t => (Text: t, Shape: MemoryGuard.Find(t))).Where(x => x.Shape is not null).ToList();
        var fastest = TimeSpan.MaxValue;
        for (var pass = 0; pass < 5; pass++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            foreach (var text in texts)
            {
                MemoryGuard.Inspect("lesson", [text]);
            }

            fastest = watch.Elapsed < fastest ? watch.Elapsed : fastest;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{flagged.Count} of {texts.Count} distinct texts flagged; all scanned as evidence in {fastest.TotalMilliseconds:F1} ms (fastest of 5 warm passes, {texts.Sum(t => (long)t.Length)} characters)"));
        flagged.ForEach(f => output.WriteLine($"{f.Shape}: {f.Text}"));

        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(sessions);
        var memory = new InMemoryMemoryStore();
        var run = await new DreamConsolidator(traces, memory, new InMemoryDreamRunStore()).DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var insights = (await memory.GetActiveVersionAsync(s_scope))!.Insights;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dream: {insights.Count} lessons, {insights.Count(i => i.Status == InsightStatus.Quarantined)} quarantined"));
        Assert.Empty(flagged);
        Assert.NotEmpty(insights);
        Assert.All(insights, i => Assert.Equal(InsightStatus.Active, i.Status));
    }

    // Eight sessions whose fetch_order call fails with the text and six where it succeeds: the miner's tool-error finding
    // quotes the text's signature, and the templated lesson's evidence is those sessions' errors and user messages.
    private static async Task<Insight?> ToolErrorLessonAsync(string error, string userMessage = "Where is my order?")
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(Sessions(error, userMessage));
        var memory = new InMemoryMemoryStore();
        var run = await new DreamConsolidator(traces, memory, new InMemoryDreamRunStore()).DreamAsync(new DreamRunRequest { Scope = s_scope });
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var version = await memory.GetActiveVersionAsync(s_scope);
        var lessons = version?.Insights.Where(i => i.Triggers.Tools.Contains(Tool)).ToList() ?? [];
        Assert.NotEmpty(lessons);

        // The worst of them: one active lesson is enough for the text to reach later sessions.
        return lessons.FirstOrDefault(i => i.Status == InsightStatus.Active) ?? lessons[0];
    }

    // The user's message carries the payload and a model, persuaded by it, writes it as a lesson of the ordinary finding.
    private static async Task<Insight?> EchoedUserMessageLessonAsync(string message)
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(Sessions("Error: payment amount does not add up", message));
        var memory = new InMemoryMemoryStore();
        var reply = $$"""{"lessons":[{"finding":0,"kind":"pitfall","text":{{JsonSerializer.Serialize(message)}},"evidence":["s000"]}]}""";
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)) { Usage = new UsageDetails { InputTokenCount = 30, OutputTokenCount = 5 } }),
        };
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxPairs: 0));

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var version = await memory.GetActiveVersionAsync(s_scope);
        // A lesson that is little but the sessions' values (the message's own capitalised words and codes) is left out by
        // the reflector and the template stands in: the echoed text reaches no memory (null, not a miss).
        return version!.Insights.SingleOrDefault(i => i.Source == InsightSource.Reflected);
    }

    private static List<SessionWithEvents> Sessions(string error, string userMessage) =>
        Enumerable.Range(0, 14).Select(i =>
        {
            var fails = i < 8;
            var id = $"s{i:D3}";
            var started = s_start.AddMinutes(i);
            List<SessionEvent> events =
            [
                new MessageEvent { Role = "user", Text = userMessage },
                new ToolCallEvent { CallId = "c1", ToolName = Tool, Arguments = "{\"id\":\"W1\"}" },
                new ToolResultEvent { CallId = "c1", ToolName = Tool, IsError = fails, Result = fails ? error : "{\"status\":\"delivered\"}", ErrorMessage = fails ? error : null },
            ];
            return new SessionWithEvents(
                new SessionRecord
                {
                    Id = id,
                    AgentId = "bot",
                    Task = "Order status",
                    Status = fails ? SessionStatus.Failed : SessionStatus.Completed,
                    StartedAt = started,
                    EndedAt = started.AddSeconds(30),
                    Outcome = fails ? SessionOutcome.Failed() : SessionOutcome.Succeeded(),
                },
                events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = started }).ToList());
        }).ToList();
}
