
namespace Dreaming.Tests.Storage;

/// <summary><see cref="ForwardingDreamRunStore"/> passes every member of <see cref="IDreamRunStore"/> to its inner store
/// with the caller's arguments and token, and lets a derived store override each one.</summary>
public sealed class ForwardingDreamRunStoreTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_member_of_the_interface_is_a_public_virtual_method_it_declares()
    {
        // A member added to IDreamRunStore later (a default one compiles without it) must be forwarded too.
        var problems = ForwardingChecks.NotForwarded<IDreamRunStore>(typeof(ForwardingDreamRunStore));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Each_call_reaches_the_inner_store_with_the_same_arguments_and_token()
    {
        Assert.Equal(14, typeof(IDreamRunStore).GetMethods().Length);

        var unreached = await ForwardingChecks.UnreachedAsync<IDreamRunStore>(inner => new Plain(inner), Sample);

        Assert.True(unreached.Count == 0, string.Join("\n", unreached));
    }

    [Fact]
    public async Task A_derived_store_changes_one_member_and_the_rest_is_the_inner_stores()
    {
        var inner = new InMemoryDreamRunStore();
        var store = new RefusingRenewals(inner);
        var run = await store.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        await store.StartAsync(run.Id, "host", TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<TimeoutException>(() => store.RenewLeaseAsync(run.Id, "host", TimeSpan.FromMinutes(1)));

        Assert.Equal(DreamRunStatus.Running, (await inner.GetAsync(run.Id))?.Status);
    }

    // One value of each parameter type of IDreamRunStore's members, each a distinct instance the inner call must receive.
    private static object Sample(Type type) => type switch
    {
        _ when type == typeof(string) => "run-7",
        _ when type == typeof(int) => 7,
        _ when type == typeof(TimeSpan) => TimeSpan.FromSeconds(7),
        _ when type == typeof(DateTimeOffset?) => At,
        _ when type == typeof(MemoryScope) => MemoryScope.Team("t7"),
        _ when type == typeof(DreamRunRequest) => new DreamRunRequest { Scope = MemoryScope.Team("t7") },
        _ when type == typeof(DreamRunResults) => new DreamRunResults { Note = "n7" },
        _ when type == typeof(DreamRunQuery) => new DreamRunQuery { Status = DreamRunStatus.Failed, Limit = 7 },
        _ when type == typeof(DreamRunRecovery) => new DreamRunRecovery { Scope = MemoryScope.Team("t7"), ExpiredFor = TimeSpan.FromMinutes(7), Now = At },
        _ => throw new InvalidOperationException($"Add a sample {type} for the new member of IDreamRunStore."),
    };

    private sealed class Plain(IDreamRunStore inner) : ForwardingDreamRunStore(inner);

    private sealed class RefusingRenewals(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public override Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
            Task.FromException<DreamRun>(new TimeoutException("the store cannot be reached"));
    }
}
