using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>A start that takes over a run whose lease expired, and a recovery, end that run and write its events (a failure,
/// or a completion on recovery with its quarantines). They were made and sent whole after the scope's lock, a run's note
/// of any length in them (cut to <see cref="WebhookOptions.MaxPayloadBytes"/>); they are now made before the lock from
/// the run read then, as its end will leave it, their bodies set aside in the round trip that takes the lock, as a
/// completion's are. The rows are byte for byte those the ended run makes.</summary>
public sealed class PostgresAbandonedRunEventTests(ITestOutputHelper output) : PostgresWebhookRowsFixture
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_start_taking_over_a_stale_lease_and_a_recovery_send_the_ended_runs_events_before_the_lock()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = proxy.Options(Schema);
        options.WriteUnroutedWebhooks = true;
        var clock = new FakeTimeProvider(BaseTime);
        await using var runs = new PostgresDreamRunStore(options, clock);
        await using var memory = new PostgresMemoryStore(options, clock);
        var note = string.Join(' ', Enumerable.Range(0, 15_000).Select(i => "n" + i));
        var reason = string.Join(' ', Enumerable.Range(0, 15_000).Select(i => "r" + i));

        // Taken over by a start: failed, with its note of 100,000 characters and more.
        var taken = await StartedAsync(runs, MemoryScope.Agent("a"), new DreamRunResults { Note = note });
        clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var next = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") });
        var (_, startLargest, startTotal) = await LockTail.AfterLockAsync(proxy, () => runs.StartAsync(next.Id, "host-b", Lease));
        await runs.CancelAsync(next.Id);

        // Recovered: one failed, one completed on recovery (it proposed its version), with three quarantines.
        var failed = await StartedAsync(runs, MemoryScope.Agent("b"), new DreamRunResults { Note = note });
        var completed = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("c"), ReviewMode = DreamReviewMode.RequireApproval });
        await runs.StartAsync(completed.Id, "host-a", Lease);
        var version = await memory.ProposeAsync(Proposal(MemoryScope.Agent("c"), null, MemoryAuthor.DreamRun(completed.Id), "i1"));
        await runs.UpdateProgressAsync(completed.Id, new DreamRunResults
        {
            Note = note,
            OutputVersionId = version.Id,
            Report = new DreamReport { Changes = [.. Enumerable.Range(1, 3).Select(i => new DreamChange { Op = DreamChangeOp.Quarantine, InsightId = $"q{i}", Text = "held back", Reason = reason })] },
        });
        clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var (recovered, recoveryLargest, recoveryTotal) = await LockTail.AfterLockAsync(proxy, () => runs.RecoverAbandonedAsync());

        output.WriteLine($"start taking over a stale lease: largest round trip after the lock {startLargest} bytes, {startTotal} in all after it");
        output.WriteLine($"recovery of two runs, one completed with three quarantines: largest round trip after the lock {recoveryLargest} bytes, {recoveryTotal} in all after it");
        var ended = (await runs.GetAsync(taken.Id))!;
        Assert.Equal(DreamRunStatus.Failed, ended.Status);
        await AssertRunBodyAsync(clock, WebhookEventTypes.DreamFailed, ended, WebhookEventData.DreamEnded(ended).Data);
        Assert.Equal([(failed.Id, DreamRunStatus.Failed), (completed.Id, DreamRunStatus.Completed)], recovered.Select(r => (r.Id, r.Status)).OrderBy(r => r.Id == completed.Id));
        var recoveredFailed = recovered.Single(r => r.Id == failed.Id);
        var recoveredCompleted = recovered.Single(r => r.Id == completed.Id);
        await AssertRunBodyAsync(clock, WebhookEventTypes.DreamFailed, recoveredFailed, WebhookEventData.DreamEnded(recoveredFailed).Data);
        await AssertRunBodyAsync(clock, WebhookEventTypes.DreamCompleted, recoveredCompleted, WebhookEventData.DreamEnded(recoveredCompleted).Data);
        foreach (var change in recoveredCompleted.Results.Report.Changes)
        {
            await AssertRunBodyAsync(clock, WebhookEventTypes.InsightQuarantined, recoveredCompleted, WebhookEventData.InsightQuarantined(recoveredCompleted, change), change.InsightId);
        }

        Assert.InRange(startLargest, 1, LockTail.WriteBuffer - 1);
        Assert.InRange(recoveryLargest, 1, LockTail.WriteBuffer - 1);
    }

    /// <summary>The run's host records its progress between the recovery's reads and its lock: the event made before the
    /// lock is made again from the run ended under the lock, with the note recorded, byte for byte.</summary>
    [Fact]
    public async Task A_note_recorded_between_the_recoverys_reads_and_its_lock_is_in_the_event_written()
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        var clock = new FakeTimeProvider(BaseTime);
        await using var runs = new PostgresDreamRunStore(options, clock);
        await using var host = new PostgresDreamRunStore(Options, clock);
        var note = string.Join(' ', Enumerable.Range(0, 15_000).Select(i => "n" + i));
        var run = await StartedAsync(runs, MemoryScope.Agent("a"), new DreamRunResults { Note = note });
        await runs.RecoverAbandonedAsync();
        clock.Advance(Lease + TimeSpan.FromSeconds(1));

        // The scopes, the running run, its memory version, then the lock: the host records its note before the lock.
        var (recovered, commands) = await NpgsqlCommands.BeforeAsync(4, () => host.UpdateProgressAsync(run.Id, new DreamRunResults { Note = "a later note" }).GetAwaiter().GetResult(), () => runs.RecoverAbandonedAsync());

        Assert.Contains("pg_advisory_xact_lock", commands[3], StringComparison.Ordinal);
        Assert.Contains("set_config", commands[3], StringComparison.Ordinal);
        var ended = Assert.Single(recovered);
        Assert.Equal(("a later note", DreamRunStatus.Failed), (ended.Results.Note, ended.Status));
        await AssertRunBodyAsync(clock, WebhookEventTypes.DreamFailed, ended, WebhookEventData.DreamEnded(ended).Data);
    }

    private static async Task<DreamRun> StartedAsync(PostgresDreamRunStore runs, MemoryScope scope, DreamRunResults progress)
    {
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
        await runs.StartAsync(run.Id, "host-a", Lease);
        return await runs.UpdateProgressAsync(run.Id, progress);
    }
}
