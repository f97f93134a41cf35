using System.Diagnostics;
using System.Globalization;

namespace Dreaming.Benchmarks;

/// <summary>Times a count schedule's poll through <see cref="DreamScheduler.RunDueAsync"/> on the scale file: the first
/// (the window read in full, the store's change horizon taken) and a later one (only the sessions changed since, with
/// nothing changed and with ten sessions graded since). The result column is the sessions the poll read.</summary>
internal static class ScaleSchedulerPoll
{
    public static async Task TimeAsync(ITraceStore store, IDreamRunStore runs, MemoryScope scope, Func<string, Func<Task<long>>, Task> time, string? only)
    {
        var traces = new CountingTraces(store);
        DreamScheduler NewScheduler() => new([new DreamSchedule { Scope = scope, AfterNewSessions = 20 }], new NoDreams(), runs, traces);

        await time($"scheduler check: first poll (window read), {scope.Key}", async () =>
        {
            traces.Read = 0;
            await NewScheduler().RunDueAsync().ConfigureAwait(false);
            return traces.Read;
        }).ConfigureAwait(false);

        var polled = NewScheduler();
        await polled.RunDueAsync().ConfigureAwait(false);
        await time($"scheduler check: later poll, nothing changed, {scope.Key}", async () =>
        {
            traces.Read = 0;
            await polled.RunDueAsync().ConfigureAwait(false);
            return traces.Read;
        }).ConfigureAwait(false);

        // Ten of the scope's sessions graded again between polls (the writes are not timed): the poll reads those ten.
        var name = $"scheduler check: later poll, 10 graded since, {scope.Key}";
        if (only is not null && !name.Contains(only, StringComparison.Ordinal))
        {
            return;
        }

        var graded = new List<SessionRecord>();
        await foreach (var session in DreamSessionSelector.ScopeSessionsAsync(store, scope, CancellationToken.None, pageSize: 10).ConfigureAwait(false))
        {
            graded.Add(session);
            if (graded.Count == 10)
            {
                break;
            }
        }

        var times = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            foreach (var session in graded)
            {
                await store.SetOutcomeAsync(session.Id, session.Outcome ?? SessionOutcome.Failed()).ConfigureAwait(false);
            }

            traces.Read = 0;
            var clock = Stopwatch.StartNew();
            await polled.RunDueAsync().ConfigureAwait(false);
            if (i > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {times[times.Count / 2]:0.0} | {traces.Read:N0} |"));
    }

    private sealed class NoDreams : IDreamConsolidator
    {
        public Task<DreamRun> DreamAsync(DreamRunRequest request, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The benchmark's schedule must not dream: the threshold was reached.");
    }

    /// <summary>Forwards every member, counting the sessions the session queries return.</summary>
    private sealed class CountingTraces(ITraceStore inner) : ForwardingTraceStore(inner)
    {
        public long Read { get; set; }

        public override async Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
        {
            var page = await base.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            Read += page.Items.Count;
            return page;
        }
    }
}
