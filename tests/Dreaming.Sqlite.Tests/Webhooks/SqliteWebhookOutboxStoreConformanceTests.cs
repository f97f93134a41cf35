using Dreaming.Testing;

namespace Dreaming.Sqlite.Tests.Webhooks;

public sealed class SqliteWebhookOutboxStoreConformanceTests : WebhookOutboxStoreConformanceTests
{
    private readonly TempFolder _folder = new();
    private int _stores;

    protected override Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<IWebhookOutboxStore>(new SqliteWebhookOutboxStore(new SqliteTraceStoreOptions { ConnectionString = _folder.File($"outbox-{++_stores}.db") }, timeProvider));

    /// <summary>Two stores on one file stand for two processes: each disabling runs in its own immediate transaction, so
    /// exactly one reason stands and both callers are told which.</summary>
    [Fact]
    public async Task Two_stores_on_one_file_disabling_an_endpoint_at_once_keep_one_reason()
    {
        var file = _folder.File("shared.db");
        using var first = new SqliteWebhookOutboxStore(new SqliteTraceStoreOptions { ConnectionString = file });
        using var second = new SqliteWebhookOutboxStore(new SqliteTraceStoreOptions { ConnectionString = file });
        await first.InitializeAsync();
        await second.InitializeAsync();
        for (var round = 0; round < 10; round++)
        {
            var endpoint = "ci-" + round;
            using var start = new Barrier(2);
            var a = Task.Run(() => { start.SignalAndWait(); return first.SetEndpointDisabledAsync(endpoint, "first", DateTimeOffset.UtcNow); });
            var b = Task.Run(() => { start.SignalAndWait(); return second.SetEndpointDisabledAsync(endpoint, "second", DateTimeOffset.UtcNow); });
            var results = await Task.WhenAll(a, b);

            var stored = await first.GetEndpointAsync(endpoint);
            Assert.Contains(stored.DisabledReason, new[] { "first", "second" });
            Assert.All(results, r => Assert.Equal((stored.DisabledReason, stored.DisabledAt), (r.DisabledReason, r.DisabledAt)));
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}
