using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>Dreaming with webhooks on a SQLite file and a fake clock; the test drives the dispatcher round by round.</summary>
internal sealed class WebhookHarness : IAsyncDisposable
{
    public static readonly string Secret = WebhookSecret.Generate();

    private WebhookHarness(ServiceProvider services, FakeTimeProvider clock)
    {
        Services = services;
        Clock = clock;
    }

    public ServiceProvider Services { get; }

    public FakeTimeProvider Clock { get; }

    public WebhookDispatcher Dispatcher => Services.GetRequiredService<WebhookDispatcher>();

    public IWebhookOutboxStore Outbox => Services.GetRequiredService<IWebhookOutboxStore>();

    public IWebhookPublisher Publisher => Services.GetRequiredService<IWebhookPublisher>();

    public static WebhookHarness Create(string databasePath, string url, Action<WebhookOptions>? configure = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents().UseSqliteStore(databasePath).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            var endpoint = new WebhookEndpoint { Id = "ci", Url = url };
            endpoint.Secrets.Add(Secret);
            options.Endpoints.Add(endpoint);
            configure?.Invoke(options);
        });
        return new WebhookHarness(services.BuildServiceProvider(), clock);
    }

    public async Task<WebhookDelivery> PublishOneAsync(string type = WebhookEventTypes.SessionCompleted)
    {
        var published = await Publisher.PublishAsync(type, new() { ["session_id"] = "ses_1" });
        Assert.NotNull(published);
        return (await Outbox.ListAsync(limit: 10_000)).Single(d => d.EventId == published.Id);
    }

    public async Task<WebhookDelivery> GetAsync(string id) => (await Outbox.GetAsync(id))!;

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
