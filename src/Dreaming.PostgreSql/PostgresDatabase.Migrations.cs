using System.Globalization;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>The migrations of a component's tables: <c>schema_versions</c>, its versions and <c>compatible_from</c>,
/// the advisory lock they run under, the ensured indexes, and the refusal of a schema a newer package
/// migrated.</summary>
internal sealed partial class PostgresDatabase
{
    /// <summary>Brings a component's tables to the newest version, once per database object: a failed attempt (the server was
    /// down, say) is retried by the next call.</summary>
    /// <param name="component">The component, such as <c>traces</c>; its version is kept in <c>schema_versions</c>.</param>
    /// <param name="migrations">Script <c>i</c> moves the component from version <c>i</c> to <c>i + 1</c>. Append to change the
    /// tables; never edit a script that has shipped.</param>
    /// <param name="cancellationToken">Cancels the wait; a migration already running finishes for the next caller.</param>
    /// <returns>A task that completes when the tables are ready.</returns>
    /// <exception cref="TraceStoreException">The schema holds a newer version of the component than this package knows, whose
    /// row does not say that this package can use it (<c>compatible_from</c> absent, NULL or above this package's version).</exception>
    public Task EnsureMigratedAsync(string component, IReadOnlyList<string> migrations, CancellationToken cancellationToken) =>
        EnsureMigratedAsync(component, migrations, [], cancellationToken);

    /// <summary>Brings a component's tables to the newest version and creates the <paramref name="ensuredIndexes"/> the schema
    /// lacks, once per database object: a failed attempt (the server was down, say) is retried by the next call.</summary>
    /// <param name="component">The component, such as <c>dream_runs</c>; its version is kept in <c>schema_versions</c>.</param>
    /// <param name="migrations">Script <c>i</c> moves the component from version <c>i</c> to <c>i + 1</c>.</param>
    /// <param name="ensuredIndexes">Indexes (a name and what follows <c>ON</c>) created after the migrations, in the same
    /// transaction, when the schema has no valid index of that name (an invalid one, left by a <c>CREATE INDEX
    /// CONCURRENTLY</c> that failed, is dropped and built again), with no new version: a package before them still opens the
    /// schema. An operator may build them beforehand with <c>CREATE INDEX CONCURRENTLY</c> under these names. A role that may
    /// not create them (one that may only read) reads without them.</param>
    /// <param name="cancellationToken">Cancels the wait; a migration already running finishes for the next caller.</param>
    /// <returns>A task that completes when the tables are ready.</returns>
    /// <exception cref="TraceStoreException">The schema holds a newer version of the component than this package knows, whose
    /// row does not say that this package can use it (<c>compatible_from</c> absent, NULL or above this package's version).</exception>
    public Task EnsureMigratedAsync(string component, IReadOnlyList<string> migrations, IReadOnlyList<(string Name, string On)> ensuredIndexes, CancellationToken cancellationToken)
    {
        Task migrating;
        lock (_gate)
        {
            if (!_migrated.TryGetValue(component, out migrating!) || migrating.IsFaulted || migrating.IsCanceled)
            {
                migrating = MigrateAsync(component, migrations, ensuredIndexes);
                _migrated[component] = migrating;
            }
        }

        return migrating.IsCompletedSuccessfully ? Task.CompletedTask : migrating.WaitAsync(cancellationToken);
    }

    /// <summary>Runs the migrations a component lacks, and builds the ensured indexes it lacks, in one transaction under the
    /// schema's advisory lock.</summary>
    private async Task MigrateAsync(string component, IReadOnlyList<string> migrations, IReadOnlyList<(string Name, string On)> ensuredIndexes)
    {
        await using var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false);

        // A component already at this version needs no lock and no DDL: read it first, so that a role that may only read
        // the tables (a reviewer running the dreaming tool) can use the stores, which CREATE TABLE IF NOT EXISTS refused.
        var read = await ReadVersionAsync(connection, component).ConfigureAwait(false);
        if (read is { } current && current.Version >= migrations.Count)
        {
            ThrowIfNewer(component, current, migrations.Count);

            // A newer package migrated the tables and says this one can use them: used as they are, no DDL, no index of
            // this package's built on tables it does not know.
            if (current.Version > migrations.Count || (await ReadUnbuiltIndexesAsync(connection, transaction: null, ensuredIndexes).ConfigureAwait(false)).Count == 0)
            {
                return;
            }
        }

        try
        {
            await MigrateLockedAsync(connection, component, migrations, ensuredIndexes).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege && read is { } atVersion && atVersion.Version >= migrations.Count)
        {
            // Only ensured indexes are missing, and this role may not build them: an index only speeds reads up, so it reads
            // without them, and the next start of the role that owns the tables builds them.
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege && read is { Version: var older })
        {
            // A role that may only read tables an older package made (a reviewer whose dreaming tool is newer than the app)
            // cannot migrate them: say so, rather than only "permission denied for schema".
            throw new TraceStoreException(
                $"The PostgreSQL schema '{Location}' holds version {older} of the {component} tables, and this version of Dreaming.PostgreSql needs version {migrations.Count}, which this role may not migrate ({exception.SqlState}: {exception.MessageText}): start the application (or the tool) once with the role that owns the tables, so that it migrates them.",
                exception);
        }
    }

    /// <summary>Runs the migrations a component lacks under the schema's advisory lock, in one transaction.</summary>
    private async Task MigrateLockedAsync(NpgsqlConnection connection, string component, IReadOnlyList<string> migrations, IReadOnlyList<(string Name, string On)> ensuredIndexes)
    {
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);

        // Every instance starting waits on this lock, and every statement on a table the migration alters waits on that
        // table's lock: the same statement bounds how long the transaction may then sit idle (IdleLimit), so a host frozen
        // or cut off mid-migration frees them after CommandTimeout rather than when TCP keepalive gives up.
        await ExecuteAsync(connection, transaction, $"SELECT {IdleLimit}, pg_advisory_xact_lock(hashtextextended('dreaming.schema:' || @schema, 0))", ("schema", Schema)).ConfigureAwait(false);

        // CREATE SCHEMA needs the CREATE privilege on the database even when the schema exists, so it is only run when
        // the schema is missing: a user limited to a schema made for it beforehand can still use the stores.
        await using (var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", connection, transaction))
        {
            exists.Parameters.AddWithValue("schema", Schema);
            if (!(bool)(await exists.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!)
            {
                // The name was checked to be a plain identifier (PostgresStoreOptionsValidator), so it can be written in.
                await ExecuteAsync(connection, transaction, $"CREATE SCHEMA \"{Schema}\"").ConfigureAwait(false);
            }
        }

        await ExecuteAsync(
            connection,
            transaction,
            "CREATE TABLE IF NOT EXISTS schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now(), compatible_from integer)").ConfigureAwait(false);

        var stored = await ReadRowAsync(connection, transaction, component).ConfigureAwait(false);
        var version = stored?.Version ?? 0;
        if (stored is { } row)
        {
            ThrowIfNewer(component, row, migrations.Count);
            if (row.Version > migrations.Count)
            {
                // Migrated meanwhile by a newer package that says this one can use the tables.
                return;
            }
        }

        for (var i = version; i < migrations.Count; i++)
        {
            await ExecuteAsync(connection, transaction, migrations[i]).ConfigureAwait(false);
        }

        // CREATE INDEX (not CONCURRENTLY, which cannot run in a transaction) holds a lock that makes writes to the table wait
        // until it is built, and reads go on: a few seconds for a million dream runs (postgresql.md, migrations).
        foreach (var (name, on, invalid) in await ReadUnbuiltIndexesAsync(connection, transaction, ensuredIndexes).ConfigureAwait(false))
        {
            await ExecuteAsync(connection, transaction, (invalid ? $"DROP INDEX {name}; " : string.Empty) + $"CREATE INDEX {name} ON {on}").ConfigureAwait(false);
        }

        if (version < migrations.Count)
        {
            // A table a package before the column made gains it here, under the schema's lock, with the first migration of
            // a component this package makes (a package before it names its columns, so reads and writes it as before).
            await using (var hasColumn = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'schema_versions'::regclass AND attname = 'compatible_from' AND NOT attisdropped)",
                connection,
                transaction))
            {
                if (!(bool)(await hasColumn.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!)
                {
                    await ExecuteAsync(connection, transaction, "ALTER TABLE schema_versions ADD COLUMN compatible_from integer").ConfigureAwait(false);
                }
            }

            // Each of this package's migrations says its own version: the column is new, so no package that reads it knows
            // an older version of these tables. A later migration may write an older package's version, which then opens the
            // tables as they are and writes them beside the newer one, only when each reads rightly what the other writes:
            // its statements still run (a nullable column, an index), a new column is read as "not known" when NULL in the
            // older package's rows (not one it should have kept in step), and no column it reads gets values it does not
            // know (a new status). Otherwise the migration writes its own version (postgresql.md, migrations).
            await ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO schema_versions (component, version, compatible_from) VALUES (@component, @version, @version) "
                + "ON CONFLICT (component) DO UPDATE SET version = excluded.version, compatible_from = excluded.compatible_from, migrated_at = now()",
                ("component", component),
                ("version", migrations.Count)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Reads which of <paramref name="indexes"/> the schema has no valid index of (none, or an invalid one that a
    /// <c>CREATE INDEX CONCURRENTLY</c> that failed left, whose name <c>IF NOT EXISTS</c> would take as built).</summary>
    private async Task<List<(string Name, string On, bool Invalid)>> ReadUnbuiltIndexesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<(string Name, string On)> indexes)
    {
        if (indexes.Count == 0)
        {
            return [];
        }

        var valid = new Dictionary<string, bool>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            "SELECT c.relname, coalesce(i.indisvalid, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = c.oid WHERE n.nspname = @schema AND c.relname = ANY(@names)",
            connection,
            transaction))
        {
            command.Parameters.AddWithValue("schema", Schema);
            command.Parameters.AddWithValue("names", indexes.Select(index => index.Name).ToArray());
            await using var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                valid[reader.GetString(0)] = reader.GetBoolean(1);
            }
        }

        return [.. indexes.Where(index => !valid.GetValueOrDefault(index.Name)).Select(index => (index.Name, index.On, valid.ContainsKey(index.Name)))];
    }

    /// <summary>Reads a component's version without a lock, or <see langword="null"/> when the schema or its
    /// <c>schema_versions</c> table does not exist (or the role cannot see it) or the component has no row.</summary>
    private static async Task<StoredVersion?> ReadVersionAsync(NpgsqlConnection connection, string component)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_versions') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!)
            {
                return null;
            }
        }

        return await ReadRowAsync(connection, transaction: null, component).ConfigureAwait(false);
    }

    /// <summary>Reads a component's row of <c>schema_versions</c>: its version, when it was migrated to it (UTC), and the
    /// oldest version whose package can use the tables (<c>compatible_from</c>; <see langword="null"/> in a row a package
    /// before the column wrote, or a table without it: read through the row as JSON, so the same statement reads both).</summary>
    private static async Task<StoredVersion?> ReadRowAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string component)
    {
        await using var read = new NpgsqlCommand(
            "SELECT version, migrated_at, (to_jsonb(s) ->> 'compatible_from')::integer FROM schema_versions s WHERE component = @component",
            connection,
            transaction);
        read.Parameters.AddWithValue("component", component);
        await using var reader = await read.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
        return await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false)
            ? new StoredVersion(reader.GetInt32(0), reader.GetDateTime(1), reader.IsDBNull(2) ? null : reader.GetInt32(2))
            : null;
    }

    /// <summary>Refuses a component a newer package migrated, unless its row says a package of <paramref name="known"/>
    /// can use the tables (<see cref="StoredVersion.CompatibleFrom"/>), saying when, that nothing migrates it back, and what
    /// a team rolling back can do (an instance of the older build started after a rolling upgrade meets this).
    /// <c>migrated_at</c> is the time of the last migration only: after two upgrades, a backup taken between them still
    /// holds a version this package refuses, so the message names the version the backup must hold.</summary>
    private void ThrowIfNewer(string component, StoredVersion stored, int known)
    {
        if (stored.Version > known && !(stored.CompatibleFrom <= known))
        {
            var from = stored.CompatibleFrom is { } compatible ? string.Create(CultureInfo.InvariantCulture, $", which no package before version {compatible} can use") : string.Empty;
            throw new TraceStoreException(string.Create(
                CultureInfo.InvariantCulture,
                $"The PostgreSQL schema '{Location}' holds version {stored.Version} of the {component} tables, newer than this version of Dreaming.PostgreSql knows ({known}){from}: "
                + $"a newer package migrated them at {stored.MigratedAt:yyyy-MM-dd HH:mm:ss} UTC, and no package migrates them back. Run the newer package (on every instance, "
                + $"and the dreaming tool), or, to roll back to this one, restore the schema from a backup that holds version {known} or older (taken before that time, and before any "
                + $"other package newer than this one started on it), or use another schema."));
        }
    }

    /// <summary>A component's row of <c>schema_versions</c>.</summary>
    /// <param name="Version">The version of its tables.</param>
    /// <param name="MigratedAt">When a package migrated them to it (UTC).</param>
    /// <param name="CompatibleFrom">The oldest version whose package can use the tables as they are, as the package that
    /// migrated them said; <see langword="null"/> when it did not say (a package before the column): only a package of
    /// <paramref name="Version"/> or newer can.</param>
    private readonly record struct StoredVersion(int Version, DateTime MigratedAt, int? CompatibleFrom);
}
