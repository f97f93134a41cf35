using System.Net.Http;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using static Dreaming.Tests.DeliveryWait;

namespace Dreaming.Tests.Webhooks;

/// <summary>A hanging endpoint: its attempts, up to the batch size, do not hold up deliveries to another endpoint, and a
/// stop while they hang records nothing, their rows due again when the claim runs out. In the collection of
/// <see cref="WebhookDispatcherTests"/>, whose tests read the process-wide attempt metric.</summary>
[Collection(nameof(WebhookDispatcherTests))]
public sealed class WebhookHangingEndpointTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_hanging_endpoint_does_not_hold_up_deliveries_to_another_endpoint()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var handler = new SlowHostHandler("slow");
        var signal = new WebhookDispatchSignal();
        using var dispatcher = Lanes(outbox, handler, signal, batchSize: 2);
        var slow = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            slow.Add((await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject { ["n"] = i }), ["slow"]))[0].Id);
        }

        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            // Two attempts (the batch size) hang at the slow endpoint; the fast one's event comes after they started.
            await handler.Hanging(2).WaitAsync(Patience);
            var fast = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["fast"]))[0];
            signal.Notify();

            await WaitForAsync(outbox, fast.Id, WebhookDeliveryState.Delivered);
            Assert.Equal(2, handler.SlowCalls);
            Assert.All(slow, id => Assert.Equal(0, outbox.GetAsync(id).Result!.Attempts));
        }
        finally
        {
            handler.Release();
        }

        // Released, the slow endpoint's backlog goes out too, each row once.
        foreach (var id in slow)
        {
            await WaitForAsync(outbox, id, WebhookDeliveryState.Delivered);
        }

        await dispatcher.StopAsync(CancellationToken.None);
        Assert.Equal(5, handler.SlowCalls);
        Assert.All(slow, id => Assert.Equal(1, outbox.GetAsync(id).Result!.Attempts));
    }

    [Fact]
    public async Task Stopping_with_attempts_hanging_records_nothing_and_their_rows_are_due_again_when_the_claim_runs_out()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var handler = new SlowHostHandler("slow");
        var signal = new WebhookDispatchSignal();
        using var dispatcher = Lanes(outbox, handler, signal, batchSize: 4);
        var hung = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["slow"]))[0];
        var fast = (await outbox.EnqueueAsync(WebhookEvent.Create("a.c", _clock.GetUtcNow(), new JsonObject()), ["fast"]))[0];

        await dispatcher.StartAsync(CancellationToken.None);
        await handler.Hanging(1).WaitAsync(Patience);
        await WaitForAsync(outbox, fast.Id, WebhookDeliveryState.Delivered);
        await dispatcher.StopAsync(CancellationToken.None).WaitAsync(Patience);

        var stored = (await outbox.GetAsync(hung.Id))!;
        Assert.Equal((WebhookDeliveryState.Pending, 0), (stored.State, stored.Attempts));
        Assert.Empty(await outbox.ClaimDueAsync(_clock.GetUtcNow(), TimeSpan.FromSeconds(1), 10));
        _clock.Advance(new WebhookOptions().AttemptTimeout * 2);
        Assert.Equal(hung.Id, Assert.Single(await outbox.ClaimDueAsync(_clock.GetUtcNow(), TimeSpan.FromSeconds(1), 10)).Id);
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private WebhookDispatcher Lanes(IWebhookOutboxStore outbox, HttpMessageHandler handler, WebhookDispatchSignal signal, int batchSize)
    {
        var options = new WebhookOptions { Jitter = 0, BatchSize = batchSize };
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("slow"));
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("fast"));
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(handler, disposeHandler: false));
        return new WebhookDispatcher(outbox, Options.Create(options), clients, signal, _clock, new FakeLogger<WebhookDispatcher>());
    }
}
