using Dreaming.Testing;

namespace Dreaming.Sqlite.Tests.Webhooks;

public sealed class SqliteWebhookOutboxStoreConformanceTests : WebhookOutboxStoreConformanceTests
{
    private readonly TempFolder _folder = new();
    private int _stores;

    protected override Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<IWebhookOutboxStore>(new SqliteWebhookOutboxStore(new SqliteTraceStoreOptions { ConnectionString = _folder.File($"outbox-{++_stores}.db") }, timeProvider));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}
