using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class DreamLeaseAndCancelTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_dream_canceled_in_the_store_while_it_works_stops_and_writes_no_memory()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var memory = new InMemoryMemoryStore();
        var runs = new InMemoryDreamRunStore();
        var reflector = new CallbackReflector(async (_, ct) =>
        {
            var running = (await runs.ListAsync(s_scope, cancellationToken: ct)).Single(r => r.Status == DreamRunStatus.Running);
            await runs.CancelAsync(running.Id, ct);
        });
        var dreams = new DreamConsolidator(traces, memory, runs, reflector: reflector);

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Canceled, run.Status);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));
        Assert.Empty(await memory.ListVersionsAsync(s_scope));
    }

    [Fact]
    public async Task A_long_dream_renews_its_lease_so_no_other_process_can_take_the_scope()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var runs = new InMemoryDreamRunStore(time);
        var release = new TaskCompletionSource();
        var reflecting = new TaskCompletionSource();
        var reflector = new CallbackReflector(async (_, ct) =>
        {
            reflecting.TrySetResult();
            await release.Task.WaitAsync(ct);
        });
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time, reflector: reflector);

        var dreaming = dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });
        await reflecting.Task;
        var first = (await runs.ListAsync(s_scope)).Single();
        for (var i = 0; i < 9; i++)
        {
            // Each third of the lease the dream renews it to a full lease from now; wait for that before moving on.
            time.Advance(DreamConsolidator.LeaseDuration / 3);
            var expected = time.GetUtcNow() + DreamConsolidator.LeaseDuration;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await runs.GetAsync(first.Id))!.LeaseExpiresAt < expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }
        }

        var renewed = (await runs.GetAsync(first.Id))!;
        Assert.Equal(DreamRunStatus.Running, renewed.Status);
        Assert.True(renewed.LeaseExpiresAt > first.LeaseExpiresAt!.Value.AddMinutes(20), $"lease {first.LeaseExpiresAt} -> {renewed.LeaseExpiresAt}");
        var other = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await Assert.ThrowsAsync<DreamConflictException>(() => runs.StartAsync(other.Id, "another process", TimeSpan.FromMinutes(1)));

        release.SetResult();
        Assert.Equal(DreamRunStatus.Completed, (await dreaming).Status);
    }

    [Fact]
    public async Task A_dream_whose_process_stopped_renewing_is_taken_over_and_never_writes_its_version_afterwards()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var runs = new InMemoryDreamRunStore(time);
        var memory = new InMemoryMemoryStore(time);
        var release = new TaskCompletionSource();
        var reflecting = new TaskCompletionSource();
        var frozen = new DreamConsolidator(traces, memory, new NoRenewals(runs), time, reflector: new CallbackReflector(async (_, ct) =>
        {
            reflecting.TrySetResult();
            await release.Task.WaitAsync(ct);
        }));
        var dreaming = frozen.DreamAsync(new DreamRunRequest { Scope = s_scope });
        await reflecting.Task;
        var stale = (await runs.ListAsync(s_scope)).Single();

        // The first process hangs (it cannot renew); after its lease expires another process dreams the scope.
        time.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        var taker = await new DreamConsolidator(traces, memory, runs, time).DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Completed, taker.Status);
        var abandoned = (await runs.GetAsync(stale.Id))!;
        Assert.Equal(DreamRunStatus.Failed, abandoned.Status);
        Assert.Equal(DreamRunStoreRules.AbandonedError, abandoned.Error);

        release.SetResult();
        var late = await dreaming;
        Assert.Equal(DreamRunStatus.Failed, late.Status);
        var versions = await memory.ListVersionsAsync(s_scope);
        Assert.Single(versions);
        Assert.Equal(taker.Results.OutputVersionId, (await memory.GetActiveVersionAsync(s_scope))!.Id);
    }

    private sealed class CallbackReflector(Func<ReflectionRequest, CancellationToken, Task> during) : IDreamReflector
    {
        public async Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken)
        {
            await during(request, cancellationToken);
            return new ReflectionResult(TemplateLessonWriter.Write(request.Findings, request.BaseFailureRate), SessionUsage.Zero, null);
        }
    }

    /// <summary>A run store seen from a process that can no longer renew its lease (hung, cut off from the store).</summary>
    private sealed class NoRenewals(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public override Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
            throw new TimeoutException("the store cannot be reached");
    }
}
