
namespace Dreaming.Tests.Storage;

/// <summary><see cref="ForwardingMemoryStore"/> passes every member of <see cref="IMemoryStore"/> to its inner store with
/// the caller's arguments and token, and lets a derived store override each one.</summary>
public sealed class ForwardingMemoryStoreTests
{
    [Fact]
    public void Every_member_of_the_interface_is_a_public_virtual_method_it_declares()
    {
        // A member added to IMemoryStore later (a default one compiles without it) must be forwarded too.
        var problems = ForwardingChecks.NotForwarded<IMemoryStore>(typeof(ForwardingMemoryStore));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Each_call_reaches_the_inner_store_with_the_same_arguments_and_token()
    {
        Assert.Equal(10, typeof(IMemoryStore).GetMethods().Length);

        var unreached = await ForwardingChecks.UnreachedAsync<IMemoryStore>(inner => new Plain(inner), Sample);

        Assert.True(unreached.Count == 0, string.Join("\n", unreached));
    }

    [Fact]
    public async Task A_derived_store_changes_one_member_and_the_rest_is_the_inner_stores()
    {
        var inner = new InMemoryMemoryStore();
        var store = new CountingActiveReads(inner);
        var scope = MemoryScope.Agent("bot");
        var proposed = await store.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.Person("p"), Insights = [] });
        await store.ApproveAsync(proposed.Id, MemoryAuthor.Person("r"));

        var active = await store.GetActiveVersionAsync(scope);

        Assert.Equal(proposed.Id, active?.Id);
        Assert.Equal(proposed.Id, (await inner.GetActiveVersionAsync(scope))?.Id);
        Assert.Equal(1, store.ActiveReads);
    }

    // One value of each parameter type of IMemoryStore's members, each a distinct instance the inner call must receive.
    private static object Sample(Type type) => type switch
    {
        _ when type == typeof(string) => "mv-7",
        _ when type == typeof(int) => 7,
        _ when type == typeof(int?) => 3,
        _ when type == typeof(MemoryScope) => MemoryScope.Team("t7"),
        _ when type == typeof(MemoryAuthor) => MemoryAuthor.Person("p7"),
        _ when type == typeof(MemoryProposal) => new MemoryProposal { Scope = MemoryScope.Team("t7"), Author = MemoryAuthor.Person("p7"), Insights = [] },
        _ when type == typeof(MemoryEdit) => new MemoryEdit { Author = MemoryAuthor.Person("p7") },
        _ => throw new InvalidOperationException($"Add a sample {type} for the new member of IMemoryStore."),
    };

    private sealed class Plain(IMemoryStore inner) : ForwardingMemoryStore(inner);

    private sealed class CountingActiveReads(IMemoryStore inner) : ForwardingMemoryStore(inner)
    {
        public int ActiveReads { get; private set; }

        public override Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default)
        {
            ActiveReads++;
            return base.GetActiveVersionAsync(scope, cancellationToken);
        }
    }
}
