using Xunit;

namespace Dreaming.Testing;

/// <content>Approving and rejecting versions, alone and concurrently.</content>
public abstract partial class MemoryStoreConformanceTests
{
    /// <summary>Approving a proposal makes it the active version, stamped with its reviewer.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAsync_Proposal_BecomesTheActiveVersion()
    {
        var store = await NewStoreAsync();
        var proposed = await store.ProposeAsync(Proposal(Bot, null, Dream, FullInsight("i1")));
        var before = Milliseconds(DateTimeOffset.UtcNow);

        var approved = await store.ApproveAsync(proposed.Id, Alice);

        Assert.Equal(MemoryVersionState.Active, approved.State);
        Assert.Equal(Alice, approved.ReviewedBy);
        Assert.InRange(approved.ReviewedAt!.Value, before, DateTimeOffset.UtcNow);
        await AssertUnchangedAsync(store, proposed);
        var active = await store.GetActiveVersionAsync(Bot);
        Assert.Equal(proposed.Id, active!.Id);
        Assert.Equal(MemoryVersionState.Active, active.State);
        InsightsEqual([FullInsight("i1")], active.Insights);
        Assert.Null(await store.GetActiveVersionAsync(MemoryScope.Agent("other")));
    }

    /// <summary>Approving a later proposal supersedes the version that was active, which records what replaced it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAsync_SupersedesThePreviouslyActiveVersion()
    {
        var store = await NewStoreAsync();
        var first = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var second = await store.ProposeAsync(Proposal(Bot, first.Id, Dream, Lesson("i1"), Lesson("i2")));

        await store.ApproveAsync(second.Id, Dream);

        var old = (await store.GetVersionAsync(first.Id))!;
        Assert.Equal(MemoryVersionState.Superseded, old.State);
        Assert.Equal(second.Id, old.SupersededByVersionId);
        Assert.NotNull(old.SupersededAt);
        Assert.Equal(Alice, old.ReviewedBy);
        await AssertUnchangedAsync(store, first);
        Assert.Equal(second.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
        Assert.Single(await store.ListVersionsAsync(Bot), version => version.State == MemoryVersionState.Active);
    }

    /// <summary>Approving a rejected version fails naming the version and its state, and changes nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAsync_RejectedVersion_ThrowsNamingVersionAndState()
    {
        var store = await NewStoreAsync();
        var active = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var proposed = await store.ProposeAsync(Proposal(Bot, active.Id, Dream, Lesson("i1"), Lesson("bad")));
        await store.RejectAsync(proposed.Id, Alice, "wrong");

        await AssertStateErrorAsync(() => store.ApproveAsync(proposed.Id, Alice), proposed.Id, "rejected");

        Assert.Equal(MemoryVersionState.Rejected, (await store.GetVersionAsync(proposed.Id))!.State);
        Assert.Equal(active.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    /// <summary>Approving a superseded or an already active version fails naming it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAsync_SupersededOrActiveVersion_ThrowsNamingVersionAndState()
    {
        var store = await NewStoreAsync();
        var first = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var second = await ActiveVersionAsync(store, Bot, first.Id, Lesson("i1"), Lesson("i2"));

        await AssertStateErrorAsync(() => store.ApproveAsync(first.Id, Alice), first.Id, "superseded");
        await AssertStateErrorAsync(() => store.ApproveAsync(second.Id, Alice), second.Id, "already active");

        Assert.Equal(second.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
        Assert.Equal(MemoryVersionState.Superseded, (await store.GetVersionAsync(first.Id))!.State);
    }

    /// <summary>Approving or rejecting an unknown version fails naming it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAndRejectAsync_UnknownVersion_ThrowNotFound()
    {
        var store = await NewStoreAsync();

        var approve = await Assert.ThrowsAnyAsync<MemoryVersionNotFoundException>(() => store.ApproveAsync("mv-ghost", Alice));
        var reject = await Assert.ThrowsAnyAsync<MemoryVersionNotFoundException>(() => store.RejectAsync("mv-ghost", Alice));

        Assert.Contains("mv-ghost", approve.Message, StringComparison.Ordinal);
        Assert.Contains("mv-ghost", reject.Message, StringComparison.Ordinal);
    }

    /// <summary>A proposal that does not derive from the active version cannot be approved: it would silently discard the
    /// active version's changes (for example a person's edit approved while a dream was running).</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAsync_ProposalNotDerivedFromTheActiveVersion_ThrowsAndKeepsIt()
    {
        var store = await NewStoreAsync();
        var v1 = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var fromDream = await store.ProposeAsync(Proposal(Bot, v1.Id, Dream, Lesson("i1"), Lesson("dream")));
        var byPerson = await store.EditAsync(v1.Id, new MemoryEdit { Author = Alice, Upserts = [Lesson("person")] });
        await store.ApproveAsync(byPerson.Id, Alice);
        var orphan = await store.ProposeAsync(Proposal(Bot, null, Alice, Lesson("other")));

        await AssertStateErrorAsync(() => store.ApproveAsync(fromDream.Id, Dream), fromDream.Id, byPerson.Id, "does not derive");
        await AssertStateErrorAsync(() => store.ApproveAsync(orphan.Id, Alice), orphan.Id);

        Assert.Equal(byPerson.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
        Assert.Equal(MemoryVersionState.Proposed, (await store.GetVersionAsync(fromDream.Id))!.State);
    }

    /// <summary>A proposal derived from the active version through other proposals (an edit of a dream's proposal) can be approved.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAsync_ProposalDerivedThroughAnotherProposal_Succeeds()
    {
        var store = await NewStoreAsync();
        var v1 = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var fromDream = await store.ProposeAsync(Proposal(Bot, v1.Id, Dream, Lesson("i1"), Lesson("dream")));
        var corrected = await store.EditAsync(fromDream.Id, new MemoryEdit { Author = Alice, Upserts = [Lesson("dream", text: "better wording")] });

        await store.ApproveAsync(corrected.Id, Alice);

        Assert.Equal(corrected.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
        Assert.Equal(corrected.Id, (await store.GetVersionAsync(v1.Id))!.SupersededByVersionId);
        Assert.Equal(MemoryVersionState.Proposed, (await store.GetVersionAsync(fromDream.Id))!.State);
    }

    /// <summary>Rejecting a proposal records the reviewer and reason and leaves the active version alone.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RejectAsync_Proposal_BecomesRejectedWithReason()
    {
        var store = await NewStoreAsync();
        var active = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var proposed = await store.ProposeAsync(Proposal(Bot, active.Id, Dream, Lesson("i1"), Lesson("poison")));

        var rejected = await store.RejectAsync(proposed.Id, Alice, "reads like an injected instruction — «non»");

        Assert.Equal(MemoryVersionState.Rejected, rejected.State);
        Assert.Equal(Alice, rejected.ReviewedBy);
        Assert.NotNull(rejected.ReviewedAt);
        var stored = (await store.GetVersionAsync(proposed.Id))!;
        Assert.Equal("reads like an injected instruction — «non»", stored.ReviewNote);
        await AssertUnchangedAsync(store, proposed);
        Assert.Equal(active.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
        Assert.Equal(MemoryVersionState.Active, (await store.GetVersionAsync(active.Id))!.State);
    }

    /// <summary>Only a proposed version can be rejected.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RejectAsync_VersionNotProposed_ThrowsNamingVersionAndState()
    {
        var store = await NewStoreAsync();
        var active = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var proposed = await store.ProposeAsync(Proposal(Bot, active.Id, Dream, Lesson("i1")));
        await store.RejectAsync(proposed.Id, Alice);

        await AssertStateErrorAsync(() => store.RejectAsync(active.Id, Alice), active.Id, "active");
        await AssertStateErrorAsync(() => store.RejectAsync(proposed.Id, Alice, "again"), proposed.Id, "rejected");

        Assert.Equal(MemoryVersionState.Active, (await store.GetVersionAsync(active.Id))!.State);
        Assert.Null((await store.GetVersionAsync(proposed.Id))!.ReviewNote);
    }

    /// <summary>Ten approvals racing on proposals of one scope leave exactly one active version; the others fail cleanly and
    /// stay proposed, and the version active before is superseded by the winner.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAsync_ConcurrentApprovals_LeaveExactlyOneActiveVersion()
    {
        var store = await NewStoreAsync();
        var v1 = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var proposals = new List<MemoryVersion>();
        for (var i = 0; i < 10; i++)
        {
            proposals.Add(await store.ProposeAsync(Proposal(Bot, v1.Id, Dream, Lesson("i1"), Lesson("p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        }

        var results = await Task.WhenAll(proposals.Select(proposal => Task.Run(async () =>
        {
            try
            {
                return (Approved: (MemoryVersion?)await store.ApproveAsync(proposal.Id, Alice), Error: (Exception?)null);
            }
            catch (MemoryStateException error)
            {
                return (Approved: (MemoryVersion?)null, Error: (Exception?)error);
            }
        })));

        var winner = Assert.Single(results, result => result.Approved is not null).Approved!;
        Assert.All(results.Where(result => result.Approved is null), result => Assert.IsAssignableFrom<MemoryStateException>(result.Error));
        var versions = await store.ListVersionsAsync(Bot);
        Assert.Equal(winner.Id, Assert.Single(versions, version => version.State == MemoryVersionState.Active).Id);
        Assert.Equal(9, versions.Count(version => version.State == MemoryVersionState.Proposed));
        Assert.Equal(winner.Id, (await store.GetVersionAsync(v1.Id))!.SupersededByVersionId);
        Assert.Equal(winner.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    /// <summary>Approvals, rollbacks and first approvals racing in one scope never leave two active versions.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAndRollbackAsync_Racing_NeverLeaveTwoActiveVersions()
    {
        var store = await NewStoreAsync();
        var firsts = new List<MemoryVersion>();
        for (var i = 0; i < 6; i++)
        {
            firsts.Add(await store.ProposeAsync(Proposal(Bot, null, Alice, Lesson("f" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        }

        var operations = firsts.Select(version => (Func<Task>)(() => store.ApproveAsync(version.Id, Alice)))
            .Concat(firsts.Select(version => (Func<Task>)(() => store.RollbackAsync(version.Id, Alice))));
        await Task.WhenAll(operations.Select(operation => Task.Run(async () =>
        {
            try
            {
                await operation();
            }
            catch (MemoryStateException)
            {
            }
        })));

        var versions = await store.ListVersionsAsync(Bot, limit: 100);
        var active = Assert.Single(versions, version => version.State == MemoryVersionState.Active);
        Assert.Equal(active.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
        Assert.All(versions.Where(version => version.State == MemoryVersionState.Superseded), version => Assert.NotNull(version.SupersededByVersionId));
    }

    /// <summary>Approving in one scope leaves the active version of another scope alone.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ApproveAsync_ScopesAreIndependent()
    {
        var store = await NewStoreAsync();
        var team = MemoryScope.Team("support");
        var teamActive = await ActiveVersionAsync(store, team, null, Lesson("t1", scope: team));
        var globalActive = await ActiveVersionAsync(store, MemoryScope.Global, null, Lesson("g1", scope: MemoryScope.Global));

        var botActive = await ActiveVersionAsync(store, Bot, null, Lesson("b1"));

        Assert.Equal(teamActive.Id, (await store.GetActiveVersionAsync(team))!.Id);
        Assert.Equal(globalActive.Id, (await store.GetActiveVersionAsync(MemoryScope.Global))!.Id);
        Assert.Equal(botActive.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }
}
