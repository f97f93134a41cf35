namespace Dreaming.Sqlite;

/// <summary>Settings of the <see cref="SqliteTraceStore"/>.</summary>
public sealed class SqliteTraceStoreOptions
{
    /// <summary>The connection string used when none is given: a <c>dreaming.db</c> file in the current directory.</summary>
    public const string DefaultConnectionString = "Data Source=dreaming.db";

    /// <summary>Gets or sets the Microsoft.Data.Sqlite connection string, or a plain file path.</summary>
    /// <value>The default is <see cref="DefaultConnectionString"/>. Text without <c>=</c> is taken as the path of the file.</value>
    /// <remarks>The file is created if it does not exist, but its folder must exist (with <c>UseSqliteStore</c>, a missing
    /// folder fails the host's start; a store constructed directly reports it on first use). The store needs write access to the
    /// file and its folder (for the write-ahead log), and owns the file's <c>user_version</c>: use a file of its own.
    /// An in-memory database private to each connection (<c>Data Source=:memory:</c>, or <c>Mode=Memory</c> without
    /// <c>Cache=Shared</c>) is refused, since reads use other connections than writes; use <see cref="InMemoryTraceStore"/>
    /// and the other in-memory stores instead, or a named shared in-memory database.</remarks>
    public string ConnectionString { get; set; } = DefaultConnectionString;

    /// <summary>Gets or sets how hard SQLite works to make each write durable.</summary>
    /// <value>The default is <see cref="SqliteSynchronousMode.Normal"/>: writes survive a crash of the process, and only an
    /// operating-system crash or power loss may lose the last ones.</value>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Normal;

    /// <summary>Gets or sets how long a command waits for a lock held by another process before it fails.</summary>
    /// <value>The default is 5 seconds.</value>
    /// <remarks>It sets both SQLite's <c>busy_timeout</c> and the retry time of Microsoft.Data.Sqlite (its <c>Default Timeout</c>,
    /// which counts whole seconds, so waits are rounded up to the next second and a <c>Default Timeout</c> in the connection
    /// string is replaced).</remarks>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets a value indicating whether the <see cref="SqliteMemoryStore"/> and <see cref="SqliteDreamRunStore"/>
    /// of a process without webhook endpoints write the webhook events of their changes as <em>unrouted</em> events, for
    /// the dispatcher of an application on the same file to deliver.</summary>
    /// <value>The default is <see langword="false"/>: a process without endpoints writes no webhook rows. The <c>dreaming</c>
    /// tool sets it for <c>memory approve</c>, <c>reject</c>, <c>rollback</c>, <c>edit</c> and <c>dream</c>.</value>
    /// <remarks>
    /// <para>Each event (<c>memory.version_*</c>, <c>dream.*</c>, <c>budget.reached</c>, <c>insight.quarantined</c>, with
    /// the data a host would send and the default payload options) is written in the transaction of the change, with no
    /// delivery: the change and its event are stored together or not at all. The <see cref="WebhookDispatcher"/> of a host
    /// that has <c>AddWebhooks</c> and <c>UseSqliteStore</c> on the same file routes it at its next pass to its endpoints
    /// that subscribe to the type (<see cref="IWebhookOutboxStore.RouteUnroutedAsync"/>), once whatever the number of
    /// replicas; an event no endpoint subscribes to is dropped then. With no such host the rows only wait (<c>dreaming
    /// webhooks list</c> shows them).</para>
    /// <para>Ignored when the process has webhook endpoints (<c>AddWebhooks</c>): its stores then route their events
    /// themselves. Session ends (<c>session.*</c>) are not written as unrouted events.</para>
    /// </remarks>
    public bool WriteUnroutedWebhooks { get; set; }
}
