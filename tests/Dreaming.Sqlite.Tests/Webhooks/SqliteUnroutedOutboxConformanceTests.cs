using Dreaming.Tests.Webhooks;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>The unrouted outbox conformance suite on the SQLite store, each store on a file of its own.</summary>
public sealed class SqliteUnroutedOutboxConformanceTests : UnroutedOutboxConformanceTests
{
    private readonly TempFolder _folder = new();
    private int _stores;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }

    protected override Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<IWebhookOutboxStore>(new SqliteWebhookOutboxStore(new SqliteTraceStoreOptions { ConnectionString = _folder.File($"outbox-{++_stores}.db") }, timeProvider));

    protected override Task EnqueueUnroutedAsync(IWebhookOutboxStore store, WebhookEvent webhookEvent, CancellationToken cancellationToken) =>
        ((SqliteWebhookOutboxStore)store).EnqueueUnroutedAsync(webhookEvent, cancellationToken);

    protected override Task<IReadOnlyList<(string EventId, string EventType, DateTimeOffset CreatedAt)>> ListUnroutedAsync(IWebhookOutboxStore store) =>
        ((SqliteWebhookOutboxStore)store).ListUnroutedAsync();
}
