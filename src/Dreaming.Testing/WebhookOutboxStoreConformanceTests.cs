using System.Text.Json.Nodes;
using Xunit;

namespace Dreaming.Testing;

/// <summary>The behaviour every <see cref="IWebhookOutboxStore"/> must show. Derive from it and implement
/// <see cref="CreateStoreAsync"/> to run the whole suite against a store.</summary>
/// <remarks>Each test asks for its own fresh, empty store on a clock the test moves by hand. Timestamps are compared at
/// millisecond precision. This file holds the writing and claiming of deliveries; the other part of the class, what
/// becomes of them (attempts, dead letters, lists, endpoint state, cancellation).</remarks>
public abstract partial class WebhookOutboxStoreConformanceTests : StoreConformanceTests<IWebhookOutboxStore>
{
    private static readonly DateTimeOffset BaseTime = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero).AddTicks(5_897_931);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private Clock Time { get; } = new(BaseTime);

    /// <summary>Creates a fresh, empty store for one test.</summary>
    /// <param name="timeProvider">The clock the store must stamp new rows with.</param>
    /// <returns>The store. It is disposed after the test when it is disposable.</returns>
    protected abstract Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider);

    /// <summary>An event becomes one pending delivery per endpoint, due now, carrying the exact body and the event id.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EnqueueAsync_WritesOnePendingDeliveryPerEndpoint()
    {
        var store = await NewStoreAsync();
        var webhookEvent = Event("session.completed");

        var created = await store.EnqueueAsync(webhookEvent, ["ci", "chat"]);

        Assert.Equal(2, created.Count);
        foreach (var id in created.Select(d => d.Id))
        {
            var stored = await store.GetAsync(id);
            Assert.NotNull(stored);
            Assert.Equal(webhookEvent.Id, stored.EventId);
            Assert.Equal("session.completed", stored.EventType);
            Assert.Equal(webhookEvent.ToBody(), stored.Body);
            Assert.Equal(WebhookDeliveryState.Pending, stored.State);
            Assert.Equal(0, stored.Attempts);
            Assert.Equal(Ms(BaseTime), Ms(stored.NextAttemptAt));
            Assert.Equal(Ms(BaseTime), Ms(stored.CreatedAt));
        }

        Assert.Equal(["chat", "ci"], created.Select(d => d.EndpointId).Order(StringComparer.Ordinal));
    }

    /// <summary>No endpoint, no row; an event id already in the outbox is refused.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EnqueueAsync_WritesNothingWithoutEndpointsAndRefusesARepeatedEvent()
    {
        var store = await NewStoreAsync();
        var webhookEvent = Event("dream.completed");

        Assert.Empty(await store.EnqueueAsync(webhookEvent, []));
        Assert.Empty(await store.ListAsync());
        await store.EnqueueAsync(webhookEvent, ["ci"]);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueAsync(webhookEvent, ["chat"]));
        Assert.Single(await store.ListAsync());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueAsync(null!, ["ci"]));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueAsync(Event("x.y"), [""]));
    }

    /// <summary>A claim takes due deliveries, oldest due first, and hides them for the lease; when the lease ends (the
    /// dispatcher died) they are due again.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ClaimDueAsync_LeasesDueDeliveriesUntilTheLeaseEnds()
    {
        var store = await NewStoreAsync();
        var first = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];

        var claimed = await store.ClaimDueAsync(Time.GetUtcNow(), Lease, 10);

        Assert.Equal([first.Id, second.Id], claimed.Select(d => d.Id));
        Assert.Empty(await store.ClaimDueAsync(Time.GetUtcNow(), Lease, 10));
        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(2, (await store.ClaimDueAsync(Time.GetUtcNow(), Lease, 10)).Count);
        Assert.Equal(WebhookDeliveryState.Pending, (await store.GetAsync(first.Id))!.State);
    }

    /// <summary>A claim takes at most the limit, and nothing that is not yet due.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ClaimDueAsync_HonoursTheLimitAndTheDueTime()
    {
        var store = await NewStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.EnqueueAsync(Event("a.b"), ["ci"]);
        }

        Assert.Equal(3, (await store.ClaimDueAsync(Time.GetUtcNow(), Lease, 3)).Count);
        Assert.Equal(2, (await store.ClaimDueAsync(Time.GetUtcNow(), Lease, 3)).Count);
        Assert.Empty(await store.ClaimDueAsync(Time.GetUtcNow() - TimeSpan.FromMinutes(1), Lease, 3));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.ClaimDueAsync(Time.GetUtcNow(), TimeSpan.Zero, 3));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.ClaimDueAsync(Time.GetUtcNow(), Lease, 0));
    }

    /// <summary>A claim with a lease longer than <see cref="WebhookOutboxRules.MaxClaimLease"/> is refused naming the lease,
    /// before anything is claimed: the lease is added to the time of the claim, and <see cref="TimeSpan.MaxValue"/> ("until
    /// released") went past the last date there is.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ClaimDueAsync_RefusesALeaseTooLongToAddToItsTimeAndClaimsNothing()
    {
        var store = await NewStoreAsync();
        var delivery = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ClaimDueAsync(Time.GetUtcNow(), TimeSpan.MaxValue, 3));
        Assert.Equal("lease", error.ParamName);
        error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ClaimDueExceptAsync(Time.GetUtcNow(), TimeSpan.MaxValue, 3, ["other"]));
        Assert.Equal("lease", error.ParamName);
        error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ClaimDueAsync(Time.GetUtcNow(), WebhookOutboxRules.MaxClaimLease + TimeSpan.FromTicks(1), 3));
        Assert.Equal("lease", error.ParamName);

        Assert.Equal([delivery.Id], (await store.ClaimDueAsync(Time.GetUtcNow(), WebhookOutboxRules.MaxClaimLease, 3)).Select(d => d.Id));
    }

    /// <summary>A claim that skips endpoints takes only other endpoints' due deliveries, oldest due first, up to the limit,
    /// and leaves the skipped endpoints' deliveries due for a later claim.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ClaimDueExceptAsync_LeavesTheSkippedEndpointsDeliveriesDue()
    {
        var store = await NewStoreAsync();
        var events = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var webhookEvent = Event("a.b");
            events.Add(webhookEvent.Id);
            await store.EnqueueAsync(webhookEvent, ["slow", "ci", "chat"]);
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var first = await store.ClaimDueExceptAsync(Time.GetUtcNow(), Lease, 4, ["slow"]);
        var second = await store.ClaimDueExceptAsync(Time.GetUtcNow(), Lease, 10, ["slow", "chat"]);
        var rest = await store.ClaimDueExceptAsync(Time.GetUtcNow(), Lease, 10, []);

        Assert.Equal(
            new[] { $"{events[0]}:chat", $"{events[0]}:ci", $"{events[1]}:chat", $"{events[1]}:ci" }.Order(StringComparer.Ordinal),
            first.Select(d => d.EventId + ":" + d.EndpointId).Order(StringComparer.Ordinal));
        Assert.Equal($"{events[2]}:ci", Assert.Single(second).EventId + ":" + second[0].EndpointId);
        Assert.Equal(3, rest.Count(d => d.EndpointId == "slow"));
        Assert.Equal($"{events[2]}:chat", Assert.Single(rest, d => d.EndpointId != "slow").EventId + ":chat");
        Assert.Empty(await store.ClaimDueExceptAsync(Time.GetUtcNow(), Lease, 10, []));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ClaimDueExceptAsync(Time.GetUtcNow(), Lease, 10, null!));
    }

    /// <summary>A claim that skips endpoints takes them as values, not text of a query: ids with quotes, commas or
    /// brackets, and more of them than SQLite allows parameters in one statement (32766 by default), skip exactly the
    /// endpoints named.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ClaimDueExceptAsync_SkipsOddAndManyEndpointIdsExactly()
    {
        var store = await NewStoreAsync();
        string[] odd = ["o'brien", "a,b", "x') OR 1=1 --", "$skip0", "\"quoted\"", "back\\slash", "café", "ε-\U0001F600", "tab\tnew\nline"];
        await store.EnqueueAsync(Event("a.b"), [.. odd, "plain"]);
        var many = Enumerable.Range(0, 40_000).Select(i => "ep-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var claimed = await store.ClaimDueExceptAsync(Time.GetUtcNow(), Lease, 10, [.. many, .. odd]);
        var rest = await store.ClaimDueExceptAsync(Time.GetUtcNow(), Lease, 10, ["a"]);

        Assert.Equal("plain", Assert.Single(claimed).EndpointId);
        Assert.Equal(odd.Order(StringComparer.Ordinal), rest.Select(d => d.EndpointId).Order(StringComparer.Ordinal));
    }

    /// <summary>Claims from many threads at once never hand one delivery to two claimers.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ClaimDueAsync_NeverHandsOneDeliveryToTwoClaimers()
    {
        var store = await NewStoreAsync();
        for (var i = 0; i < 40; i++)
        {
            await store.EnqueueAsync(Event("a.b"), ["ci", "chat"]);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.ClaimDueAsync(Time.GetUtcNow(), Lease, 7))));
        var again = await store.ClaimDueAsync(Time.GetUtcNow(), Lease, 1000);
        var all = claims.SelectMany(c => c).Concat(again).Select(d => d.Id).ToList();

        Assert.Equal(80, all.Count);
        Assert.Equal(80, all.Distinct(StringComparer.Ordinal).Count());
    }

    private static long Ms(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    private WebhookEvent Event(string type) => WebhookEvent.Create(type, Time.GetUtcNow(), new JsonObject { ["session_id"] = "ses_1", ["note"] = "café ☕" });

    private Task<IWebhookOutboxStore> NewStoreAsync() => TrackAsync(CreateStoreAsync(Time));

    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
