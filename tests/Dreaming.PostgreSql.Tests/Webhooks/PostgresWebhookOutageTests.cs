using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The database server going away and coming back under an outbox store whose pool holds idle connections.</summary>
public sealed class PostgresWebhookOutageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

    private readonly string _schema = PostgresTestServer.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => PostgresTestServer.DropSchemaAsync(_schema);

    /// <summary>Npgsql finds a pooled connection the server closed only when it reads from it; the first call after the
    /// server came back then failed with a TraceStoreException, however healthy the server was by then.</summary>
    [Theory]
    [InlineData("claim")]
    [InlineData("enqueue")]
    [InlineData("read")]
    [InlineData("route")]
    public async Task The_first_call_after_the_server_came_back_works(string call)
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var store = new PostgresWebhookOutboxStore(proxy.Options(_schema), new FakeTimeProvider(Now));
        await store.InitializeAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.EnqueueAsync(Event(i), ["ci"]))));

        proxy.Down();
        await proxy.UpAsync();

        var written = Event(8);
        switch (call)
        {
            case "claim":
                Assert.Equal(8, (await store.ClaimDueAsync(Now, TimeSpan.FromSeconds(30), 10)).Count);
                break;
            case "enqueue":
                Assert.Equal(["ci", "chat"], (await store.EnqueueAsync(written, ["ci", "chat"])).Select(d => d.EndpointId));
                Assert.Equal(2, (await store.ListAsync()).Count(d => d.EventId == written.Id));
                break;
            case "read":
                Assert.Equal(8, (await store.ListAsync()).Count);
                break;
            default:
                Assert.Equal((0, 0), await store.RouteUnroutedAsync(_ => ["ci"], Now, 10));
                break;
        }
    }

    /// <summary>The enqueue run again after a broken connection took the rows it found for the event id as its own first
    /// run's: an event id already in the outbox (another call's, written before the outage) came back as a success with
    /// the other call's deliveries, instead of the ArgumentException a repeated id gets.</summary>
    [Fact]
    public async Task A_repeated_event_id_is_refused_even_by_the_first_call_after_the_server_came_back()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var store = new PostgresWebhookOutboxStore(proxy.Options(_schema), new FakeTimeProvider(Now));
        await store.InitializeAsync();
        var first = Event(0);
        var before = await store.EnqueueAsync(first, ["ci"]);

        proxy.Down();
        await proxy.UpAsync();

        var again = WebhookEvent.Create("other.type", Now, new JsonObject { ["i"] = 99 }) with { Id = first.Id };
        await Assert.ThrowsAsync<ArgumentException>(() => store.EnqueueAsync(again, ["chat"]));
        var stored = Assert.Single(await store.ListAsync());
        Assert.Equal(before[0].Id, stored.Id);
        Assert.Equal("a.b", stored.EventType);
    }

    /// <summary>Recording an attempt is never run a second time (a first run that committed before the connection broke
    /// would count the attempt twice): the first call after the server came back fails, and records nothing.</summary>
    [Fact]
    public async Task Recording_an_attempt_is_not_run_again_after_the_server_came_back()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var store = new PostgresWebhookOutboxStore(proxy.Options(_schema), new FakeTimeProvider(Now));
        await store.InitializeAsync();
        var delivery = (await store.EnqueueAsync(Event(0), ["ci"]))[0];

        proxy.Down();
        await proxy.UpAsync();

        var failed = new WebhookAttemptResult { DeliveryId = delivery.Id, AttemptedAt = Now, StatusCode = 500, Error = "500", NextAttemptAt = null };
        await Assert.ThrowsAsync<TraceStoreException>(() => store.RecordAttemptAsync(failed));
        var stored = await store.GetAsync(delivery.Id);
        Assert.Equal((WebhookDeliveryState.Pending, 0), (stored!.State, stored.Attempts));
        Assert.Equal(0, (await store.GetEndpointAsync("ci")).ConsecutiveFailures);
    }

    private static WebhookEvent Event(int i) => WebhookEvent.Create("a.b", Now, new JsonObject { ["i"] = i });
}
