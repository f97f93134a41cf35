using Dreaming.Sqlite.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>End to end: hosts with <c>AddWebhooks</c> and <c>UsePostgresStore</c> delivering to a real Kestrel receiver on
/// loopback that checks every signature with its own HMAC code; several instances, a killed dispatcher, the database
/// server going away.</summary>
public sealed class PostgresWebhookDeliveryTests : IAsyncLifetime
{
    private readonly string _schema = PostgresTestServer.NewSchema();

    private static string ConnectionString => PostgresTestServer.ConnectionString!;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => PostgresTestServer.DropSchemaAsync(_schema);

    [Fact]
    public async Task A_host_with_AddWebhooks_and_UsePostgresStore_delivers_every_event_signed()
    {
        await using var receiver = await WebhookReceiver.StartAsync(PostgresWebhookHarness.Secret);
        using var host = PostgresWebhookHarness.Host(ConnectionString, _schema, receiver.Url);
        await host.StartAsync();
        var outbox = host.Services.GetRequiredService<IWebhookOutboxStore>();
        Assert.EndsWith("/" + _schema, Assert.IsType<PostgresWebhookOutboxStore>(outbox).Location, StringComparison.Ordinal);

        await CompleteSessionsAsync(host, 5);
        var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await publisher.PublishAsync(WebhookEventTypes.DreamCompleted, new() { ["dream_run_id"] = $"dr-{i}", ["note"] = "café ☕ \u0000 \U0001F600" }));
        }

        var deliveries = await PostgresWebhookHarness.WaitUntilAllDeliveredAsync(outbox, expected: 10);
        await host.StopAsync();

        var received = receiver.Received.ToList();
        Assert.All(received, r => Assert.True(r.SignatureValid, $"signature of {r.Id} failed the independent check"));
        Assert.Equal(deliveries.Select(d => d.EventId).Order(StringComparer.Ordinal), received.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal(d.Body, received.Single(r => r.Id == d.EventId).Body));
        Assert.Equal(5, received.Count(r => r.Body.Contains("\"session.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Two_instances_on_one_schema_deliver_each_event_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync(PostgresWebhookHarness.Secret);
        using var first = PostgresWebhookHarness.Host(ConnectionString, _schema, receiver.Url);
        using var second = PostgresWebhookHarness.Host(ConnectionString, _schema, receiver.Url);
        await first.StartAsync();
        await second.StartAsync();

        var publishers = new[] { first, second }.Select(h => h.Services.GetRequiredService<IWebhookPublisher>()).ToArray();
        await Task.WhenAll(publishers.Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await p.PublishAsync(WebhookEventTypes.DreamCompleted, new() { ["dream_run_id"] = $"dr-{i}" });
            }
        })));

        var deliveries = await PostgresWebhookHarness.WaitUntilAllDeliveredAsync(first.Services.GetRequiredService<IWebhookOutboxStore>(), expected: 100);
        await Task.WhenAll(first.StopAsync(), second.StopAsync());

        var received = receiver.Received.ToList();
        Assert.Equal(100, received.Count);
        Assert.Equal(deliveries.Select(d => d.EventId).Order(StringComparer.Ordinal), received.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal(1, d.Attempts));
    }

    [Fact]
    public async Task A_dispatcher_killed_mid_attempt_leaves_the_delivery_to_another_instance_once_its_lease_runs_out()
    {
        await using var receiver = await WebhookReceiver.StartAsync(PostgresWebhookHarness.Secret);
        var hanging = new TaskCompletionSource();
        var requests = 0;
        receiver.Respond = async (context, _) =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                hanging.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
        };
        var start = new DateTimeOffset(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);
        WebhookDelivery published;

        using (var killing = new CancellationTokenSource())
        await using (var doomed = PostgresWebhookHarness.Services(ConnectionString, _schema, receiver.Url, new FakeTimeProvider(start)))
        {
            var id = (await doomed.GetRequiredService<IWebhookPublisher>().PublishAsync(WebhookEventTypes.DreamCompleted, new() { ["dream_run_id"] = "dr-1" }))!.Id;
            published = (await doomed.GetRequiredService<IWebhookOutboxStore>().ListAsync()).Single(d => d.EventId == id);
            var round = doomed.GetRequiredService<WebhookDispatcher>().DispatchDueAsync(killing.Token);
            await hanging.Task.WaitAsync(PostgresWebhookHarness.Patience);

            // Killed with the request in flight: nothing recorded, the row still claimed.
            await killing.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => round);
        }

        var clock = new FakeTimeProvider(start);
        await using var survivor = PostgresWebhookHarness.Services(ConnectionString, _schema, receiver.Url, clock);
        var outbox = survivor.GetRequiredService<IWebhookOutboxStore>();
        var dispatcher = survivor.GetRequiredService<WebhookDispatcher>();
        var claimed = (await outbox.GetAsync(published.Id))!;
        Assert.Equal((WebhookDeliveryState.Pending, 0), (claimed.State, claimed.Attempts));
        Assert.Equal(0, await dispatcher.DispatchDueAsync());

        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, await dispatcher.DispatchDueAsync());

        var delivered = (await outbox.GetAsync(published.Id))!;
        Assert.Equal((WebhookDeliveryState.Delivered, 1), (delivered.State, delivered.Attempts));
        var received = receiver.Received.ToList();
        Assert.Equal(2, received.Count);
        Assert.All(received, r => Assert.Equal(published.EventId, r.Id));
        Assert.All(received, r => Assert.Equal(published.Body, r.Body));
        Assert.All(received, r => Assert.True(r.SignatureValid));
    }

    [Fact]
    public async Task The_dispatcher_recovers_when_the_database_server_goes_away_and_comes_back()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync(PostgresWebhookHarness.Secret);
        var options = proxy.Options(_schema);
        using var host = PostgresWebhookHarness.Host(options.ConnectionString, _schema, receiver.Url);
        await host.StartAsync();
        var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        var outbox = host.Services.GetRequiredService<IWebhookOutboxStore>();
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(WebhookEventTypes.DreamCompleted, new() { ["dream_run_id"] = $"before-{i}" });
        }

        await PostgresWebhookHarness.WaitUntilAllDeliveredAsync(outbox, expected: 5);

        proxy.Down();
        var failure = await Assert.ThrowsAsync<TraceStoreException>(() => outbox.ClaimDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1), 1));
        Assert.Contains(((PostgresWebhookOutboxStore)outbox).Location, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure.Message, StringComparison.Ordinal);
        await Task.Delay(500);

        await proxy.UpAsync();

        // Back: the first write after the outage already works (the pool's dead connections were dropped when the
        // outage was met), and the background loop, which met the outage at every round, delivers again.
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(WebhookEventTypes.DreamCompleted, new() { ["dream_run_id"] = $"after-{i}" });
        }

        await PostgresWebhookHarness.WaitUntilAllDeliveredAsync(outbox, expected: 10);
        await host.StopAsync();
        Assert.Equal(10, receiver.Received.Select(r => r.Id).Distinct().Count());
    }

    private static async Task CompleteSessionsAsync(IHost host, int count)
    {
        var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();
        for (var i = 0; i < count; i++)
        {
            await using var session = sessions.StartSession("support-bot", $"task {i}");
            await session.CompleteAsync(SessionStatus.Completed);
        }
    }
}
