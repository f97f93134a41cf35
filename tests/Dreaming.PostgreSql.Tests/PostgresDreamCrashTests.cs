using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A host killed in the middle of a dream on a PostgreSQL schema (a child process, <c>Dreaming.CrashTestHost
/// CONNECTION postgres SCHEMA dream POINT</c>, on <c>UsePostgresStore</c> as an app registers it) and another host on the
/// same schema afterwards: what the run, the scope's lease, the memory, the read cursor and the webhook outbox are left
/// as, and what the next dream does. The points are SQLite's (<c>DreamCrashTests</c>); <see cref="DreamChildProcess"/>
/// also stops the child inside a transaction of the store.</summary>
public sealed partial class PostgresDreamCrashTests : PostgresStoreFixture
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("crash-agent");

    [Fact]
    public async Task Killed_while_the_reflector_model_is_called_the_run_holds_the_scope_until_its_lease_expires_then_one_of_two_hosts_takes_it_over()
    {
        var seeded = await SeedAsync();
        var deadId = await RunChildUntilAsync("reflect", "reflecting");

        await using var first = Restart(out var firstClock);
        await using var second = Restart(out var secondClock);
        var runs = first.GetRequiredService<IDreamRunStore>();
        var dead = (await runs.GetAsync(deadId))!;
        Assert.Equal(DreamRunStatus.Running, dead.Status);
        Assert.Equal(seeded, dead.Results.SessionIds.Order(StringComparer.Ordinal));

        // Restarted within the lease: nothing is abandoned yet, and a dream of the scope is refused on either host, naming
        // the dead run (the lease is a row, not a lock of the dead connection, so it outlives the process).
        Assert.Empty(await second.GetRequiredService<IDreamRunStore>().RecoverAbandonedAsync());
        var refused = await Assert.ThrowsAsync<DreamConflictException>(() => second.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope }));
        Assert.Equal(deadId, refused.RunningRunId);

        // Once the lease has expired both hosts dream at once: one takes the scope over, ending the dead run as abandoned
        // with what it had read (the winner waits in its started callback until the other has been refused, so the race
        // is decided at the start, not by how fast a dream finishes); the other is refused, naming the winner's run.
        firstClock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        secondClock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        using var hold = new ManualResetEventSlim();
        var dreams = new[] { first, second }
            .Select(host => Task.Run(() => host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope }, _ => hold.Wait(TimeSpan.FromSeconds(30)))))
            .ToArray();
        var refusedOne = await Task.WhenAny(dreams);
        var lost = await Assert.ThrowsAsync<DreamConflictException>(() => refusedOne);
        hold.Set();
        var next = await dreams.Single(d => d != refusedOne);
        Assert.Equal(next.Id, lost.RunningRunId);
        Assert.Equal(DreamRunStatus.Completed, next.Status);
        Assert.Equal(seeded, next.Results.SessionIds.Order(StringComparer.Ordinal));
        dead = (await runs.GetAsync(deadId))!;
        Assert.Equal((DreamRunStatus.Failed, DreamRunStoreRules.AbandonedError), (dead.Status, dead.Error));
        Assert.Null(dead.Results.OutputVersionId);
        var version = Assert.Single(await first.GetRequiredService<IMemoryStore>().ListVersionsAsync(s_scope));
        Assert.Equal((next.Results.OutputVersionId, MemoryVersionState.Active), (version.Id, version.State));
        Assert.Equal(1L, await EventsAsync(WebhookEventTypes.DreamFailed, deadId));
        Assert.Equal(0L, await EventsAsync(WebhookEventTypes.DreamCompleted, deadId));
    }

    [Fact]
    public async Task Killed_after_the_dream_activated_its_version_the_run_is_completed_on_takeover_and_the_next_dream_does_not_read_its_sessions_again()
    {
        var seeded = await SeedAsync();
        var deadId = await RunChildUntilAsync("commit", "completing");

        await using var host = Restart(out var clock);
        var runs = host.GetRequiredService<IDreamRunStore>();
        var memory = host.GetRequiredService<IMemoryStore>();
        var dead = (await runs.GetAsync(deadId))!;
        Assert.Equal(DreamRunStatus.Running, dead.Status);
        var written = (await memory.GetActiveVersionAsync(s_scope))!;
        Assert.Equal(written.Id, dead.Results.OutputVersionId);

        clock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        var next = await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope });

        dead = (await runs.GetAsync(deadId))!;
        Assert.Equal(DreamRunStatus.Completed, dead.Status);
        Assert.Null(dead.Error);
        Assert.Equal(seeded, dead.Results.SessionIds.Order(StringComparer.Ordinal));
        Assert.Equal(written.Id, dead.Results.OutputVersionId);
        Assert.Empty(next.Results.SessionIds);
        Assert.Null(next.Results.OutputVersionId);
        Assert.Equal(written.Id, Assert.Single(await memory.ListVersionsAsync(s_scope)).Id);
        Assert.Equal(1L, await EventsAsync(WebhookEventTypes.DreamCompleted, deadId));
        Assert.Equal(0L, await EventsAsync(WebhookEventTypes.DreamFailed, deadId));
    }

    [Fact]
    public async Task Killed_after_a_dream_under_approval_proposed_its_version_the_proposal_waits_for_review_and_is_not_proposed_again()
    {
        var seeded = await SeedAsync();
        var deadId = await RunChildUntilAsync("commit-approval", "completing");

        await using var host = Restart(out var clock);
        var runs = host.GetRequiredService<IDreamRunStore>();
        var memory = host.GetRequiredService<IMemoryStore>();
        var proposal = Assert.Single(await memory.ListVersionsAsync(s_scope));
        Assert.Equal(MemoryVersionState.Proposed, proposal.State);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));

        clock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        var recovered = Assert.Single(await runs.RecoverAbandonedAsync());
        var next = await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope, ReviewMode = DreamReviewMode.RequireApproval });

        Assert.Equal((deadId, DreamRunStatus.Completed), (recovered.Id, recovered.Status));
        Assert.Equal(proposal.Id, recovered.Results.OutputVersionId);
        Assert.Equal(seeded, recovered.Results.SessionIds.Order(StringComparer.Ordinal));
        Assert.Empty(next.Results.SessionIds);
        Assert.Equal(proposal.Id, Assert.Single(await memory.ListVersionsAsync(s_scope)).Id);
        Assert.Equal(MemoryVersionState.Active, (await memory.ApproveAsync(proposal.Id, MemoryAuthor.Person("alice"))).State);
        Assert.Equal(1L, await EventsAsync(WebhookEventTypes.DreamCompleted, deadId));
    }

    [Fact]
    public async Task Killed_right_after_the_run_completed_its_dream_completed_event_is_in_the_outbox_and_nothing_is_read_again()
    {
        await SeedAsync();
        var runId = await RunChildUntilAsync("completed", "completed");

        await using var host = Restart(out _);
        Assert.Equal(DreamRunStatus.Completed, (await host.GetRequiredService<IDreamRunStore>().GetAsync(runId))!.Status);
        Assert.Equal(1L, await EventsAsync(WebhookEventTypes.DreamCompleted, runId));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE e.type = 'dream.completed' AND d.state = 'pending'"));

        var next = await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope });
        Assert.Empty(next.Results.SessionIds);
    }
}
