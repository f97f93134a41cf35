using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The end of a run whose lease expired, its events made before the scope's lock (by a start taking the scope
/// over, or a recovery), against the build before: its note, extended on the server, is stored as that build stored it
/// (<see cref="PostgresText"/>'s form of the note and the suffix) whatever the note holds, and a start and recoveries
/// racing, or one ending the run between another's reads and its lock, write its events once, byte for byte.</summary>
public sealed class PostgresAbandonedRunRaceTests : PostgresWebhookRowsFixture
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_run_completed_on_recovery_or_by_a_start_stores_the_note_the_build_before_stored_whatever_it_holds()
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        var clock = new FakeTimeProvider(BaseTime);
        await using var runs = new PostgresDreamRunStore(options, clock);
        await using var memory = new PostgresMemoryStore(options, clock);
        string?[] notes = [null, string.Empty, "plain", "a\0b\uFFFFc \U0001F600 \u00e9", "\uFFFF", "\uFFFF0", new string('n', 200_000) + "\0"];
        var started = new List<(DreamRun Run, string? Note)>();
        for (var i = 0; i < notes.Length; i++)
        {
            started.Add((await WroteVersionAsync(runs, memory, MemoryScope.Agent("r" + i), notes[i]), notes[i]));
        }

        var taken = await WroteVersionAsync(runs, memory, MemoryScope.Agent("taken"), "t\0\uFFFF");
        clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var next = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("taken") });
        await runs.StartAsync(next.Id, "host-b", Lease);
        var recovered = await runs.RecoverAbandonedAsync();

        foreach (var (run, note) in started.Append((taken, "t\0\uFFFF")))
        {
            var ended = run.Id == taken.Id ? (await runs.GetAsync(run.Id))! : recovered.Single(r => r.Id == run.Id);
            var expected = note is null ? PostgresDreamRunWriter.RecoveredNote : note + "; " + PostgresDreamRunWriter.RecoveredNote;
            Assert.Equal((DreamRunStatus.Completed, expected), (ended.Status, ended.Results.Note));
            Assert.Equal(PostgresText.Encode(expected), await ScalarAsync($"SELECT note FROM dream_runs WHERE id = '{run.Id}'"));
            await AssertRunBodyAsync(clock, WebhookEventTypes.DreamCompleted, ended, WebhookEventData.DreamEnded(ended).Data);
        }
    }

    /// <summary>Another instance ends the run between the reads of a recovery (or a start) and its lock: the one that ends
    /// it writes its events, the other none, so each event of the end is in the outbox once.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_run_ended_by_another_instance_between_the_reads_and_the_lock_has_its_events_written_once(bool recoveryFirst)
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        var clock = new FakeTimeProvider(BaseTime);
        await using var runs = new PostgresDreamRunStore(options, clock);
        await using var other = new PostgresDreamRunStore(options, clock);
        await using var memory = new PostgresMemoryStore(options, clock);
        await runs.RecoverAbandonedAsync();
        await other.RecoverAbandonedAsync();
        var killed = await WroteVersionAsync(runs, memory, MemoryScope.Agent("a"), string.Join(' ', Enumerable.Range(0, 15_000).Select(i => "n" + i)), quarantines: 2);
        var next = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") });
        clock.Advance(Lease + TimeSpan.FromSeconds(1));

        // Either: the scopes, the running run, its memory version, then the lock; or: the run's scope, the running run, its
        // memory version, then the lock. The other instance ends the run before the lock.
        if (recoveryFirst)
        {
            var (started, commands) = await NpgsqlCommands.BeforeAsync(4, () => other.RecoverAbandonedAsync().GetAwaiter().GetResult(), () => runs.StartAsync(next.Id, "host-b", Lease));
            Assert.Contains("pg_advisory_xact_lock", commands[3], StringComparison.Ordinal);
            Assert.Contains("set_config", commands[3], StringComparison.Ordinal);
            Assert.Equal(DreamRunStatus.Running, started.Status);
        }
        else
        {
            var (recovered, commands) = await NpgsqlCommands.BeforeAsync(4, () => other.StartAsync(next.Id, "host-b", Lease).GetAwaiter().GetResult(), () => runs.RecoverAbandonedAsync());
            Assert.Contains("pg_advisory_xact_lock", commands[3], StringComparison.Ordinal);
            Assert.Contains("set_config", commands[3], StringComparison.Ordinal);
            Assert.Empty(recovered);
        }

        var ended = (await runs.GetAsync(killed.Id))!;
        Assert.Equal(DreamRunStatus.Completed, ended.Status);
        Assert.EndsWith("n14999; " + PostgresDreamRunWriter.RecoveredNote, ended.Results.Note, StringComparison.Ordinal);
        await AssertRunBodyAsync(clock, WebhookEventTypes.DreamCompleted, ended, WebhookEventData.DreamEnded(ended).Data);
        foreach (var change in ended.Results.Report.Changes)
        {
            await AssertRunBodyAsync(clock, WebhookEventTypes.InsightQuarantined, ended, WebhookEventData.InsightQuarantined(ended, change), change.InsightId);
        }

        Assert.Equal(3L, await ScalarAsync($"SELECT count(*) FROM webhook_events WHERE strpos(body, '\"dream_run_id\":\"{killed.Id}\"') > 0"));
    }

    /// <summary>A recovery finds two runs; between its reads and its lock another instance takes the first one's scope over
    /// (ending it), and the second one's host records one more session: the second run's event, whose data then differs
    /// from the one set aside for it, is made with that one's id and time and written from its body with the stretch that
    /// differs, not from the first run's (the first of its type not yet taken, a body of another run and note, sent whole
    /// after the lock).</summary>
    [Fact]
    public async Task A_recovered_run_whose_data_changed_before_the_lock_is_written_from_its_own_body_set_aside_not_another_runs()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = proxy.Options(Schema);
        options.WriteUnroutedWebhooks = true;
        var direct = Options;
        direct.WriteUnroutedWebhooks = true;
        var clock = new FakeTimeProvider(BaseTime);
        await using var runs = new PostgresDreamRunStore(options, clock);
        await using var other = new PostgresDreamRunStore(direct, clock);
        await runs.RecoverAbandonedAsync();
        await other.RecoverAbandonedAsync();
        var first = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") });
        await runs.StartAsync(first.Id, "host-a", Lease);
        await runs.UpdateProgressAsync(first.Id, new DreamRunResults { Note = string.Join(' ', Enumerable.Range(0, 15_000).Select(i => "a" + i)) });
        var second = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("b") });
        await runs.StartAsync(second.Id, "host-b", Lease);
        var progress = new DreamRunResults { SessionIds = ["s1"], Cursor = new DreamCursor(BaseTime, "s1"), Note = string.Join(' ', Enumerable.Range(0, 15_000).Select(i => "b" + i)) };
        await runs.UpdateProgressAsync(second.Id, progress);
        var next = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") });
        clock.Advance(Lease + TimeSpan.FromSeconds(1));

        // The scopes, each one's running run and memory version, then the lock.
        var (recovered, largest, _) = await LockTail.AfterLockAsync(proxy, () => runs.RecoverAbandonedAsync(), 6, () =>
        {
            other.StartAsync(next.Id, "host-c", Lease).GetAwaiter().GetResult();
            other.UpdateProgressAsync(second.Id, progress with { SessionIds = ["s1", "s2"], Cursor = new DreamCursor(BaseTime, "s2") }).GetAwaiter().GetResult();
        });

        var ended = Assert.Single(recovered);
        Assert.Equal((second.Id, 2), (ended.Id, ended.Results.SessionIds.Count));
        await AssertRunBodyAsync(clock, WebhookEventTypes.DreamFailed, ended, WebhookEventData.DreamEnded(ended).Data);
        await AssertRunBodyAsync(clock, WebhookEventTypes.DreamFailed, (await runs.GetAsync(first.Id))!, WebhookEventData.DreamEnded((await runs.GetAsync(first.Id))!).Data);
        Assert.InRange(largest, 1, LockTail.WriteBuffer - 1);
    }

    /// <summary>Two recoveries and a start of the scope at once, on three instances, a few times: the run is ended once,
    /// its note extended once, its events written once, byte for byte.</summary>
    [Fact]
    public async Task A_start_and_two_recoveries_racing_end_the_run_once_and_write_its_events_once()
    {
        var clock = new FakeTimeProvider(BaseTime);
        var stores = Enumerable.Range(0, 3).Select(_ =>
        {
            var options = Options;
            options.WriteUnroutedWebhooks = true;
            return new PostgresDreamRunStore(options, clock);
        }).ToList();
        var memoryOptions = Options;
        memoryOptions.WriteUnroutedWebhooks = true;
        await using var memory = new PostgresMemoryStore(memoryOptions, clock);
        try
        {
            for (var round = 0; round < 6; round++)
            {
                var scope = MemoryScope.Agent("race" + round);
                var killed = await WroteVersionAsync(stores[0], memory, scope, "round " + round + " " + new string('x', 70_000), quarantines: 2);
                var next = await stores[0].CreateAsync(new DreamRunRequest { Scope = scope });
                clock.Advance(Lease + TimeSpan.FromSeconds(1));

                var recoveries = stores.Take(2).Select(store => Task.Run(() => store.RecoverAbandonedAsync())).ToList();
                var start = Task.Run(() => stores[2].StartAsync(next.Id, "host-" + round, Lease));
                var recovered = (await Task.WhenAll(recoveries)).SelectMany(r => r).ToList();
                Assert.Equal(DreamRunStatus.Running, (await start).Status);

                Assert.True(recovered.Count <= 1, "the run was ended by more than one recovery");
                var ended = (await stores[0].GetAsync(killed.Id))!;
                Assert.Equal((DreamRunStatus.Completed, "round " + round + " " + new string('x', 70_000) + "; " + PostgresDreamRunWriter.RecoveredNote), (ended.Status, ended.Results.Note));
                await AssertRunBodyAsync(clock, WebhookEventTypes.DreamCompleted, ended, WebhookEventData.DreamEnded(ended).Data);
                foreach (var change in ended.Results.Report.Changes)
                {
                    await AssertRunBodyAsync(clock, WebhookEventTypes.InsightQuarantined, ended, WebhookEventData.InsightQuarantined(ended, change), change.InsightId);
                }

                Assert.Equal(3L, await ScalarAsync($"SELECT count(*) FROM webhook_events WHERE strpos(body, '\"dream_run_id\":\"{killed.Id}\"') > 0"));
                await stores[2].CancelAsync(next.Id);
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    /// <summary>A run of <paramref name="scope"/> under RequireApproval that proposed its version and recorded
    /// <paramref name="note"/> (and <paramref name="quarantines"/> held-back insights), then stopped: it is completed on
    /// recovery.</summary>
    private static async Task<DreamRun> WroteVersionAsync(PostgresDreamRunStore runs, PostgresMemoryStore memory, MemoryScope scope, string? note, int quarantines = 0)
    {
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope, ReviewMode = DreamReviewMode.RequireApproval });
        await runs.StartAsync(run.Id, "host-a", Lease);
        var version = await memory.ProposeAsync(Proposal(scope, null, MemoryAuthor.DreamRun(run.Id), "i1"));
        return await runs.UpdateProgressAsync(run.Id, new DreamRunResults
        {
            Note = note,
            OutputVersionId = version.Id,
            Report = new DreamReport { Changes = [.. Enumerable.Range(1, quarantines).Select(i => new DreamChange { Op = DreamChangeOp.Quarantine, InsightId = $"q{i}", Text = "held back", Reason = "reason " + i })] },
        });
    }
}
