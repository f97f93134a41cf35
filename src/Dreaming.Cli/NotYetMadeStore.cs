namespace Dreaming.Cli;

/// <summary>A store of a PostgreSQL schema that did not hold its tables when the command started
/// (<see cref="CliServices.ReadMissingAsEmpty"/>): until they are there, it answers as an empty store of its kind and
/// creates nothing (a read would otherwise change the schema, and fail for a role that may only read); once
/// <see cref="SchemaComponents"/> finds them (the app made them since), it goes to the database's store.</summary>
/// <typeparam name="TStore">The store's interface.</typeparam>
/// <param name="database">The PostgreSQL store on the schema.</param>
/// <param name="empty">The empty store that answers meanwhile.</param>
/// <param name="components">The schema's components.</param>
/// <param name="needs">The components whose tables the store reads.</param>
internal abstract class NotYetMadeStore<TStore>(TStore database, TStore empty, SchemaComponents components, params string[] needs) : IAsyncDisposable
    where TStore : class
{
    private volatile bool _made;

    /// <summary>Gets the store the calls go to now: the empty one until the tables were found, or a change made them.</summary>
    public TStore Current => _made ? database : empty;

    /// <summary>Gets the database's store.</summary>
    protected TStore Database => database;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => database is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>The store a call goes to: the database's once its tables are there (the schema read again at most every
    /// <see cref="SchemaComponents.RecheckInterval"/> while they are not).</summary>
    protected async ValueTask<TStore> StoreAsync(CancellationToken cancellationToken)
    {
        if (_made)
        {
            return database;
        }

        foreach (var component in needs)
        {
            if (!await components.HasAsync(component, cancellationToken).ConfigureAwait(false))
            {
                return empty;
            }
        }

        _made = true;
        return database;
    }

    /// <summary>Records that a change went to the database's store, which made its tables.</summary>
    protected void Made() => _made = true;
}
