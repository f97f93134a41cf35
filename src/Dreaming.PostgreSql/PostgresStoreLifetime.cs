namespace Dreaming.PostgreSql;

/// <summary>The disposal every PostgreSQL store shares: once disposed, the store refuses calls with
/// <see cref="ObjectDisposedException"/> naming it, and closes the database's connection pool only when it owns it (a store
/// constructed from options); a shared database (the one of <c>UsePostgresStore</c>) is its owner's, the container's.</summary>
internal sealed class PostgresStoreLifetime
{
    private readonly PostgresDatabase _database;
    private readonly bool _ownsDatabase;
    private readonly object _owner;
    private int _disposed;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="database">The database the store is on.</param>
    /// <param name="ownsDatabase">Whether disposing the store disposes <paramref name="database"/>.</param>
    /// <param name="owner">The store, named by <see cref="ObjectDisposedException"/> after disposal.</param>
    public PostgresStoreLifetime(PostgresDatabase database, bool ownsDatabase, object owner)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _ownsDatabase = ownsDatabase;
        _owner = owner;
    }

    /// <summary>Gets a value indicating whether the store was disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the store once it was disposed.</summary>
    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, _owner);

    /// <summary>The exception for a call in flight whose pool the store's disposal closed: the store, not the data source,
    /// is what the caller disposed.</summary>
    /// <param name="inner">The data source's exception.</param>
    /// <returns>An <see cref="ObjectDisposedException"/> naming the store.</returns>
    public ObjectDisposedException Disposed(ObjectDisposedException inner) => new(_owner.GetType().FullName, inner);

    /// <summary>Marks the store disposed and, the first time, closes the pool when the store owns it.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _disposed, 1) == 0 && _ownsDatabase ? _database.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>Marks the store disposed and, the first time, closes the pool when the store owns it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _ownsDatabase)
        {
            _database.Dispose();
        }
    }
}
