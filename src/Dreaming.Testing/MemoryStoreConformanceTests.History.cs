using Xunit;

namespace Dreaming.Testing;

/// <content>Editing, rolling back and comparing versions, and keeping every one of them.</content>
public abstract partial class MemoryStoreConformanceTests
{
    /// <summary>Editing creates a new proposed version whose parent is the edited one; the edited version is unchanged.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EditAsync_CreatesANewProposedChildAndLeavesTheSourceUnchanged()
    {
        var store = await NewStoreAsync();
        var active = await ActiveVersionAsync(store, Bot, null, Lesson("i1"), Lesson("i2"));

        var edited = await store.EditAsync(active.Id, new MemoryEdit
        {
            Author = Alice,
            Upserts = [Lesson("i2", text: "clearer") with { Source = InsightSource.Human }],
            Note = "reworded i2",
        });

        Assert.NotEqual(active.Id, edited.Id);
        Assert.Equal(2, edited.Number);
        Assert.Equal(active.Id, edited.ParentVersionId);
        Assert.Equal(Alice, edited.Author);
        Assert.Equal("reworded i2", edited.Note);
        Assert.Equal(MemoryVersionState.Proposed, edited.State);
        Assert.Equal("clearer", edited.Insights[1].Text);
        await AssertUnchangedAsync(store, active);
        Assert.Equal("lesson i2", (await store.GetVersionAsync(active.Id))!.Insights[1].Text);
        Assert.Equal(MemoryVersionState.Active, (await store.GetVersionAsync(active.Id))!.State);
        Assert.Equal(active.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    /// <summary>Upserted insights replace those with the same id in place, new ones follow, removed ones are left out.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EditAsync_ReplacesInPlaceAppendsAndRemoves()
    {
        var store = await NewStoreAsync();
        var source = await store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("a"), Lesson("b"), Lesson("c")));

        var edited = await store.EditAsync(source.Id, new MemoryEdit
        {
            Author = Alice,
            Upserts = [Lesson("new"), Lesson("b", text: "b2", status: InsightStatus.Retired)],
            Removals = ["a"],
        });

        Assert.Equal(["b", "c", "new"], edited.Insights.Select(insight => insight.Id));
        Assert.Equal(InsightStatus.Retired, edited.Insights[0].Status);
        InsightsEqual([Lesson("a"), Lesson("b"), Lesson("c")], (await store.GetVersionAsync(source.Id))!.Insights);
    }

    /// <summary>Edits that change nothing, name an insight twice, remove an unknown id or break a rule are refused; nothing is written.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EditAsync_InvalidEdits_ThrowArgumentAndWriteNothing()
    {
        var store = await NewStoreAsync();
        var source = await ActiveVersionAsync(store, Bot, null, Lesson("a"), Lesson("b"));
        (MemoryEdit Edit, string Mention)[] cases =
        [
            (new MemoryEdit { Author = Alice }, "changes nothing"),
            (new MemoryEdit { Author = Alice, Removals = ["ghost"] }, "ghost"),
            (new MemoryEdit { Author = Alice, Upserts = [Lesson("x"), Lesson("x")] }, "'x'"),
            (new MemoryEdit { Author = Alice, Upserts = [Lesson("a")], Removals = ["a"] }, "'a'"),
            (new MemoryEdit { Author = Alice, Upserts = [Lesson("x", scope: MemoryScope.Global)] }, "global"),
            (new MemoryEdit { Author = Dream, Removals = ["b"] }, "never remove"),
        ];

        foreach (var (edit, mention) in cases)
        {
            var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EditAsync(source.Id, edit));
            Assert.Contains(mention, error.Message, StringComparison.Ordinal);
        }

        Assert.Single(await store.ListVersionsAsync(Bot));
        await Assert.ThrowsAnyAsync<MemoryVersionNotFoundException>(() => store.EditAsync("mv-ghost", new MemoryEdit { Author = Alice, Removals = ["a"] }));
    }

    /// <summary>An edit of the active version, once approved, supersedes it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EditAsync_ThenApprove_ReplacesTheActiveVersion()
    {
        var store = await NewStoreAsync();
        var v1 = await ActiveVersionAsync(store, Bot, null, Lesson("a"));
        var v2 = await store.EditAsync(v1.Id, new MemoryEdit { Author = Dream, Upserts = [Lesson("a") with { Helpful = 4, Seen = 5 }] });

        await store.ApproveAsync(v2.Id, Alice);

        var active = (await store.GetActiveVersionAsync(Bot))!;
        Assert.Equal(v2.Id, active.Id);
        Assert.Equal(4, active.Insights.Single().Helpful);
        Assert.Equal(0, (await store.GetVersionAsync(v1.Id))!.Insights.Single().Helpful);
    }

    /// <summary>Rolling back to an earlier version makes a new active copy of its insights whose parent is the version that
    /// was active; every earlier version is left as it was.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RollbackAsync_ToAnEarlierVersion_MakesANewActiveCopy()
    {
        var store = await NewStoreAsync();
        var v1 = await ActiveVersionAsync(store, Bot, null, FullInsight("a"), Lesson("b"));
        var v2 = await ActiveVersionAsync(store, Bot, v1.Id, FullInsight("a"), Lesson("b", text: "worse"), Lesson("c"));
        var bob = MemoryAuthor.Person("bob");

        var v3 = await store.RollbackAsync(v1.Id, bob, "v2 made refunds fail");

        Assert.Equal(3, v3.Number);
        Assert.Equal(MemoryVersionState.Active, v3.State);
        Assert.Equal(v2.Id, v3.ParentVersionId);
        Assert.Equal(v1.Id, v3.RestoredFromVersionId);
        Assert.Equal(bob, v3.Author);
        Assert.Equal(bob, v3.ReviewedBy);
        Assert.NotNull(v3.ReviewedAt);
        Assert.Equal("v2 made refunds fail", v3.Note);
        InsightsEqual(v1.Insights, v3.Insights);
        Assert.Equal(v3.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
        var old = (await store.GetVersionAsync(v2.Id))!;
        Assert.Equal(MemoryVersionState.Superseded, old.State);
        Assert.Equal(v3.Id, old.SupersededByVersionId);
        Assert.Equal(MemoryVersionState.Superseded, (await store.GetVersionAsync(v1.Id))!.State);
        await AssertUnchangedAsync(store, v1);
        await AssertUnchangedAsync(store, v2);
    }

    /// <summary>Any earlier version can be restored, even a rejected or never-approved one, and with no active version the
    /// copy has no parent.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RollbackAsync_ToRejectedOrProposedVersions_Works()
    {
        var store = await NewStoreAsync();
        var rejected = await store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("r")));
        await store.RejectAsync(rejected.Id, Alice);
        var proposed = await store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("p")));

        var first = await store.RollbackAsync(rejected.Id, Alice);
        var second = await store.RollbackAsync(proposed.Id, Alice);

        Assert.Null(first.ParentVersionId);
        Assert.Null(first.Note);
        Assert.Equal(first.Id, second.ParentVersionId);
        Assert.Equal(["p"], second.Insights.Select(insight => insight.Id));
        Assert.Equal(MemoryVersionState.Rejected, (await store.GetVersionAsync(rejected.Id))!.State);
        Assert.Equal(MemoryVersionState.Proposed, (await store.GetVersionAsync(proposed.Id))!.State);
        Assert.Equal(second.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    /// <summary>Rolling back to the active version, or to an unknown one, fails and changes nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RollbackAsync_ToTheActiveOrAnUnknownVersion_Throws()
    {
        var store = await NewStoreAsync();
        var active = await ActiveVersionAsync(store, Bot, null, Lesson("a"));

        await AssertStateErrorAsync(() => store.RollbackAsync(active.Id, Alice), active.Id, "already the active version");
        var error = await Assert.ThrowsAnyAsync<MemoryVersionNotFoundException>(() => store.RollbackAsync("mv-ghost", Alice));

        Assert.Contains("mv-ghost", error.Message, StringComparison.Ordinal);
        Assert.Single(await store.ListVersionsAsync(Bot));
    }

    /// <summary>A proposal made before a rollback no longer derives from the active version, so it cannot be approved.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RollbackAsync_MakesOlderProposalsStale()
    {
        var store = await NewStoreAsync();
        var v1 = await ActiveVersionAsync(store, Bot, null, Lesson("a"));
        var v2 = await ActiveVersionAsync(store, Bot, v1.Id, Lesson("a"), Lesson("b"));
        var pending = await store.ProposeAsync(Proposal(Bot, v2.Id, Dream, Lesson("a"), Lesson("b"), Lesson("c")));

        var restored = await store.RollbackAsync(v1.Id, Alice);

        await AssertStateErrorAsync(() => store.ApproveAsync(pending.Id, Dream), pending.Id, restored.Id);
        Assert.Equal(restored.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    /// <summary>An edit by a person that changes an insight's text makes it <see cref="InsightSource.Human"/>, whatever
    /// <see cref="Insight.Source"/> the upsert carries (as <see cref="MemoryEdit.ApplyTo"/> does), so that no dream rewords
    /// it; a person's edit of only its status or triggers, and a dream's edit, keep its source.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EditAsync_ByAPersonChangingTheText_MakesTheInsightHuman()
    {
        var store = await NewStoreAsync();
        var from = await store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("worded"), Lesson("retired"), Lesson("tagged"), FullInsight("reflected")));

        var byPerson = await store.EditAsync(from.Id, new MemoryEdit
        {
            Author = Alice,
            Upserts =
            [
                Lesson("worded", text: "the person's words"),
                Lesson("retired", status: InsightStatus.Retired),
                Lesson("tagged") with { Triggers = new InsightTriggers { Tools = ["refund_order"] } },
                FullInsight("reflected") with { Text = "the person's words too" },
            ],
        });
        var byDream = await store.EditAsync(from.Id, new MemoryEdit { Author = Dream, Upserts = [Lesson("worded", text: "a dream's words")] });

        foreach (var version in new[] { byPerson, (await store.GetVersionAsync(byPerson.Id))! })
        {
            Assert.Equal(
                [("worded", InsightSource.Human), ("retired", InsightSource.Mined), ("tagged", InsightSource.Mined), ("reflected", InsightSource.Human)],
                version.Insights.Select(insight => (insight.Id, insight.Source)));
        }

        Assert.Equal(InsightSource.Mined, (await store.GetVersionAsync(byDream.Id))!.Insights.Single(insight => insight.Id == "worded").Source);
    }

    /// <summary>A diff lists added, removed and changed insights by id, with the changed fields and their values; the text a
    /// person changed makes the insight theirs (<see cref="InsightSource.Human"/>), as <see cref="MemoryEdit.ApplyTo"/> does.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task DiffAsync_ReportsAddedRemovedAndChangedInsights()
    {
        var store = await NewStoreAsync();
        var from = await store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("same"), Lesson("changed"), FullInsight("gone")));
        var to = await store.EditAsync(from.Id, new MemoryEdit
        {
            Author = Alice,
            Upserts = [Lesson("changed", text: "new text", status: InsightStatus.Retired) with { Helpful = 2 }, FullInsight("added")],
            Removals = ["gone"],
        });

        var diff = await store.DiffAsync(from.Id, to.Id);

        Assert.Equal(from.Id, diff.FromVersionId);
        Assert.Equal(to.Id, diff.ToVersionId);
        Assert.Equal(["added"], diff.Added.Select(insight => insight.Id));
        Assert.Equal(["gone"], diff.Removed.Select(insight => insight.Id));
        var change = Assert.Single(diff.Changed);
        Assert.Equal("changed", change.InsightId);
        Assert.Equal(
            [new InsightFieldChange("Text", "lesson changed", "new text"), new InsightFieldChange("Helpful", "0", "2"), new InsightFieldChange("Status", "active", "retired"), new InsightFieldChange("Source", "mined", "human")],
            change.Fields);
        Assert.Equal(1, diff.UnchangedCount);
        Assert.False(diff.IsEmpty);

        var reverse = await store.DiffAsync(to.Id, from.Id);
        Assert.Equal(["gone"], reverse.Added.Select(insight => insight.Id));
        Assert.Equal(["added"], reverse.Removed.Select(insight => insight.Id));
    }

    /// <summary>A version compared with itself or with a rollback copy of it is empty; unknown ids fail naming them.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task DiffAsync_SameContentIsEmptyAndUnknownVersionsThrow()
    {
        var store = await NewStoreAsync();
        var v1 = await ActiveVersionAsync(store, Bot, null, FullInsight("a"), Lesson("b"));
        await ActiveVersionAsync(store, Bot, v1.Id, FullInsight("a"), Lesson("b", status: InsightStatus.Retired));
        var restored = await store.RollbackAsync(v1.Id, Alice);

        Assert.True((await store.DiffAsync(v1.Id, v1.Id)).IsEmpty);
        var diff = await store.DiffAsync(v1.Id, restored.Id);
        Assert.True(diff.IsEmpty);
        Assert.Equal(2, diff.UnchangedCount);
        var error = await Assert.ThrowsAnyAsync<MemoryVersionNotFoundException>(() => store.DiffAsync(v1.Id, "mv-ghost"));
        Assert.Contains("mv-ghost", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<MemoryVersionNotFoundException>(() => store.DiffAsync("mv-ghost", v1.Id));
    }

    /// <summary>After proposals, approvals, rejections, edits and rollbacks, every version is still there with what it held.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task History_IsNeverLost()
    {
        var store = await NewStoreAsync();
        var created = new List<MemoryVersion>();
        var v1 = await store.ProposeAsync(Proposal(Bot, null, Dream, FullInsight("a")));
        created.Add(v1);
        await store.ApproveAsync(v1.Id, Alice);
        var v2 = await store.EditAsync(v1.Id, new MemoryEdit { Author = Alice, Upserts = [Lesson("b")], Removals = ["a"] });
        created.Add(v2);
        await store.RejectAsync(v2.Id, Alice);
        var v3 = await store.EditAsync(v2.Id, new MemoryEdit { Author = Alice, Upserts = [Lesson("c")] });
        created.Add(v3);
        await store.ApproveAsync(v3.Id, Alice);
        created.Add(await store.RollbackAsync(v1.Id, Alice));
        created.Add(await store.RollbackAsync(v2.Id, Alice));

        foreach (var version in created)
        {
            await AssertUnchangedAsync(store, version);
        }

        var listed = await store.ListVersionsAsync(Bot);
        Assert.Equal([5, 4, 3, 2, 1], listed.Select(version => version.Number));
        Assert.Equal(
            [MemoryVersionState.Active, MemoryVersionState.Superseded, MemoryVersionState.Superseded, MemoryVersionState.Rejected, MemoryVersionState.Superseded],
            listed.Select(version => version.State));
    }
}
