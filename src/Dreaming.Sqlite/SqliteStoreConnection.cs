using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>The connection plumbing the SQLite stores share: options checked up front, one writer connection opened on
/// first use and guarded by a lock (SQLite has one writer), pooled readers, and SQLite errors turned into
/// <see cref="TraceStoreException"/>s that name the file.</summary>
/// <typeparam name="TWriter">The store's writer: its prepared commands over the writer connection.</typeparam>
internal sealed class SqliteStoreConnection<TWriter> : IDisposable
    where TWriter : class, IDisposable
{
    private readonly Func<SqliteConnection, TWriter> _createWriter;
    private readonly object _owner;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private volatile TWriter? _writer;
    private volatile bool _disposed;

    /// <summary>Initializes a new instance. Nothing is opened until first use.</summary>
    /// <param name="options">The store's settings.</param>
    /// <param name="createWriter">Creates the writer over the opened (and migrated) writer connection.</param>
    /// <param name="owner">The store, named by <see cref="ObjectDisposedException"/> after disposal.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public SqliteStoreConnection(SqliteTraceStoreOptions options, Func<SqliteConnection, TWriter> createWriter, object owner)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = SqliteTraceStoreOptionsValidator.GetFailures(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        Database = new SqliteDatabase(options);
        _createWriter = createWriter;
        _owner = owner;
    }

    public SqliteDatabase Database { get; }

    public async Task<T> WriteAsync<T>(Func<TWriter, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, _owner);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, _owner);
            cancellationToken.ThrowIfCancellationRequested();
            _writer ??= OpenWriter();
            return work(_writer);
        }
        catch (SqliteException exception)
        {
            throw Database.Explain(exception, "Cannot write to");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs a write that may add webhook rows in its transaction (given the publisher only when it has endpoints;
    /// otherwise <paramref name="unrouted"/>, when the store writes unrouted events), and wakes the dispatcher once the
    /// write committed deliveries.</summary>
    public async Task<T> WriteWithWebhooksAsync<T>(WebhookPublisher? webhooks, Func<TWriter, WebhookPublisher?, (T Value, bool WroteWebhooks)> work, CancellationToken cancellationToken, WebhookPublisher? unrouted = null)
    {
        var target = webhooks is { IsEnabled: true } ? webhooks : unrouted;
        var (value, wrote) = await WriteAsync(writer => work(writer, target), cancellationToken).ConfigureAwait(false);
        if (wrote)
        {
            target!.NotifyWritten();
        }

        return value;
    }

    public async Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return Read(() =>
        {
            using var connection = Database.OpenReader();
            return work(connection);
        });
    }

    /// <summary>Runs a read on a connection the caller holds (a stream of pages), with the same errors as <see cref="ReadAsync"/>.</summary>
    public T Read<T>(Func<T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, _owner);
        try
        {
            return work();
        }
        catch (SqliteException exception)
        {
            throw Database.Explain(exception, "Cannot read");
        }
    }

    /// <summary>Opens (and creates or migrates) the file through the writer once; reads wait for that.</summary>
    public Task EnsureOpenAsync(CancellationToken cancellationToken) =>
        _writer is null || _disposed ? WriteAsync(static _ => true, cancellationToken) : Task.CompletedTask;

    private TWriter OpenWriter()
    {
        var connection = Database.OpenWriter();
        try
        {
            return _createWriter(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the writer connection, waiting for a write in progress to finish, and the idle pooled readers of
    /// the file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _writeLock.Wait();
        try
        {
            _writer?.Dispose();
            _writer = null;
        }
        finally
        {
            _writeLock.Release();
        }

        Database.CloseReaders();
    }
}
