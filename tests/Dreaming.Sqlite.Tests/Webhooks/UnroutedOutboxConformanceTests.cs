using System.Text.Json.Nodes;
using Dreaming.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests.Webhooks;

/// <summary>What the SQLite and PostgreSQL outboxes' <c>EnqueueUnroutedAsync</c> (the write of <c>dreaming sessions
/// abandon</c> and of the tool's other changes, for an app's dispatcher to route) must both do: an event id taken once,
/// whichever write took it; an unrouted event routed to every endpoint that subscribes to its type when it is routed,
/// with its body as written, however large; nothing written when cancelled. The SQLite tests hold this file and the
/// PostgreSQL tests link it (the method is on each store, not on <see cref="IWebhookOutboxStore"/>, so it is not in the
/// public <see cref="WebhookOutboxStoreConformanceTests"/>).</summary>
public abstract class UnroutedOutboxConformanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 6, 0, 0, TimeSpan.Zero);

    private readonly List<IWebhookOutboxStore> _stores = [];

    /// <summary>Gets the clock the stores stamp their rows with.</summary>
    protected FakeTimeProvider Time { get; } = new(Now);

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            switch (store)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    [Fact]
    public async Task An_event_id_is_taken_once_whichever_write_took_it()
    {
        var store = await NewStoreAsync();
        var unrouted = Event("orchestration.failed", 1);
        var routed = Event("dream.completed", 2);
        await EnqueueUnroutedAsync(store, unrouted, CancellationToken.None);
        await store.EnqueueAsync(routed, ["ci"]);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => EnqueueUnroutedAsync(store, unrouted, CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => EnqueueUnroutedAsync(store, Event("other.type", 3) with { Id = unrouted.Id }, CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => EnqueueUnroutedAsync(store, Event("other.type", 4) with { Id = routed.Id }, CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueAsync(Event("other.type", 5) with { Id = unrouted.Id }, ["chat"]));

        var waiting = Assert.Single(await ListUnroutedAsync(store));
        Assert.Equal((unrouted.Id, "orchestration.failed", Now.ToUnixTimeMilliseconds()), (waiting.EventId, waiting.EventType, waiting.CreatedAt.ToUnixTimeMilliseconds()));
        Assert.Equal(routed.Id, Assert.Single(await store.ListAsync()).EventId);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_naming_the_event_and_write_nothing()
    {
        var store = await NewStoreAsync();

        var badId = await Assert.ThrowsAnyAsync<ArgumentException>(() => EnqueueUnroutedAsync(store, Event("a.b", 1) with { Id = "msg_with space" }, CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => EnqueueUnroutedAsync(store, null!, CancellationToken.None));

        Assert.Equal("webhookEvent", badId.ParamName);
        Assert.Contains("U+0020 at index 8", badId.Message, StringComparison.Ordinal);
        Assert.Empty(await ListUnroutedAsync(store));
    }

    [Fact]
    public async Task An_unrouted_event_goes_to_every_endpoint_subscribed_to_its_type_when_it_is_routed()
    {
        var store = await NewStoreAsync();
        var failed = Event("orchestration.failed", 1);
        var unwanted = Event("memory.version_proposed", 2);
        await EnqueueUnroutedAsync(store, failed, CancellationToken.None);
        await EnqueueUnroutedAsync(store, unwanted, CancellationToken.None);

        // The endpoints are those of the app routing it, at that time: none had them when the events were written.
        Time.Advance(TimeSpan.FromMinutes(5));
        var routedAt = Time.GetUtcNow();
        var (routed, dropped) = await store.RouteUnroutedAsync(type => type == "orchestration.failed" ? ["ci", "chat"] : [], routedAt, 10);

        Assert.Equal((1, 1), (routed, dropped));
        Assert.Empty(await ListUnroutedAsync(store));
        var deliveries = await store.ClaimDueAsync(routedAt, TimeSpan.FromSeconds(30), 10);
        Assert.Equal(["chat", "ci"], deliveries.Select(d => d.EndpointId).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal((failed.Id, "orchestration.failed", failed.ToBody()), (d.EventId, d.EventType, d.Body)));
        Assert.Equal((0, 0), await store.RouteUnroutedAsync(_ => ["ci"], routedAt, 10));

        // An event dropped as no endpoint wanted it keeps its id: it is not written a second time.
        await Assert.ThrowsAnyAsync<ArgumentException>(() => EnqueueUnroutedAsync(store, unwanted, CancellationToken.None));
    }

    [Fact]
    public async Task A_large_body_is_stored_and_routed_whole_as_written()
    {
        var store = await NewStoreAsync();
        var text = string.Concat(Enumerable.Repeat("é—🙂 line\n", 60_000));
        var large = WebhookEvent.Create("orchestration.failed", Now, new JsonObject { ["reason"] = text, ["i"] = 1 });
        Assert.True(large.ToBody().Length > new WebhookOptions().MaxPayloadBytes);

        await EnqueueUnroutedAsync(store, large, CancellationToken.None);
        await store.RouteUnroutedAsync(_ => ["ci"], Now, 10);

        var delivery = Assert.Single(await store.ClaimDueAsync(Now, TimeSpan.FromSeconds(30), 10));
        Assert.Equal(large.ToBody(), delivery.Body);
    }

    [Fact]
    public async Task A_cancelled_write_writes_nothing_and_leaves_the_id_free()
    {
        var store = await NewStoreAsync();
        var webhookEvent = Event("orchestration.failed", 1);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => EnqueueUnroutedAsync(store, webhookEvent, cancellation.Token));

        Assert.Empty(await ListUnroutedAsync(store));
        await EnqueueUnroutedAsync(store, webhookEvent, CancellationToken.None);
        Assert.Equal(webhookEvent.Id, Assert.Single(await ListUnroutedAsync(store)).EventId);
    }

    /// <summary>Creates a fresh, empty store on <see cref="Time"/>.</summary>
    protected abstract Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider);

    /// <summary>The store's <c>EnqueueUnroutedAsync</c>.</summary>
    protected abstract Task EnqueueUnroutedAsync(IWebhookOutboxStore store, WebhookEvent webhookEvent, CancellationToken cancellationToken);

    /// <summary>The store's <c>ListUnroutedAsync</c>.</summary>
    protected abstract Task<IReadOnlyList<(string EventId, string EventType, DateTimeOffset CreatedAt)>> ListUnroutedAsync(IWebhookOutboxStore store);

    private static WebhookEvent Event(string type, int i) => WebhookEvent.Create(type, Now, new JsonObject { ["i"] = i });

    private async Task<IWebhookOutboxStore> NewStoreAsync()
    {
        var store = await CreateStoreAsync(Time);
        _stores.Add(store);
        await store.InitializeAsync();
        return store;
    }
}
