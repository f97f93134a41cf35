using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Sqlite.Tests.Webhooks;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WebhookMetricsTestGroup
{
    public const string Name = "webhook metrics (alone, so no other test adds to the counter)";
}

/// <summary>The dispatcher as a hosted service: woken by a publish rather than the poll, and counted.</summary>
[Collection(WebhookMetricsTestGroup.Name)]
public sealed class WebhookDispatcherHostTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(WebhookHarness.Secret);

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_publish_wakes_the_hosted_dispatcher_without_waiting_for_the_poll_and_attempts_are_counted()
    {
        using var attempts = new MetricCollector<long>(null, "Dreaming.Core", "dreaming.webhooks.attempts");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddDreamingAgents().UseSqliteStore(_folder.File("host.db")).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            options.PollInterval = TimeSpan.FromHours(1);
            var endpoint = new WebhookEndpoint { Id = "ci", Url = _receiver.Url };
            endpoint.Secrets.Add(WebhookHarness.Secret);
            options.Endpoints.Add(endpoint);
        });
        using var host = builder.Build();
        await host.StartAsync();

        // The fake clock never moves, so only the wake-up can trigger these deliveries.
        var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        for (var i = 0; i < 3; i++)
        {
            await publisher.PublishAsync(WebhookEventTypes.OutcomeSatisfied, new() { ["session_id"] = $"ses_{i}" });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (_receiver.Received.Count <= i)
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        // The receiver counts a request before it answers: a stop then cancels the attempt waiting for the answer, which
        // records nothing (the row is due again). Stopped once the last row is delivered, the stop waits for its attempt,
        // which has no token left to see, to count it.
        var outbox = host.Services.GetRequiredService<IWebhookOutboxStore>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while ((await outbox.ListAsync(WebhookDeliveryState.Delivered, cancellationToken: timeout.Token)).Count < 3)
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        await host.StopAsync();
        Assert.Equal(3, _receiver.Received.Count);
        Assert.All(_receiver.Received, r => Assert.True(r.SignatureValid));
        var measured = attempts.GetMeasurementSnapshot();
        Assert.Equal(3, measured.Count(m => m.Tags["dreaming.webhook.result"] as string == "delivered"));
    }
}
