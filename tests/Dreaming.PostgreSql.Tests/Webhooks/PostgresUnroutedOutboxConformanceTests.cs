using Dreaming.Tests.Webhooks;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The unrouted outbox conformance suite (linked from the SQLite tests) on the PostgreSQL store, each store on a
/// schema of its own.</summary>
public sealed class PostgresUnroutedOutboxConformanceTests : UnroutedOutboxConformanceTests
{
    private readonly List<string> _schemas = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var schema in _schemas)
        {
            await PostgresTestServer.DropSchemaAsync(schema);
        }
    }

    protected override Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider)
    {
        var options = PostgresTestServer.NewOptions();
        _schemas.Add(options.Schema);
        return Task.FromResult<IWebhookOutboxStore>(new PostgresWebhookOutboxStore(options, timeProvider));
    }

    protected override Task EnqueueUnroutedAsync(IWebhookOutboxStore store, WebhookEvent webhookEvent, CancellationToken cancellationToken) =>
        ((PostgresWebhookOutboxStore)store).EnqueueUnroutedAsync(webhookEvent, cancellationToken);

    protected override Task<IReadOnlyList<(string EventId, string EventType, DateTimeOffset CreatedAt)>> ListUnroutedAsync(IWebhookOutboxStore store) =>
        ((PostgresWebhookOutboxStore)store).ListUnroutedAsync();
}
