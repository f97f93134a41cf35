using Xunit;

namespace Dreaming.Testing;

/// <summary>The behaviour every <see cref="IMemoryStore"/> must show. Derive from it and implement <see cref="CreateStoreAsync"/>
/// to run the whole suite against a store.</summary>
/// <remarks>
/// <para>Each test asks for its own fresh, empty store. Stores that implement <see cref="IAsyncDisposable"/> or
/// <see cref="IDisposable"/> are disposed after the test; override <see cref="StoreConformanceTests{TStore}.DisposeAsync"/> to clean up more, and call the
/// base implementation first.</para>
/// <para>Timestamps are compared at millisecond precision and offsets are ignored, so a store may keep UTC milliseconds only.</para>
/// </remarks>
public abstract partial class MemoryStoreConformanceTests : StoreConformanceTests<IMemoryStore>
{
    /// <summary>The base time of all test data. It carries sub-millisecond ticks on purpose: stores may drop them.</summary>
    private static readonly DateTimeOffset BaseTime = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero).AddTicks(5_897_931);

    private static readonly MemoryScope Bot = MemoryScope.Agent("support-bot");
    private static readonly MemoryAuthor Dream = MemoryAuthor.DreamRun("run-1");
    private static readonly MemoryAuthor Alice = MemoryAuthor.Person("alice@example.com");

    /// <summary>Creates a fresh, empty store for one test.</summary>
    /// <returns>The store. It is disposed after the test when it is disposable.</returns>
    protected abstract Task<IMemoryStore> CreateStoreAsync();

    /// <summary>Initialising twice, or from several threads at once, leaves a working store.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task InitializeAsync_IsIdempotent()
    {
        var store = await NewStoreAsync();

        await store.InitializeAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.InitializeAsync())));
        var version = await store.ProposeAsync(Proposal(Bot, null, Dream, Lesson("i1")));
        await store.InitializeAsync();

        Assert.NotNull(await store.GetVersionAsync(version.Id));
    }

    /// <summary>Reads work without an explicit <see cref="IMemoryStore.InitializeAsync"/> call and find nothing in a new store.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_WorkWithoutExplicitInitialization()
    {
        var store = await NewStoreAsync();

        Assert.Null(await store.GetVersionAsync("mv-nobody"));
        Assert.Null(await store.GetActiveVersionAsync(Bot));
        Assert.Empty(await store.ListVersionsAsync(Bot));
    }

    /// <summary>Null arguments are rejected.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_RejectNullArguments()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.ProposeAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.GetVersionAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.GetActiveVersionAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.ListVersionsAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.ApproveAsync("v", null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.RejectAsync(null!, Alice));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.EditAsync("v", null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.RollbackAsync("v", null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.DiffAsync("v", null!));
    }

    /// <summary>A cancelled token cancels every member with an <see cref="OperationCanceledException"/>, and nothing is written.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_HonourCancellation()
    {
        var store = await NewStoreAsync();
        var active = await ActiveVersionAsync(store, Bot, null, Lesson("i1"));
        var version = await store.ProposeAsync(Proposal(Bot, active.Id, Dream, Lesson("i1"), Lesson("i2")));
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var token = cancellation.Token;

        await StoreAssert.CanceledAsync(nameof(IMemoryStore.InitializeAsync), () => store.InitializeAsync(token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.ProposeAsync), () => store.ProposeAsync(Proposal(Bot, active.Id, Dream, Lesson("i1"), Lesson("i3")), token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.ApproveAsync), () => store.ApproveAsync(version.Id, Alice, token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.RejectAsync), () => store.RejectAsync(version.Id, Alice, "no", token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.EditAsync), () => store.EditAsync(version.Id, new MemoryEdit { Author = Alice, Upserts = [Lesson("i4")] }, token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.RollbackAsync), () => store.RollbackAsync(version.Id, Alice, "back", token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.GetVersionAsync), () => store.GetVersionAsync(version.Id, token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.GetActiveVersionAsync), () => store.GetActiveVersionAsync(Bot, token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.ListVersionsAsync), () => store.ListVersionsAsync(Bot, cancellationToken: token));
        await StoreAssert.CanceledAsync(nameof(IMemoryStore.DiffAsync), () => store.DiffAsync(active.Id, version.Id, token));

        Assert.Equal(2, (await store.ListVersionsAsync(Bot)).Count);
        Assert.Equal(MemoryVersionState.Proposed, (await store.GetVersionAsync(version.Id))!.State);
        Assert.Equal(active.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    /// <summary>Creates a store for the running test and remembers it for disposal.</summary>
    private Task<IMemoryStore> NewStoreAsync() => TrackAsync(CreateStoreAsync());

    private static Insight Lesson(string id, string? text = null, MemoryScope? scope = null, InsightStatus status = InsightStatus.Active) => new()
    {
        Id = id,
        Text = text ?? "lesson " + id,
        Scope = scope ?? Bot,
        Status = status,
        Source = InsightSource.Mined,
        CreatedAt = BaseTime,
        UpdatedAt = BaseTime,
    };

    /// <summary>An insight with every field set, including text that needs escaping in most formats.</summary>
    private static Insight FullInsight(string id, MemoryScope? scope = null) => new()
    {
        Id = id,
        Kind = InsightKind.Pitfall,
        Text = "Café ☕ «quoted» \"double\" 'single' \\ back\nnew line\ttab — 日本語 עברית 🚀 e\u0301 zero\u200Bwidth",
        Scope = scope ?? Bot,
        Triggers = new InsightTriggers { Tools = ["refund_order", "lookup-ü"], Keywords = ["refund", "remboursement", "返金"] },
        Evidence = [new InsightEvidence("session-1", 4), new InsightEvidence("session-ä"), new InsightEvidence("session-2", 0)],
        Helpful = 3,
        Harmful = 1,
        Seen = 12,
        Status = InsightStatus.Quarantined,
        Source = InsightSource.Reflected,
        CreatedAt = BaseTime,
        UpdatedAt = new DateTimeOffset(2025, 3, 15, 11, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234),
    };

    private static MemoryProposal Proposal(MemoryScope scope, string? parentVersionId, MemoryAuthor author, params Insight[] insights) => new()
    {
        Scope = scope,
        ParentVersionId = parentVersionId,
        Author = author,
        Insights = insights,
        Note = "note of " + author,
    };

    private static async Task<MemoryVersion> ActiveVersionAsync(IMemoryStore store, MemoryScope scope, string? parentVersionId, params Insight[] insights)
    {
        var proposed = await store.ProposeAsync(Proposal(scope, parentVersionId, Dream, insights));
        return await store.ApproveAsync(proposed.Id, Alice);
    }

    private static DateTimeOffset Milliseconds(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    /// <summary>Compares insights field by field at the precision stores keep, in order.</summary>
    private static void InsightsEqual(IEnumerable<Insight> expected, IEnumerable<Insight> actual)
    {
        var expectedList = expected.ToList();
        var actualList = actual.ToList();
        Assert.Equal(expectedList.Select(insight => insight.Id), actualList.Select(insight => insight.Id));
        for (var i = 0; i < expectedList.Count; i++)
        {
            Assert.Empty(MemoryDiff.CompareInsights(expectedList[i], actualList[i]));
        }
    }

    /// <summary>Checks that a version read back still holds exactly what it was created with.</summary>
    private static async Task AssertUnchangedAsync(IMemoryStore store, MemoryVersion original)
    {
        var stored = await store.GetVersionAsync(original.Id);
        Assert.NotNull(stored);
        Assert.Equal(original.Scope, stored.Scope);
        Assert.Equal(original.Number, stored.Number);
        Assert.Equal(original.ParentVersionId, stored.ParentVersionId);
        Assert.Equal(original.Author, stored.Author);
        Assert.Equal(original.Note, stored.Note);
        Assert.Equal(original.CreatedAt, stored.CreatedAt);
        InsightsEqual(original.Insights, stored.Insights);
    }

    private static async Task<MemoryStateException> AssertStateErrorAsync(Func<Task> action, params string[] mentions)
    {
        var error = await Assert.ThrowsAnyAsync<MemoryStateException>(action);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, error.Message, StringComparison.Ordinal);
        }

        return error;
    }
}
