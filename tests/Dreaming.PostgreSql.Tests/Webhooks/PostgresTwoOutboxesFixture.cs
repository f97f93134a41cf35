using System.Text.Json.Nodes;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>Two instances of an application on one outbox: two store objects, each with a pool of its own, on one schema
/// of the test server (migrated before the test, dropped after it), with a clock that stands still.</summary>
public abstract class PostgresTwoOutboxesFixture : IAsyncLifetime
{
    /// <summary>The time both instances' clocks show.</summary>
    protected static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

    /// <summary>The lease of a claim.</summary>
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>Gets the schema both instances are on.</summary>
    protected string Schema { get; } = PostgresTestServer.NewSchema();

    /// <summary>Gets the first instance.</summary>
    protected PostgresWebhookOutboxStore First { get; private set; } = null!;

    /// <summary>Gets the second instance.</summary>
    protected PostgresWebhookOutboxStore Second { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        First = new PostgresWebhookOutboxStore(PostgresTestServer.NewOptions(Schema), new FixedClock(Now));
        Second = new PostgresWebhookOutboxStore(PostgresTestServer.NewOptions(Schema), new FixedClock(Now));
        await First.InitializeAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await PostgresTestServer.DropSchemaAsync(Schema);
    }

    /// <summary>An event of <paramref name="type"/> at <see cref="Now"/>.</summary>
    protected static WebhookEvent Event(string type = "a.b") => WebhookEvent.Create(type, Now, new JsonObject { ["session_id"] = "ses_1" });

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
