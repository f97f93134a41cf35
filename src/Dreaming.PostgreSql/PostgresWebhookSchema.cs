namespace Dreaming.PostgreSql;

/// <summary>The tables of the webhook outbox (component <c>webhooks</c>): what the outbox store reads and writes, and what the
/// trace, memory and dream run stores write their events into, inside the transaction of their own change.</summary>
/// <remarks>A store that writes webhook rows ensures this component too (<see cref="EnsureAsync"/>) before its first
/// write, so the rows have tables even when the application never made an outbox store.</remarks>
internal static class PostgresWebhookSchema
{
    /// <summary>The component's name in <c>schema_versions</c>.</summary>
    public const string Component = "webhooks";

    /// <summary>Migration <c>i</c> moves the component from version <c>i</c> to <c>i + 1</c>. Append to change the tables;
    /// never edit a script that has shipped.</summary>
    public static readonly string[] Migrations =
    [
        // Version 1: the outbox, as the SQLite store's schema versions 5 and its ensured webhook_unrouted table. One row per
        // event (its body is fixed once written, so every retry sends the same bytes) and one per event and endpoint; the
        // partial index finds due deliveries, oldest due first, without reading delivered or dead ones. Endpoint rows keep
        // what delivery learnt (disabled, consecutive failures); their URLs and secrets stay in settings. Unrouted rows are
        // events a process without endpoints wrote (the dreaming tool) for a host's dispatcher to route. Times are unix
        // milliseconds; states are lower-case names. The triggers refuse to change or delete an event, TRUNCATE included.
        """
        CREATE TABLE webhook_events (
            id text NOT NULL PRIMARY KEY,
            type text NOT NULL,
            body text NOT NULL,
            created_ms bigint NOT NULL
        );

        CREATE TABLE webhook_deliveries (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            event_id text NOT NULL REFERENCES webhook_events (id),
            endpoint_id text NOT NULL,
            state text NOT NULL,
            attempts integer NOT NULL,
            created_ms bigint NOT NULL,
            next_attempt_ms bigint NOT NULL,
            last_attempt_ms bigint,
            last_status integer,
            last_error text,
            delivered_ms bigint,
            UNIQUE (event_id, endpoint_id)
        );

        CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_ms, seq) WHERE state = 'pending';
        CREATE INDEX ix_webhook_deliveries_state ON webhook_deliveries (state, seq);

        CREATE TABLE webhook_endpoints (
            id text NOT NULL PRIMARY KEY,
            disabled_reason text,
            disabled_ms bigint,
            consecutive_failures integer NOT NULL
        );

        CREATE TABLE webhook_unrouted (
            event_id text NOT NULL PRIMARY KEY REFERENCES webhook_events (id),
            created_ms bigint NOT NULL
        );

        CREATE INDEX ix_webhook_unrouted_created ON webhook_unrouted (created_ms, event_id);

        CREATE FUNCTION webhook_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                RAISE EXCEPTION 'a webhook event never changes, so every retry sends the same body' USING ERRCODE = 'restrict_violation';
            END IF;
            RAISE EXCEPTION 'webhook events are never deleted' USING ERRCODE = 'restrict_violation';
        END
        $$;

        CREATE TRIGGER webhook_events_never_deleted BEFORE DELETE ON webhook_events
            FOR EACH ROW EXECUTE FUNCTION webhook_events_refuse_change();
        CREATE TRIGGER webhook_events_immutable BEFORE UPDATE ON webhook_events
            FOR EACH ROW EXECUTE FUNCTION webhook_events_refuse_change();
        CREATE TRIGGER webhook_events_never_truncated BEFORE TRUNCATE ON webhook_events
            FOR EACH STATEMENT EXECUTE FUNCTION webhook_events_refuse_change();
        """,
    ];

    /// <summary>Brings the outbox tables to the newest version on <paramref name="database"/> (once per database object).</summary>
    /// <param name="database">The database.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the tables are ready.</returns>
    public static Task EnsureAsync(PostgresDatabase database, CancellationToken cancellationToken) =>
        database.EnsureMigratedAsync(Component, Migrations, cancellationToken);
}
