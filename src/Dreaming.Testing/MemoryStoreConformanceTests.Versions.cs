using Xunit;

namespace Dreaming.Testing;

/// <content>Proposing, reading and listing versions.</content>
public abstract partial class MemoryStoreConformanceTests
{
    /// <summary>A first proposal is version 1 of its scope, proposed, without parent or review, and reads back the same.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_FirstVersion_IsProposedNumberOneWithoutParent()
    {
        var store = await NewStoreAsync();
        var before = Milliseconds(DateTimeOffset.UtcNow);

        var version = await store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("i1"), Lesson("i2")));

        Assert.False(string.IsNullOrWhiteSpace(version.Id));
        Assert.Equal(Bot, version.Scope);
        Assert.Equal(1, version.Number);
        Assert.Null(version.ParentVersionId);
        Assert.Null(version.RestoredFromVersionId);
        Assert.Equal(Dream, version.Author);
        Assert.Equal(MemoryVersionState.Proposed, version.State);
        Assert.Equal("note of dream-run:run-1", version.Note);
        Assert.InRange(version.CreatedAt, before, DateTimeOffset.UtcNow);
        Assert.Null(version.ReviewedBy);
        Assert.Null(version.ReviewedAt);
        Assert.Null(version.SupersededAt);
        InsightsEqual([Lesson("i1"), Lesson("i2")], version.Insights);
        await AssertUnchangedAsync(store, version);
        Assert.Null(await store.GetActiveVersionAsync(Bot));
    }

    /// <summary>Every insight field survives the round trip, including Unicode, quotes, new lines and offsets (kept in UTC).</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_RoundTripsEveryInsightFieldIncludingUnicode()
    {
        var store = await NewStoreAsync();
        var scope = MemoryScope.Team("équipe \"α\"/🚀");
        Insight[] insights = [FullInsight("ins-ü-1", scope), Lesson("ins-2", scope: scope), FullInsight("ins-0", scope)];

        var version = await store.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("José 李"), insights));

        var stored = await store.GetVersionAsync(version.Id);
        Assert.NotNull(stored);
        Assert.Equal(scope, stored.Scope);
        Assert.Equal(MemoryAuthor.Person("José 李"), stored.Author);
        InsightsEqual(insights, stored.Insights);
        var full = stored.Insights[0];
        Assert.Equal(insights[0].Text, full.Text);
        Assert.Equal(["refund_order", "lookup-ü"], full.Triggers.Tools);
        Assert.Equal(["refund", "remboursement", "返金"], full.Triggers.Keywords);
        Assert.Equal([new InsightEvidence("session-1", 4), new InsightEvidence("session-ä"), new InsightEvidence("session-2", 0)], full.Evidence);
        Assert.Equal(Milliseconds(insights[0].UpdatedAt), full.UpdatedAt);
        Assert.Equal(TimeSpan.Zero, full.UpdatedAt.Offset);
        Assert.Equal(TimeSpan.Zero, stored.CreatedAt.Offset);
    }

    /// <summary>An insight with only the required fields comes back with the defaults; an empty memory is a valid version.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_MinimalInsightsAndEmptyMemory_RoundTrip()
    {
        var store = await NewStoreAsync();
        var minimal = new Insight { Id = "m", Text = "t", Scope = MemoryScope.Global, Source = InsightSource.Human, CreatedAt = BaseTime, UpdatedAt = BaseTime };

        var version = await store.ProposeAsync(Proposal(MemoryScope.Global, null, Alice, minimal));
        var empty = await store.ProposeAsync(new MemoryProposal { Scope = Bot, Author = Alice, Insights = [] });

        var stored = (await store.GetVersionAsync(version.Id))!.Insights.Single();
        Assert.Equal(InsightKind.Lesson, stored.Kind);
        Assert.Equal(InsightStatus.Proposed, stored.Status);
        Assert.Empty(stored.Triggers.Tools);
        Assert.Empty(stored.Triggers.Keywords);
        Assert.Empty(stored.Evidence);
        Assert.Equal(0, stored.Helpful + stored.Harmful + stored.Seen);
        Assert.Empty((await store.GetVersionAsync(empty.Id))!.Insights);
        Assert.Null((await store.GetVersionAsync(empty.Id))!.Note);
    }

    /// <summary>Versions are numbered 1, 2, 3 within each scope, independently of other scopes.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_NumbersVersionsPerScope()
    {
        var store = await NewStoreAsync();
        var team = MemoryScope.Team("support");

        var a1 = await store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("i1")));
        var t1 = await store.ProposeAsync(Proposal(team, null, Dream, Lesson("i1", scope: team)));
        var a2 = await store.ProposeAsync(Proposal(Bot, a1.Id, Dream, Lesson("i1"), Lesson("i2")));
        var g1 = await store.ProposeAsync(Proposal(MemoryScope.Global, null, Alice));
        var a3 = await store.ProposeAsync(Proposal(Bot, a2.Id, Dream, Lesson("i1"), Lesson("i2")));

        Assert.Equal([1, 2, 3], new[] { a1, a2, a3 }.Select(version => version.Number));
        Assert.Equal(1, t1.Number);
        Assert.Equal(1, g1.Number);
        Assert.Equal(a1.Id, a2.ParentVersionId);
        Assert.Equal(5, new[] { a1.Id, a2.Id, a3.Id, t1.Id, g1.Id }.Distinct().Count());
        Assert.Equal([t1.Id], (await store.ListVersionsAsync(team)).Select(version => version.Id));
        Assert.Empty(await store.ListVersionsAsync(MemoryScope.Agent("SUPPORT-BOT")));
    }

    /// <summary>The store keeps its own copy: changing the collections given to it afterwards does not change what it holds.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_KeepsItsOwnCopy()
    {
        var store = await NewStoreAsync();
        var tools = new List<string> { "search" };
        var evidence = new List<InsightEvidence> { new("s1") };
        var insights = new List<Insight> { Lesson("i1") with { Triggers = new InsightTriggers { Tools = tools }, Evidence = evidence } };

        var version = await store.ProposeAsync(new MemoryProposal { Scope = Bot, Author = Dream, Insights = insights });
        tools.Add("delete");
        evidence.Add(new InsightEvidence("s2"));
        insights.Add(Lesson("i2"));

        var stored = (await store.GetVersionAsync(version.Id))!;
        Assert.Equal(["search"], stored.Insights.Single().Triggers.Tools);
        Assert.Equal([new InsightEvidence("s1")], stored.Insights.Single().Evidence);
        Assert.Equal(["search"], version.Insights.Single().Triggers.Tools);
    }

    /// <summary>A parent that does not exist is reported by id and nothing is written.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_UnknownParent_ThrowsNotFoundAndWritesNothing()
    {
        var store = await NewStoreAsync();

        var error = await Assert.ThrowsAnyAsync<MemoryVersionNotFoundException>(() => store.ProposeAsync(Proposal(Bot, "mv-ghost", Dream, Lesson("i1"))));

        Assert.Contains("mv-ghost", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<KeyNotFoundException>(error);
        Assert.Empty(await store.ListVersionsAsync(Bot));
    }

    /// <summary>A parent of another scope is refused.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_ParentOfAnotherScope_ThrowsArgument()
    {
        var store = await NewStoreAsync();
        var other = await store.ProposeAsync(Proposal(MemoryScope.Agent("other"), null, Dream));

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ProposeAsync(Proposal(Bot, other.Id, Alice, Lesson("i1"))));

        Assert.Contains(other.Id, error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListVersionsAsync(Bot));
    }

    /// <summary>Invalid insights are refused with a message naming the problem, and nothing is written.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_InvalidInsights_ThrowArgumentAndWriteNothing()
    {
        var store = await NewStoreAsync();
        (Insight[] Insights, string Mention)[] cases =
        [
            ([Lesson("dup"), Lesson("dup")], "more than once"),
            ([Lesson(" ")], "no id"),
            ([Lesson("i1", text: "  ")], "no text"),
            ([Lesson("i1", scope: MemoryScope.Agent("other"))], "agent:other"),
            ([Lesson("i1") with { Harmful = -1 }], "negative"),
            ([Lesson("i1") with { Kind = (InsightKind)42 }], "kind"),
            ([Lesson("i1") with { Evidence = [new InsightEvidence("")] }], "session id"),
            ([Lesson("i1") with { Triggers = new InsightTriggers { Tools = [""] } }], "trigger"),
            ([Lesson("ins-\uD800")], "unpaired surrogate"),
            ([Lesson("ins-a] b")], "holding \"] \" at index 5"),
            ([null!], "null"),
        ];

        foreach (var (insights, mention) in cases)
        {
            var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ProposeAsync(Proposal(Bot, null, Alice, insights)));
            Assert.Contains(mention, error.Message, StringComparison.Ordinal);
        }

        Assert.Empty(await store.ListVersionsAsync(Bot));
    }

    /// <summary>Text that is not Unicode (half a surrogate pair, as a careless cut leaves it) comes back as a store that keeps
    /// UTF-8 gives it: each unpaired surrogate replaced by U+FFFD, in every text of a version, from every store alike.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAndRejectAsync_UnpairedSurrogatesInText_ComeBackAsReplacementCharacters()
    {
        var store = await NewStoreAsync();
        var lesson = Lesson("ins-1", "Refund \uD83D only \uDE00 once.\uD83D") with
        {
            Triggers = new InsightTriggers { Tools = ["refund\uDC00"], Keywords = ["\uD800money"] },
            Evidence = [new InsightEvidence("session-\uDFFF", 3)],
        };
        var proposal = Proposal(Bot, null, MemoryAuthor.Person("jos\uD800"), lesson) with { Note = "cut \uD83D" };

        var proposed = await store.ProposeAsync(proposal);
        var rejected = await store.RejectAsync(proposed.Id, MemoryAuthor.Person("rev\uDBFF"), "no\uDC00");
        var stored = (await store.GetVersionAsync(proposed.Id))!;

        foreach (var version in new[] { proposed, rejected, stored })
        {
            var insight = version.Insights.Single();
            Assert.Equal("Refund \uFFFD only \uFFFD once.\uFFFD", insight.Text);
            Assert.Equal(["refund\uFFFD"], insight.Triggers.Tools);
            Assert.Equal(["\uFFFDmoney"], insight.Triggers.Keywords);
            Assert.Equal([new InsightEvidence("session-\uFFFD", 3)], insight.Evidence);
            Assert.Equal("cut \uFFFD", version.Note);
            Assert.Equal(MemoryAuthor.Person("jos\uFFFD"), version.Author);
        }

        Assert.Equal(MemoryAuthor.Person("rev\uFFFD"), stored.ReviewedBy);
        Assert.Equal("no\uFFFD", stored.ReviewNote);
        Assert.Equal(stored.ReviewNote, rejected.ReviewNote);
    }

    /// <summary>The NUL character (U+0000) is Unicode text: it comes back as given in every text of a version (a store whose
    /// text type cannot hold it escapes it), next to U+FFFD and U+FFFF, and a scope whose id holds one is a scope of its own,
    /// not the scope whose id has U+FFFD there.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAndRejectAsync_NulCharactersInText_ComeBackAsGiven()
    {
        var store = await NewStoreAsync();
        var nul = MemoryScope.Agent("b\0t");
        var replaced = MemoryScope.Agent("b\uFFFDt");
        var lesson = Lesson("ins-1", "Refund\0 once \uFFFD\uFFFF\0\uFFFF0 end\0", nul) with
        {
            Triggers = new InsightTriggers { Tools = ["refund\0"], Keywords = ["\0money"] },
            Evidence = [new InsightEvidence("session-\0", 3)],
        };
        var proposal = Proposal(nul, null, MemoryAuthor.Person("jo\0s"), lesson) with { Note = "cut \0" };

        var proposed = await store.ProposeAsync(proposal);
        var other = await ActiveVersionAsync(store, replaced, null, Lesson("other", scope: replaced));
        var rejected = await store.RejectAsync(proposed.Id, MemoryAuthor.Person("rev\0"), "no\0");
        var stored = (await store.GetVersionAsync(proposed.Id))!;

        foreach (var version in new[] { proposed, rejected, stored })
        {
            Assert.Equal(nul, version.Scope);
            var insight = version.Insights.Single();
            Assert.Equal("Refund\0 once \uFFFD\uFFFF\0\uFFFF0 end\0", insight.Text);
            Assert.Equal(nul, insight.Scope);
            Assert.Equal(["refund\0"], insight.Triggers.Tools);
            Assert.Equal(["\0money"], insight.Triggers.Keywords);
            Assert.Equal([new InsightEvidence("session-\0", 3)], insight.Evidence);
            Assert.Equal("cut \0", version.Note);
            Assert.Equal(MemoryAuthor.Person("jo\0s"), version.Author);
        }

        Assert.Equal(MemoryAuthor.Person("rev\0"), stored.ReviewedBy);
        Assert.Equal("no\0", stored.ReviewNote);
        Assert.Equal([proposed.Id], (await store.ListVersionsAsync(nul)).Select(version => version.Id));
        Assert.Equal([other.Id], (await store.ListVersionsAsync(replaced)).Select(version => version.Id));
        Assert.Null(await store.GetActiveVersionAsync(nul));
        Assert.Equal(1, other.Number);
    }

    /// <summary>A dream run may retire an insight of the parent but never drop it; a person may.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_DreamRunDroppingParentInsights_ThrowsNamingThem()
    {
        var store = await NewStoreAsync();
        var parent = await ActiveVersionAsync(store, Bot, null, Lesson("keep"), Lesson("drop-me"));

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ProposeAsync(Proposal(Bot, parent.Id, Dream, Lesson("keep"), Lesson("new"))));
        var retired = await store.ProposeAsync(Proposal(Bot, parent.Id, Dream, Lesson("keep"), Lesson("drop-me", status: InsightStatus.Retired), Lesson("new")));
        var trimmed = await store.ProposeAsync(Proposal(Bot, parent.Id, Alice, Lesson("keep")));

        Assert.Contains("drop-me", error.Message, StringComparison.Ordinal);
        Assert.Contains("run-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, retired.Insights.Count);
        Assert.Single(trimmed.Insights);
        Assert.Equal([3, 2, 1], (await store.ListVersionsAsync(Bot)).Select(version => version.Number));
    }

    /// <summary>Proposals made at the same time in one scope get distinct, consecutive numbers.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ProposeAsync_Concurrent_GetDistinctConsecutiveNumbers()
    {
        var store = await NewStoreAsync();
        await store.InitializeAsync();

        var versions = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("i" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))))));

        Assert.Equal(Enumerable.Range(1, 20), versions.Select(version => version.Number).Order());
        Assert.Equal(20, versions.Select(version => version.Id).Distinct().Count());
    }

    /// <summary>Versions are listed newest first, without insights, a page at a time.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ListVersionsAsync_ListsNewestFirstAndPagesWithBeforeNumber()
    {
        var store = await NewStoreAsync();
        var ids = new List<string>();
        for (var i = 1; i <= 5; i++)
        {
            ids.Add((await store.ProposeAsync(Proposal(Bot, null, Dream, [.. Enumerable.Range(0, i).Select(n => Lesson("i" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)))]))).Id);
        }

        var first = await store.ListVersionsAsync(Bot, limit: 2);
        var second = await store.ListVersionsAsync(Bot, limit: 2, beforeNumber: first[^1].Number);
        var third = await store.ListVersionsAsync(Bot, limit: 2, beforeNumber: second[^1].Number);

        Assert.Equal([5, 4], first.Select(version => version.Number));
        Assert.Equal([3, 2], second.Select(version => version.Number));
        Assert.Equal([1], third.Select(version => version.Number));
        Assert.Empty(await store.ListVersionsAsync(Bot, beforeNumber: 1));
        Assert.Equal([ids[4], ids[3]], first.Select(version => version.Id));
        Assert.Equal([5, 4], first.Select(version => version.InsightCount));
        Assert.Equal(5, (await store.ListVersionsAsync(Bot, limit: MemoryStoreRules.MaxListLimit)).Count);
        Assert.All(first, version => Assert.Equal(Dream, version.Author));
    }

    /// <summary>A limit outside 1 to <see cref="MemoryStoreRules.MaxListLimit"/> is refused.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ListVersionsAsync_LimitOutOfRange_Throws()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.ListVersionsAsync(Bot, limit: 0));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.ListVersionsAsync(Bot, limit: MemoryStoreRules.MaxListLimit + 1));
    }
}
