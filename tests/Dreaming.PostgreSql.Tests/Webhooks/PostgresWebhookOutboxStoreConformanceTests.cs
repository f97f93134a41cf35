using Dreaming.Testing;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The outbox conformance suite on the PostgreSQL store, each test's stores on a schema of their own.</summary>
public sealed class PostgresWebhookOutboxStoreConformanceTests : WebhookOutboxStoreConformanceTests
{
    private readonly List<string> _schemas = [];

    /// <summary>Two stores on one schema stand for two instances: each disabling locks the endpoint's row, so exactly one
    /// reason stands and both callers are told which.</summary>
    [Fact]
    public async Task Two_stores_on_one_schema_disabling_an_endpoint_at_once_keep_one_reason()
    {
        var options = NewOptions();
        await using var first = new PostgresWebhookOutboxStore(options);
        await using var second = new PostgresWebhookOutboxStore(options);
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
        foreach (var schema in _schemas)
        {
            await PostgresTestServer.DropSchemaAsync(schema);
        }
    }

    protected override Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<IWebhookOutboxStore>(new PostgresWebhookOutboxStore(NewOptions(), timeProvider));

    private PostgresStoreOptions NewOptions()
    {
        var options = PostgresTestServer.NewOptions();
        _schemas.Add(options.Schema);
        return options;
    }
}
