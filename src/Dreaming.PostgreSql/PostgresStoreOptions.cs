namespace Dreaming.PostgreSql;

/// <summary>Settings of the PostgreSQL stores: the trace store, the memory store, the dream run store and the webhook outbox.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>The schema used when none is given.</summary>
    public const string DefaultSchema = "dreaming";

    /// <summary>Gets or sets the Npgsql connection string of the database, such as
    /// <c>Host=db.internal;Database=app;Username=app;Password=...</c>.</summary>
    /// <value>Required; there is no default.</value>
    /// <remarks>The stores create their tables in <see cref="Schema"/> (and the schema itself) on first use, so the user
    /// needs the <c>CREATE</c> privilege on the database the first time, or a schema made for it beforehand. A
    /// <c>Search Path</c> in the connection string is replaced by <see cref="Schema"/>.</remarks>
    public string ConnectionString { get; set; } = "";

    /// <summary>Gets or sets the schema that holds the stores' tables.</summary>
    /// <value>The default is <see cref="DefaultSchema"/>. Lower-case letters, digits and underscores, starting with a
    /// letter or an underscore, at most 63 characters (a PostgreSQL identifier that needs no quoting).</value>
    /// <remarks>The stores own the schema's tables and its <c>schema_versions</c> table: give each application (or each
    /// environment sharing a database) a schema of its own.</remarks>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>Gets or sets how long a command may run before it fails.</summary>
    /// <value>The default is 30 seconds; 1 second to 1 hour.</value>
    /// <remarks>It also bounds how long a transaction that holds what other instances wait on (a memory or dream run
    /// change, which holds its scope's lock; a batch of events or a session's end with its webhook rows, which hold the
    /// session's row; an import; recording a webhook attempt, which holds its endpoint's row; a kill, a replay, disabling an
    /// endpoint, routing unrouted events; a store's migration, which holds the schema's lock) may sit idle on the server between two of its statements
    /// (<c>idle_in_transaction_session_timeout</c>, for that transaction only; a shorter limit the server, database, role
    /// or connection string already sets is kept): the server then ends the connection, so a host frozen or cut off inside
    /// one frees what it held after this long. A process that stalls that long inside one (a long garbage collection, a
    /// starved thread pool) gets a <see cref="TraceStoreException"/> and its change is not kept.</remarks>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets whether the memory and dream run stores write the webhook events of their changes as
    /// unrouted events, for the webhook dispatcher of an application on the same database and schema, when this process
    /// has no webhook endpoints of its own: what the <c>dreaming</c> tool sets for <c>memory approve</c>, <c>reject</c>,
    /// <c>rollback</c>, <c>edit</c> and <c>dream</c>.</summary>
    /// <value>The default is <see langword="false"/>: a process without endpoints writes no webhook rows.</value>
    /// <remarks>
    /// <para>As <c>SqliteTraceStoreOptions.WriteUnroutedWebhooks</c>: each event (<c>memory.version_*</c>, <c>dream.*</c>,
    /// <c>budget.reached</c>, <c>insight.quarantined</c>, with the data a host would send and the default payload options)
    /// is written in the transaction of the change, into <c>webhook_events</c> and <c>webhook_unrouted</c>, with no
    /// delivery. The <see cref="WebhookDispatcher"/> of a host with <c>AddWebhooks</c> and <c>UsePostgresStore</c> on the
    /// same schema routes it at its next pass to its endpoints that subscribe to the type, once however many instances
    /// route at the same moment.</para>
    /// <para>Ignored when the process has webhook endpoints (<c>AddWebhooks</c>): its stores then announce their changes
    /// themselves. Session ends (<c>session.*</c>) are not written as unrouted events.</para>
    /// </remarks>
    public bool WriteUnroutedWebhooks { get; set; }
}
