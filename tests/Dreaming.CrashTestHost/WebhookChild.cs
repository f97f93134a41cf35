using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.CrashTestHost;

/// <summary>Ends sessions with webhooks configured on the same SQLite file and runs the dispatcher until killed.</summary>
internal static class WebhookChild
{
    public static async Task RunAsync(string database, string url, string secret)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(database).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            options.AttemptTimeout = TimeSpan.FromSeconds(1);
            options.PollInterval = TimeSpan.FromMilliseconds(50);
            var endpoint = new WebhookEndpoint { Id = "ci", Url = url };
            endpoint.Secrets.Add(secret);
            options.Endpoints.Add(endpoint);
        });
        await using var provider = services.BuildServiceProvider();
        var dispatcher = provider.GetRequiredService<WebhookDispatcher>();
        await dispatcher.StartAsync(CancellationToken.None);
        var sessions = provider.GetRequiredService<IAgentSessionFactory>();
        for (var i = 0; i < 20; i++)
        {
            await using var session = sessions.StartSession("crash-agent", "webhook " + i);
            await session.CompleteAsync();
            Console.Out.WriteLine("acked " + session.Id);
            Console.Out.Flush();
        }

        await Task.Delay(Timeout.Infinite);
    }
}
