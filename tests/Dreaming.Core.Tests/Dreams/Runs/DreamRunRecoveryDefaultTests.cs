using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests.Dreams.Runs;

/// <summary><see cref="IDreamRunStore.RecoverAsync"/>'s default implementation, for a dream run store written before the
/// member existed: the default recovery is its <see cref="IDreamRunStore.RecoverAbandonedAsync"/>; one of a scope, or with a
/// margin, fails with <see cref="NotSupportedException"/> naming the store, since the older member cannot end those runs
/// at the right time; bad arguments are refused as the library's stores refuse them.</summary>
public sealed class DreamRunRecoveryDefaultTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_default_recovery_of_an_older_store_ends_every_expired_run_at_the_time_given()
    {
        var (store, run) = await StuckAsync();

        var recovered = Assert.Single(await store.RecoverAsync(new DreamRunRecovery { Now = Start.AddHours(2) }));

        Assert.Equal((run.Id, DreamRunStatus.Failed, Start.AddHours(2)), (recovered.Id, recovered.Status, recovered.EndedAt));
    }

    [Fact]
    public async Task A_recovery_of_one_scope_or_with_a_margin_fails_on_an_older_store_naming_it_and_ends_nothing()
    {
        var (store, run) = await StuckAsync();

        var scoped = await Assert.ThrowsAsync<NotSupportedException>(() => store.RecoverAsync(new DreamRunRecovery { Scope = run.Scope }));
        await Assert.ThrowsAsync<NotSupportedException>(() => store.RecoverAsync(new DreamRunRecovery { ExpiredFor = TimeSpan.FromMinutes(1) }));

        Assert.Contains(typeof(OlderStore).FullName!, scoped.Message, StringComparison.Ordinal);
        Assert.Contains("RecoverAsync", scoped.Message, StringComparison.Ordinal);
        Assert.Equal(DreamRunStatus.Running, (await store.GetAsync(run.Id))!.Status);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_naming_them_and_a_canceled_token_cancels()
    {
        var (store, _) = await StuckAsync();
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        Assert.Equal("recovery", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.RecoverAsync(null!))).ParamName);
        var range = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RecoverAsync(new DreamRunRecovery { ExpiredFor = DreamRunRecovery.MaxExpiredFor + TimeSpan.FromTicks(1) }));
        Assert.Equal(nameof(DreamRunRecovery.ExpiredFor), range.ParamName);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.RecoverAsync(new DreamRunRecovery { Scope = MemoryScope.Agent("bot") }, canceled.Token));
    }

    // A run of agent:bot whose lease expired, in a store that acts as one written before RecoverAsync existed.
    private static async Task<(OlderStore Store, DreamRun Run)> StuckAsync()
    {
        var store = new OlderStore(new InMemoryDreamRunStore(new FakeTimeProvider(Start)));
        var run = await store.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        await store.StartAsync(run.Id, "host", TimeSpan.FromMinutes(5));
        return (store, run);
    }

    private sealed class OlderStore(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public override Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default) =>
            RecoverByInterfaceDefaultAsync(recovery, cancellationToken);
    }
}
