using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>An unrouted write (what <c>dreaming sessions abandon</c> and the tool's other changes write for the app's
/// dispatcher) after the database server went away and came back, as the outbox's other writes are tested in
/// <see cref="PostgresWebhookOutageTests"/>.</summary>
public sealed class PostgresWebhookUnroutedOutageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 6, 0, 0, TimeSpan.Zero);

    private readonly string _schema = PostgresTestServer.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => PostgresTestServer.DropSchemaAsync(_schema);

    /// <summary>The first unrouted write after the server came back met a pooled connection the server had closed and failed
    /// with a TraceStoreException, where EnqueueAsync runs again on a new connection.</summary>
    [Fact]
    public async Task The_first_unrouted_write_after_the_server_came_back_works_and_is_written_once()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var store = new PostgresWebhookOutboxStore(proxy.Options(_schema), new FakeTimeProvider(Now));
        await store.InitializeAsync();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => store.EnqueueUnroutedAsync(Event(i)))));

        proxy.Down();
        await proxy.UpAsync();

        var written = Event(4);
        await store.EnqueueUnroutedAsync(written);

        var waiting = await store.ListUnroutedAsync();
        Assert.Equal(5, waiting.Count);
        Assert.Single(waiting, u => u.EventId == written.Id);
        Assert.Equal((5, 0), await store.RouteUnroutedAsync(_ => ["ci"], Now, 10));
        Assert.Equal(written.ToBody(), (await store.ListAsync()).Single(d => d.EventId == written.Id).Body);
    }

    /// <summary>Run again after a broken connection, the write must not take an event of the same id that another call wrote
    /// before for its own first run's: the repeated id is refused as it would have been the first time.</summary>
    [Fact]
    public async Task A_repeated_event_id_is_refused_even_by_the_first_unrouted_write_after_the_server_came_back()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var store = new PostgresWebhookOutboxStore(proxy.Options(_schema), new FakeTimeProvider(Now));
        await store.InitializeAsync();
        var first = Event(0);
        await store.EnqueueUnroutedAsync(first);

        proxy.Down();
        await proxy.UpAsync();

        var again = WebhookEvent.Create("other.type", Now, new JsonObject { ["i"] = 99 }) with { Id = first.Id };
        await Assert.ThrowsAsync<ArgumentException>(() => store.EnqueueUnroutedAsync(again));
        var waiting = Assert.Single(await store.ListUnroutedAsync());
        Assert.Equal((first.Id, "a.b"), (waiting.EventId, waiting.EventType));
    }

    /// <summary>The rerun takes for its own only the event its first run wrote, at its own time: the very same event (same
    /// id, type and body) that another call wrote earlier is refused as a repeated id, as the first run would have refused
    /// it (what <c>dreaming sessions abandon</c> counts as found written, not as written by it).</summary>
    [Fact]
    public async Task The_same_event_another_call_wrote_earlier_is_refused_even_by_the_first_unrouted_write_after_the_server_came_back()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var time = new FakeTimeProvider(Now);
        await using var store = new PostgresWebhookOutboxStore(proxy.Options(_schema), time);
        await store.InitializeAsync();
        var first = Event(0);
        await store.EnqueueUnroutedAsync(first);

        time.Advance(TimeSpan.FromSeconds(1));
        proxy.Down();
        await proxy.UpAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.EnqueueUnroutedAsync(first));
        var waiting = Assert.Single(await store.ListUnroutedAsync());
        Assert.Equal((first.Id, Now), (waiting.EventId, waiting.CreatedAt));
    }

    private static WebhookEvent Event(int i) => WebhookEvent.Create("a.b", Now, new JsonObject { ["i"] = i });
}
