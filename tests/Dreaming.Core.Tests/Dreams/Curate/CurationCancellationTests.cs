using System.Collections;

namespace Dreaming.Tests;

public class CurationCancellationTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public void The_guard_stops_between_texts_when_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var yielded = 0;
        IEnumerable<string> Evidence()
        {
            // Bounded, so a guard that ignored the token would fail the test rather than hang it.
            for (var i = 0; i < 1000; i++)
            {
                yielded++;
                cancel.Cancel();
                yield return "Error: payment amount does not add up " + yielded;
            }
        }

        Assert.ThrowsAny<OperationCanceledException>(() => MemoryGuard.Inspect("Check the order total first.", Evidence(), cancel.Token));
        Assert.Equal(1, yielded);
        Assert.ThrowsAny<OperationCanceledException>(() => MemoryGuard.Find("Error: payment amount does not add up", cancel.Token));
    }

    [Fact]
    public void Curation_stops_at_the_next_candidate_when_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var candidates = Enumerable.Range(0, 1000).Select(i => Candidate($"Check order {Word(i)} before calling refund.")).ToList();
        var inspected = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => MemoryCurator.Curate(
            [],
            candidates,
            [],
            s_scope,
            _ =>
            {
                inspected++;
                cancel.Cancel();
                return ["Error: payment amount does not add up"];
            },
            s_now,
            null,
            null,
            cancel.Token));
        Assert.Equal(1, inspected);
    }

    [Fact]
    public void Curation_with_a_cancelled_token_does_nothing()
    {
        var inspected = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => MemoryCurator.Curate(
            [], [Candidate("Check the order total.")], [], s_scope, _ => { inspected++; return []; }, s_now, null, null, new CancellationToken(canceled: true)));
        Assert.Equal(0, inspected);
    }

    [Fact]
    public async Task A_dream_cancelled_before_curation_stops_without_curating_every_lesson()
    {
        // The reflector returns 200 lessons and cancels the dream; each lesson's guard reads the events of s00.
        using var cancel = new CancellationTokenSource();
        var sessions = DreamTestData.RefundSessions(12, failing: 8);
        var events = new CountingEvents(sessions[0].Events);
        sessions[0] = sessions[0] with { Events = events };
        var reflector = new CancellingReflector(cancel, events);
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(new InMemoryTraceStore(), memory, new InMemoryDreamRunStore(), reflector: reflector, selector: new FixedSelector(sessions));

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope }, cancel.Token).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DreamRunStatus.Canceled, run.Status);
        Assert.Empty(await memory.ListVersionsAsync(s_scope));

        // At most the credits' read of the sessions; before, the guard read s00 once for each of the 200 lessons.
        Assert.InRange(events.EnumeratedAfterReflect, 0, 2);
    }

    [Fact]
    public async Task A_curator_that_implements_only_the_overload_without_a_token_still_curates()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var curator = new OldCurator();
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore(), curator: curator);

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(1, curator.Calls);
        Assert.NotNull(run.Results.OutputVersionId);
    }

    private static string Word(int i) => string.Concat(i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture).Select(c => (char)('a' + c - '0')));

    private static LessonCandidate Candidate(string text) => new()
    {
        Kind = InsightKind.Pitfall,
        Text = text,
        Triggers = new InsightTriggers { Tools = ["refund"] },
        Evidence = [new InsightEvidence("s00")],
        ShownSessionIds = ["s00"],
        Finding = DreamTestData.ToolErrorFinding("refund", DreamTestData.PaymentError, "s00"),
        Source = InsightSource.Reflected,
    };

    private sealed class CountingEvents(IReadOnlyList<SessionEvent> inner) : IReadOnlyList<SessionEvent>
    {
        public volatile bool Armed;
        public int EnumeratedAfterReflect;

        public int Count => inner.Count;

        public SessionEvent this[int index] => inner[index];

        public IEnumerator<SessionEvent> GetEnumerator()
        {
            if (Armed)
            {
                Interlocked.Increment(ref EnumeratedAfterReflect);
            }

            return inner.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class CancellingReflector(CancellationTokenSource cancel, CountingEvents events) : IDreamReflector
    {
        public Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken)
        {
            var lessons = Enumerable.Range(0, 200).Select(i => Candidate($"Check order {Word(i)} before calling refund.")).ToList();
            events.Armed = true;
            cancel.Cancel();
            return Task.FromResult(new ReflectionResult(lessons, SessionUsage.Zero, null));
        }
    }

    private sealed class FixedSelector(IReadOnlyList<SessionWithEvents> sessions) : IDreamSessionSelector
    {
        public Task<IReadOnlyList<SessionWithEvents>> SelectAsync(DreamRunRequest request, DreamCursor? after, CancellationToken cancellationToken) => Task.FromResult(sessions);
    }

    private sealed class OldCurator : IDreamCurator
    {
        public int Calls { get; private set; }

        public CurationResult Curate(IReadOnlyList<Insight> current, IReadOnlyList<LessonCandidate> candidates, IReadOnlyList<InsightCredit> credits, MemoryScope scope, Func<LessonCandidate, IEnumerable<string>> untrustedEvidence, DateTimeOffset now, TextEmbeddings? embeddings)
        {
            Calls++;
            return MemoryCurator.Curate(current, candidates, credits, scope, untrustedEvidence, now, null, embeddings);
        }
    }
}
