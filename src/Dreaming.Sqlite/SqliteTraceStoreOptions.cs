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
}
