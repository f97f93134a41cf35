using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>Instances racing on one run: two starts, a host killed mid-dream and recovered elsewhere, recoveries and
/// starts at once, two ends, a completion against a recovery and a renewal, the scope's lock, many
/// recoveries.</summary>
public sealed partial class PostgresDreamRunStoreTests
{
    [Fact]
    public async Task Two_hosts_starting_the_same_run_at_once_start_it_once()
    {
        var clock = new FakeTimeProvider(BaseTime);
        await using var first = new PostgresDreamRunStore(Options, clock);
        await using var second = new PostgresDreamRunStore(Options, clock);
        var run = await first.CreateAsync(new DreamRunRequest { Scope = Bot });

        var outcomes = await Task.WhenAll(
            Task.Run(() => OutcomeAsync(() => first.StartAsync(run.Id, "host-a", Lease))),
            Task.Run(() => OutcomeAsync(() => second.StartAsync(run.Id, "host-b", Lease))));

        var winner = Assert.Single(outcomes, outcome => outcome.Run is not null).Run!;
        Assert.IsType<DreamRunStateException>(Assert.Single(outcomes, outcome => outcome.Error is not null).Error);
        Assert.Equal(winner.LeaseHolder, (await second.GetAsync(run.Id))!.LeaseHolder);
    }

    [Fact]
    public async Task A_host_killed_mid_dream_keeps_its_lease_until_it_expires_then_another_instance_recovers_the_run()
    {
        var clock = new FakeTimeProvider(BaseTime);
        var killed = new PostgresDreamRunStore(Options, clock);
        var run = await killed.CreateAsync(new DreamRunRequest { Scope = Bot });
        await killed.StartAsync(run.Id, "host-killed", Lease);
        await killed.UpdateProgressAsync(run.Id, new DreamRunResults { SessionIds = ["s1"] });

        // The process is gone: its pool closed without a word; the row still holds the lease.
        await killed.DisposeAsync();
        await using var survivor = new PostgresDreamRunStore(Options, clock);
        var next = await survivor.CreateAsync(new DreamRunRequest { Scope = Bot });
        await Assert.ThrowsAsync<DreamConflictException>(() => survivor.StartAsync(next.Id, "host-survivor", Lease));
        Assert.Empty(await survivor.RecoverAbandonedAsync());

        clock.Advance(Lease);
        var recovered = Assert.Single(await survivor.RecoverAbandonedAsync());

        Assert.Equal((run.Id, DreamRunStatus.Failed, DreamRunStoreRules.AbandonedError), (recovered.Id, recovered.Status, recovered.Error));
        Assert.Equal(["s1"], recovered.Results.SessionIds);
        Assert.Equal(DreamRunStatus.Running, (await survivor.StartAsync(next.Id, "host-survivor", Lease)).Status);
    }

    [Fact]
    public async Task Recoveries_and_starts_racing_on_several_instances_end_a_killed_run_whose_version_was_written_once_completed()
    {
        var clock = new FakeTimeProvider(BaseTime);
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresDreamRunStore(Options, clock)).ToList();
        await using var memory = new PostgresMemoryStore(Options, clock);
        try
        {
            var killed = await stores[0].CreateAsync(new DreamRunRequest { Scope = Bot });
            await stores[0].StartAsync(killed.Id, "dead", Lease);
            var version = await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.DreamRun(killed.Id), "i1"));
            await stores[0].UpdateProgressAsync(killed.Id, new DreamRunResults { SessionIds = ["s1"], Cursor = new DreamCursor(BaseTime, "s1"), OutputVersionId = version.Id });
            await memory.ApproveAsync(version.Id, MemoryAuthor.DreamRun(killed.Id));
            var waiting = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => stores[1].CreateAsync(new DreamRunRequest { Scope = Bot })));
            clock.Advance(Lease + TimeSpan.FromSeconds(1));

            // Two hosts recover at start-up while two others start a dream of the scope.
            var recoveries = Enumerable.Range(0, 2).Select(i => Task.Run(() => stores[i].RecoverAbandonedAsync())).ToList();
            var starts = waiting.Select((run, i) => Task.Run(async () => (await OutcomeAsync(() => stores[2 + i].StartAsync(run.Id, "host-" + i, Lease))).Run?.Id)).ToList();
            var recovered = (await Task.WhenAll(recoveries)).SelectMany(r => r).ToList();
            var started = (await Task.WhenAll(starts)).Where(id => id is not null).ToList();

            Assert.Single(started);
            Assert.True(recovered.Count <= 1, "the run was ended by more than one recovery");
            var ended = (await stores[3].GetAsync(killed.Id))!;
            Assert.Equal((DreamRunStatus.Completed, version.Id), (ended.Status, ended.Results.OutputVersionId));
            Assert.Equal(PostgresDreamRunWriter.RecoveredNote, ended.Results.Note);
            Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM dream_runs WHERE status = 'running'"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Two_instances_ending_the_same_run_at_once_end_it_once_with_the_winners_results()
    {
        var clock = new FakeTimeProvider(BaseTime);
        await using var first = new PostgresDreamRunStore(Options, clock);
        await using var second = new PostgresDreamRunStore(Options, clock);
        for (var round = 0; round < 10; round++)
        {
            var run = await first.CreateAsync(new DreamRunRequest { Scope = Bot });
            await first.StartAsync(run.Id, "host", Lease);
            var outcomes = await Task.WhenAll(
                Task.Run(() => OutcomeAsync(() => first.CompleteAsync(run.Id, new DreamRunResults { Note = "first" }))),
                Task.Run(() => OutcomeAsync(() => round % 2 == 0
                    ? second.CompleteAsync(run.Id, new DreamRunResults { Note = "second" })
                    : second.FailAsync(run.Id, "failed", new DreamRunResults { Note = "second" }))));

            var winner = Assert.Single(outcomes, outcome => outcome.Run is not null).Run!;
            Assert.IsType<DreamRunStateException>(Assert.Single(outcomes, outcome => outcome.Error is not null).Error);
            var stored = (await first.GetAsync(run.Id))!;
            Assert.Equal((winner.Status, winner.Results.Note, (DateTimeOffset?)null), (stored.Status, stored.Results.Note, stored.LeaseExpiresAt));
        }
    }

    [Fact]
    public async Task A_completion_racing_a_recovery_of_its_expired_lease_and_a_renewal_is_either_stored_or_refused_never_both()
    {
        var clock = new FakeTimeProvider(BaseTime);
        await using var host = new PostgresDreamRunStore(Options, clock);
        await using var renewer = new PostgresDreamRunStore(Options, clock);
        await using var recoverer = new PostgresDreamRunStore(Options, clock);
        for (var round = 0; round < 12; round++)
        {
            var run = await host.CreateAsync(new DreamRunRequest { Scope = Bot });
            await host.StartAsync(run.Id, "host", Lease);
            clock.Advance(Lease + TimeSpan.FromSeconds(1));
            var completion = Task.Run(() => OutcomeAsync(() => host.CompleteAsync(run.Id, new DreamRunResults { Note = "done" })));
            var renewal = Task.Run(() => OutcomeAsync(() => renewer.RenewLeaseAsync(run.Id, "host", Lease)));
            var recovery = Task.Run(() => recoverer.RecoverAbandonedAsync());
            var (done, refused) = await completion;
            await renewal;
            var recovered = await recovery;

            var stored = (await recoverer.GetAsync(run.Id))!;
            if (done is not null)
            {
                Assert.DoesNotContain(recovered, r => r.Id == run.Id);
                Assert.Equal((DreamRunStatus.Completed, "done", (DateTimeOffset?)null), (stored.Status, stored.Results.Note, stored.LeaseExpiresAt));
            }
            else
            {
                Assert.IsType<DreamRunStateException>(refused);
                Assert.Equal(run.Id, Assert.Single(recovered).Id);
                Assert.Equal((DreamRunStatus.Failed, (DateTimeOffset?)null), (stored.Status, stored.LeaseExpiresAt));
                Assert.NotEqual("done", stored.Results.Note);
            }
        }
    }

    [Fact]
    public async Task A_completion_waits_for_the_scopes_lock_before_it_touches_the_run()
    {
        var clock = new FakeTimeProvider(BaseTime);
        await using var store = new PostgresDreamRunStore(Options, clock);
        var run = await store.CreateAsync(new DreamRunRequest { Scope = Bot });
        await store.StartAsync(run.Id, "host", Lease);
        var key = $"dreaming.{PostgresDreamRunMigrations.Component}:{Schema}:{Bot.Key}";

        // Another instance holds the scope's lock (a recovery, a renewal) while the completion is sent.
        await using var holder = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@key, 0))", holder))
        {
            take.Parameters.AddWithValue("key", key);
            await take.ExecuteNonQueryAsync();
        }

        var completion = Task.Run(() => store.CompleteAsync(run.Id, new DreamRunResults { Note = "done" }));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Convert.ToInt64(await ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE {holder.ProcessID} = ANY (pg_blocking_pids(pid))"), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            Assert.False(completion.IsCompleted, "the completion did not wait for the scope's lock");
            Assert.True(DateTime.UtcNow < deadline, "the completion never waited for the scope's lock");
            await Task.Delay(20);
        }

        // Waiting, it has neither changed nor locked the run's row.
        Assert.Equal("running", await ScalarAsync($"SELECT status FROM dream_runs WHERE id = '{run.Id}' FOR UPDATE NOWAIT"));
        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", holder))
        {
            release.Parameters.AddWithValue("key", key);
            await release.ExecuteNonQueryAsync();
        }

        Assert.Equal(DreamRunStatus.Completed, (await completion).Status);
    }

    [Fact]
    public async Task Many_instances_recovering_at_once_end_each_abandoned_run_once()
    {
        var clock = new FakeTimeProvider(BaseTime);
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresDreamRunStore(Options, clock)).ToList();
        try
        {
            foreach (var i in Enumerable.Range(0, 12))
            {
                var run = await stores[0].CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot-" + i) });
                await stores[0].StartAsync(run.Id, "dead", Lease);
            }

            clock.Advance(Lease);
            var recovered = (await Task.WhenAll(stores.Select(store => Task.Run(() => store.RecoverAbandonedAsync())))).SelectMany(r => r).ToList();

            Assert.Equal(12, recovered.Count);
            Assert.Equal(12, recovered.Select(r => r.Id).Distinct().Count());
            Assert.Equal(12L, await ScalarAsync("SELECT count(*) FROM dream_runs WHERE status = 'failed'"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }
}
