namespace Dreaming.Cli;

/// <summary>Which stores' tables a PostgreSQL schema holds (the components its <c>schema_versions</c> names), as read when
/// the command started, and read again while a component asked for is missing, at most once every
/// <see cref="RecheckInterval"/>: an app that records sessions makes its memory, dream run and outbox tables only when it
/// first dreams or writes a webhook event, and a command that runs on (the view) then shows what they hold without a
/// restart. Thread-safe.</summary>
internal sealed class SchemaComponents
{
    /// <summary>How long a component found missing is taken as missing before the schema is read again.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    private readonly Func<CancellationToken, Task<IReadOnlySet<string>>> _read;
    private readonly TimeProvider _time;
    private volatile IReadOnlySet<string> _present;
    private long _readAt;
    private int _reading;

    /// <param name="database">The PostgreSQL database and schema.</param>
    /// <param name="present">The components the schema held when the command started.</param>
    /// <param name="time">The clock of <see cref="RecheckInterval"/>; the system's when <see langword="null"/>.</param>
    public SchemaComponents(CliDatabase database, IReadOnlySet<string> present, TimeProvider? time = null)
        : this(async cancellationToken => (await CliServices.ReadSchemaAsync(database, cancellationToken).ConfigureAwait(false)).Components, present, time)
    {
    }

    /// <param name="read">Reads the components the schema holds now (<see cref="CliServices.ReadSchemaAsync"/>).</param>
    /// <param name="present">The components the schema held when the command started.</param>
    /// <param name="time">The clock of <see cref="RecheckInterval"/>; the system's when <see langword="null"/>.</param>
    public SchemaComponents(Func<CancellationToken, Task<IReadOnlySet<string>>> read, IReadOnlySet<string> present, TimeProvider? time = null)
    {
        _read = read;
        _present = present;
        _time = time ?? TimeProvider.System;
        _readAt = _time.GetTimestamp();
    }

    /// <summary>Gets the components the schema held when it was last read.</summary>
    public IReadOnlySet<string> Present => _present;

    /// <summary>Whether the schema held <paramref name="component"/> when it was last read.</summary>
    public bool Contains(string component) => _present.Contains(component);

    /// <summary>Whether the schema holds <paramref name="component"/>: known at once once found (a store's tables are never
    /// dropped by the app), read again when it was missing at the last read, <see cref="RecheckInterval"/> or more ago (one
    /// read at a time: a caller that comes during another's read takes the last answer).</summary>
    /// <exception cref="TraceStoreException">The server cannot be reached, naming the database.</exception>
    public async ValueTask<bool> HasAsync(string component, CancellationToken cancellationToken)
    {
        if (_present.Contains(component) || _time.GetElapsedTime(Interlocked.Read(ref _readAt)) < RecheckInterval)
        {
            return _present.Contains(component);
        }

        if (Interlocked.CompareExchange(ref _reading, 1, 0) != 0)
        {
            return false;
        }

        try
        {
            // Counted from the read's start, so a server that fails is asked again no sooner either.
            Interlocked.Exchange(ref _readAt, _time.GetTimestamp());
            _present = await _read(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }

        return _present.Contains(component);
    }
}
