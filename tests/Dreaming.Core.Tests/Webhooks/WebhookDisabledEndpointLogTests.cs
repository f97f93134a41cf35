using System.Net.Http;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Webhooks;

/// <summary>The rows of a disabled endpoint become dead letters logged once per endpoint and pass (event 86, error, with
/// their number), each row only at debug level (event 87), rather than one error line per row.</summary>
public sealed class WebhookDisabledEndpointLogTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_pass_over_200_rows_of_a_disabled_endpoint_logs_one_error_naming_the_endpoint_and_the_count()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        await EnqueueAsync(outbox, "ci", 200);
        await EnqueueAsync(outbox, "ops", 3);
        await outbox.SetEndpointDisabledAsync("ci", "the endpoint answered 410 Gone", _clock.GetUtcNow());
        await outbox.SetEndpointDisabledAsync("ops", "5 deliveries in a row exhausted their retries (last: 500).", _clock.GetUtcNow());
        var logger = new FakeLogger<WebhookDispatcher>();
        using var dispatcher = Dispatcher(outbox, logger);

        Assert.Equal(203, await dispatcher.DispatchDueAsync());

        var records = logger.Collector.GetSnapshot();
        var errors = records.Where(r => r.Level >= LogLevel.Error).ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, r => Assert.Equal(86, r.Id.Id));
        Assert.Equal("200 webhook deliveries to ci became dead letters without an attempt: endpoint 'ci' is disabled: the endpoint answered 410 Gone. Replay them with 'dreaming webhooks replay' once the endpoint is enabled again.", errors[0].Message);
        Assert.Equal("3 webhook deliveries to ops became dead letters without an attempt: endpoint 'ops' is disabled: 5 deliveries in a row exhausted their retries (last: 500). Replay them with 'dreaming webhooks replay' once the endpoint is enabled again.", errors[1].Message);
        Assert.Equal(203, records.Count(r => r.Id.Id == 87 && r.Level == LogLevel.Debug));
        Assert.DoesNotContain(records, r => r.Id.Id == 73);
        Assert.Equal(203, (await outbox.ListAsync(WebhookDeliveryState.Dead, 1000)).Count);
    }

    [Fact]
    public async Task The_background_loop_logs_one_error_for_the_endpoints_rows_it_claimed_in_one_round()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        await EnqueueAsync(outbox, "ci", 200);
        await outbox.SetEndpointDisabledAsync("ci", "the endpoint answered 410 Gone", _clock.GetUtcNow());
        var logger = new FakeLogger<WebhookDispatcher>();
        using var dispatcher = Dispatcher(outbox, logger);

        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!logger.Collector.GetSnapshot().Any(r => r.Id.Id == 86))
            {
                // Polls for the pass to end; the timeout only bounds a hang.
                await Task.Delay(10, patience.Token);
            }
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }

        var records = logger.Collector.GetSnapshot();
        var error = Assert.Single(records, r => r.Level >= LogLevel.Error);
        Assert.StartsWith("200 webhook deliveries to ci became dead letters without an attempt", error.Message, StringComparison.Ordinal);
        Assert.Equal(200, records.Count(r => r.Id.Id == 87));
    }

    private async Task EnqueueAsync(InMemoryWebhookOutboxStore outbox, string endpointId, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject { ["n"] = i }), [endpointId]);
        }
    }

    private WebhookDispatcher Dispatcher(IWebhookOutboxStore outbox, FakeLogger<WebhookDispatcher> logger)
    {
        var options = new WebhookOptions { Jitter = 0, BatchSize = 1000 };
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ops"));
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(new NothingSent(), disposeHandler: true));
        return new WebhookDispatcher(outbox, Options.Create(options), clients, _clock, logger);
    }

    private sealed class NothingSent : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("nothing is sent to a disabled endpoint");
    }
}
