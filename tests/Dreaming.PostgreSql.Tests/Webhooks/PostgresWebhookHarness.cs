using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>Hosts of an application with <c>AddWebhooks</c> on <c>UsePostgresStore</c>, each one instance; the tests start
/// several on one schema.</summary>
internal static class PostgresWebhookHarness
{
    public static readonly string Secret = WebhookSecret.Generate();

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A host whose dispatcher runs in the background, polling every 50 ms, retrying every 200 ms.</summary>
    public static IHost Host(string connectionString, string schema, string url, TimeProvider? clock = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddDreamingAgents().UsePostgresStore(connectionString, options => options.Schema = schema).AddWebhooks(options => Configure(options, url));
        return builder.Build();
    }

    /// <summary>A service provider without a running dispatcher, which the test drives round by round.</summary>
    public static ServiceProvider Services(string connectionString, string schema, string url, TimeProvider clock)
    {
        var services = new ServiceCollection();
        services.AddSingleton(clock);
        services.AddDreamingAgents().UsePostgresStore(connectionString, options => options.Schema = schema).AddWebhooks(options => Configure(options, url));
        return services.BuildServiceProvider();
    }

    /// <summary>Polls the outbox until <paramref name="expected"/> deliveries are delivered, failing after the patience.</summary>
    public static async Task<IReadOnlyList<WebhookDelivery>> WaitUntilAllDeliveredAsync(IWebhookOutboxStore outbox, int expected)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            IReadOnlyList<WebhookDelivery> all;
            try
            {
                all = await outbox.ListAsync(limit: 1000);
            }
            catch (TraceStoreException)
            {
                // The test's own reads meet an outage too.
                all = [];
            }

            if (all.Count == expected && all.All(d => d.State == WebhookDeliveryState.Delivered))
            {
                return all;
            }

            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Not all {expected} delivered in time: " + string.Join(", ", all.Select(d => $"{d.State}/{d.Attempts}/{d.LastError}")));
            }

            await Task.Delay(50);
        }
    }

    private static void Configure(WebhookOptions options, string url)
    {
        options.AllowPrivateNetworks = true;
        options.AttemptTimeout = TimeSpan.FromSeconds(5);
        options.PollInterval = TimeSpan.FromMilliseconds(50);
        options.RetrySchedule = [TimeSpan.Zero, .. Enumerable.Repeat(TimeSpan.FromMilliseconds(200), 60)];
        var endpoint = new WebhookEndpoint { Id = "ci", Url = url };
        endpoint.Secrets.Add(Secret);
        options.Endpoints.Add(endpoint);
    }
}
