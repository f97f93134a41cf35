using System.Text.Json.Nodes;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>A <see cref="PostgresStoreFixture"/> for the tests of the webhook rows the stores write in their changes'
/// transactions: two memory store instances on the schema, and the asserts that a row's body is byte for byte the one
/// the publisher makes, with its time, as the build before made it after the lock.</summary>
public abstract class PostgresWebhookRowsFixture : PostgresStoreFixture
{
    /// <summary>Gets the options of a store on the schema that writes unrouted webhook events; each call a new object.</summary>
    protected PostgresStoreOptions UnroutedOptions
    {
        get
        {
            var options = Options;
            options.WriteUnroutedWebhooks = true;
            return options;
        }
    }

    /// <summary>Asserts that the one event of <paramref name="type"/> about <paramref name="version"/> has the body
    /// <paramref name="webhooks"/> makes for it now (full payloads), with its time; returns the body.</summary>
    protected async Task<string> AssertMemoryBodyAsync(WebhookPublisher webhooks, string type, MemoryVersion version)
    {
        var body = (string)(await ScalarAsync($"SELECT body FROM webhook_events WHERE type = '{type}' AND body::jsonb -> 'data' ->> 'memory_version_id' = '{version.Id}'"))!;
        var timestamp = DateTimeOffset.Parse((string)JsonNode.Parse(body)!["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(webhooks.CreateEvent(type, timestamp, WebhookEventData.MemoryEvent(type, version, full: true)).ToBody(), body);
        return body;
    }

    /// <summary>Asserts that the one event of <paramref name="type"/> about <paramref name="run"/> (and the insight, for a
    /// quarantine) has the body the store's publisher makes from <paramref name="data"/> with its time, as the build
    /// before made it after the lock.</summary>
    protected async Task AssertRunBodyAsync(TimeProvider clock, string type, DreamRun run, JsonObject data, string? insightId = null)
    {
        // strpos, not jsonb: a note with a NUL is \u0000 in the body, which jsonb refuses.
        var where = $"type = '{type}' AND strpos(body, '\"dream_run_id\":\"{run.Id}\"') > 0" + (insightId is null ? string.Empty : $" AND strpos(body, '\"insight_id\":\"{insightId}\"') > 0");
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM webhook_events WHERE " + where));
        var body = (string)(await ScalarAsync("SELECT body FROM webhook_events WHERE " + where))!;
        var timestamp = DateTimeOffset.Parse((string)JsonNode.Parse(body)!["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(PostgresStoreWebhooks.Unrouted(clock).CreateEvent(type, timestamp, data).ToBody(), body);
    }

    /// <summary>Two memory store instances on the schema: <see cref="Memory"/>, whose events are made with
    /// <see cref="Webhooks"/> (full payloads, no endpoints), and <see cref="Other"/>, which changes the scope between
    /// the first's reads and its lock. Disposing disposes <see cref="Other"/>, then <see cref="Memory"/>.</summary>
    protected sealed class MemoryInstances : IAsyncDisposable
    {
        /// <summary>Initializes the two stores, <paramref name="otherOptions"/> (or <paramref name="options"/>) the second's.</summary>
        public MemoryInstances(PostgresStoreOptions options, PostgresStoreOptions? otherOptions = null)
        {
            Memory = new PostgresMemoryStore(options);
            Other = new PostgresMemoryStore(otherOptions ?? options);
            Webhooks = new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { IncludeFullPayloads = true }), new InMemoryWebhookOutboxStore(), TimeProvider.System);
            Memory.Webhooks = Webhooks;
        }

        /// <summary>Gets the store under test.</summary>
        public PostgresMemoryStore Memory { get; }

        /// <summary>Gets the other instance.</summary>
        public PostgresMemoryStore Other { get; }

        /// <summary>Gets the publisher of <see cref="Memory"/>'s events.</summary>
        public WebhookPublisher Webhooks { get; }

        /// <inheritdoc />
        public async ValueTask DisposeAsync()
        {
            await Other.DisposeAsync();
            await Memory.DisposeAsync();
        }
    }
}
