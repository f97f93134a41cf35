using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>The schema of the store and the migrations that build it. The version lives in <c>PRAGMA user_version</c>.</summary>
internal static partial class SqliteSchema
{
    /// <summary>The tables of the store, used to tell a store from an unrelated database.</summary>
    public static readonly string[] Tables = ["sessions", "events"];

    /// <summary>Migration <c>i</c> moves the schema from version <c>i</c> to <c>i + 1</c>.</summary>
    /// <remarks>Append a new script to change the schema; never edit one that has shipped, because files in the field
    /// already ran it. Visible to tests, which build files of an older version with the scripts of that version.</remarks>
    internal static readonly string[] Migrations =
    [
        // Version 1: sessions and their events. Times are unix milliseconds; collections and payloads are JSON.
        """
        CREATE TABLE sessions (
            id TEXT NOT NULL PRIMARY KEY,
            agent_id TEXT NOT NULL,
            agent_version TEXT,
            scope TEXT,
            task TEXT NOT NULL,
            parent_id TEXT,
            status INTEGER NOT NULL,
            started_ms INTEGER NOT NULL,
            ended_ms INTEGER,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            model_calls INTEGER NOT NULL,
            cost_minor_units INTEGER NOT NULL,
            memory_version_id TEXT,
            insight_ids TEXT NOT NULL,
            metadata TEXT NOT NULL,
            outcome_label TEXT,
            outcome_score REAL,
            outcome_source TEXT,
            dropped_event_count INTEGER NOT NULL,
            event_count INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE events (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        ) WITHOUT ROWID;

        CREATE INDEX ix_sessions_started ON sessions (started_ms, id);
        CREATE INDEX ix_sessions_agent_started ON sessions (agent_id, started_ms, id);
        CREATE INDEX ix_sessions_status_started ON sessions (status, started_ms, id);
        CREATE INDEX ix_sessions_outcome_started ON sessions (outcome_label, started_ms, id);
        CREATE INDEX ix_sessions_parent_started ON sessions (parent_id, started_ms, id);
        """,

        // Version 2: versioned memory. One row per version and one per insight of a version (a version holds its full set).
        // Scopes are keys (agent:<id>, team:<id>, global); enums are lower-case names; trigger lists and evidence are JSON.
        // The partial unique index allows one active version per scope; the triggers refuse to delete anything or to change
        // what a version holds, so history survives even a buggy caller.
        """
        CREATE TABLE memory_versions (
            id TEXT NOT NULL PRIMARY KEY,
            scope TEXT NOT NULL,
            number INTEGER NOT NULL,
            parent_id TEXT REFERENCES memory_versions (id),
            restored_from_id TEXT REFERENCES memory_versions (id),
            author_kind TEXT NOT NULL,
            author_id TEXT NOT NULL,
            state TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            note TEXT,
            insight_count INTEGER NOT NULL,
            reviewer_kind TEXT,
            reviewer_id TEXT,
            reviewed_ms INTEGER,
            review_note TEXT,
            superseded_ms INTEGER,
            superseded_by_id TEXT REFERENCES memory_versions (id),
            UNIQUE (scope, number)
        );

        CREATE UNIQUE INDEX ux_memory_versions_active ON memory_versions (scope) WHERE state = 'active';

        CREATE TABLE memory_insights (
            version_id TEXT NOT NULL REFERENCES memory_versions (id),
            id TEXT NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            trigger_tools TEXT NOT NULL,
            trigger_keywords TEXT NOT NULL,
            evidence TEXT NOT NULL,
            helpful INTEGER NOT NULL,
            harmful INTEGER NOT NULL,
            seen INTEGER NOT NULL,
            status TEXT NOT NULL,
            source TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (version_id, id)
        ) WITHOUT ROWID;

        CREATE INDEX ix_memory_insights_insight ON memory_insights (id, version_id);

        CREATE TRIGGER memory_versions_never_deleted BEFORE DELETE ON memory_versions
        BEGIN SELECT RAISE(ABORT, 'memory versions are never deleted'); END;

        CREATE TRIGGER memory_versions_content_immutable
        BEFORE UPDATE OF id, scope, number, parent_id, restored_from_id, author_kind, author_id, created_ms, note, insight_count ON memory_versions
        BEGIN SELECT RAISE(ABORT, 'the content of a memory version never changes; only its review state does'); END;

        CREATE TRIGGER memory_insights_never_deleted BEFORE DELETE ON memory_insights
        BEGIN SELECT RAISE(ABORT, 'memory insights are never deleted'); END;

        CREATE TRIGGER memory_insights_immutable BEFORE UPDATE ON memory_insights
        BEGIN SELECT RAISE(ABORT, 'memory insights never change; a new version carries the changed copy'); END;
        """,

        // Version 3: dream runs. seq (the rowid) keeps creation order for ties; the request columns never change once stored;
        // results that have no query of their own (session ids, stage usage, the report) are JSON. The partial unique index
        // allows one running dream per scope; the triggers refuse to delete a run or to change a finished one.
        """
        CREATE TABLE dream_runs (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            scope TEXT NOT NULL,
            status TEXT NOT NULL,
            requested_ms INTEGER NOT NULL,
            started_ms INTEGER,
            ended_ms INTEGER,
            instructions TEXT,
            max_sessions INTEGER NOT NULL,
            min_sessions INTEGER NOT NULL,
            review_mode TEXT NOT NULL,
            lease_holder TEXT,
            lease_expires_ms INTEGER,
            input_version_id TEXT,
            session_ids TEXT NOT NULL,
            cursor_ended_ms INTEGER,
            cursor_session_id TEXT,
            stage_usage TEXT NOT NULL,
            report TEXT NOT NULL,
            output_version_id TEXT,
            note TEXT,
            error TEXT
        );

        CREATE UNIQUE INDEX ux_dream_runs_running ON dream_runs (scope) WHERE status = 'running';
        CREATE INDEX ix_dream_runs_scope_requested ON dream_runs (scope, requested_ms, seq);
        CREATE INDEX ix_dream_runs_scope_status_ended ON dream_runs (scope, status, ended_ms, seq);

        CREATE TRIGGER dream_runs_never_deleted BEFORE DELETE ON dream_runs
        BEGIN SELECT RAISE(ABORT, 'dream runs are never deleted'); END;

        CREATE TRIGGER dream_runs_request_immutable
        BEFORE UPDATE OF seq, id, scope, requested_ms, instructions, max_sessions, min_sessions, review_mode ON dream_runs
        BEGIN SELECT RAISE(ABORT, 'the request of a dream run never changes'); END;

        CREATE TRIGGER dream_runs_finished_immutable BEFORE UPDATE ON dream_runs
        WHEN OLD.status IN ('completed', 'failed', 'canceled')
        BEGIN SELECT RAISE(ABORT, 'a finished dream run never changes'); END;
        """,

        // Version 4: a dream's token budget (part of its immutable request) and whether the run reached it.
        """
        ALTER TABLE dream_runs ADD COLUMN token_budget INTEGER;
        ALTER TABLE dream_runs ADD COLUMN budget_reached INTEGER NOT NULL DEFAULT 0;

        DROP TRIGGER dream_runs_request_immutable;
        CREATE TRIGGER dream_runs_request_immutable
        BEFORE UPDATE OF seq, id, scope, requested_ms, instructions, max_sessions, min_sessions, review_mode, token_budget ON dream_runs
        BEGIN SELECT RAISE(ABORT, 'the request of a dream run never changes'); END;
        """,

        // Version 5: the webhook outbox. One row per event (its body is fixed once written, so every retry sends the same
        // bytes) and one per event and endpoint; the partial index finds due deliveries without reading delivered ones.
        // Endpoint rows keep what delivery learnt (disabled, consecutive failures); their URLs and secrets stay in settings.
        """
        CREATE TABLE webhook_events (
            id TEXT NOT NULL PRIMARY KEY,
            type TEXT NOT NULL,
            body TEXT NOT NULL,
            created_ms INTEGER NOT NULL
        );

        CREATE TABLE webhook_deliveries (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            event_id TEXT NOT NULL REFERENCES webhook_events (id),
            endpoint_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            next_attempt_ms INTEGER NOT NULL,
            last_attempt_ms INTEGER,
            last_status INTEGER,
            last_error TEXT,
            delivered_ms INTEGER,
            UNIQUE (event_id, endpoint_id)
        );

        CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_ms, seq) WHERE state = 'pending';
        CREATE INDEX ix_webhook_deliveries_state ON webhook_deliveries (state, seq);

        CREATE TABLE webhook_endpoints (
            id TEXT NOT NULL PRIMARY KEY,
            disabled_reason TEXT,
            disabled_ms INTEGER,
            consecutive_failures INTEGER NOT NULL
        );

        CREATE TRIGGER webhook_events_never_deleted BEFORE DELETE ON webhook_events
        BEGIN SELECT RAISE(ABORT, 'webhook events are never deleted'); END;

        CREATE TRIGGER webhook_events_immutable BEFORE UPDATE ON webhook_events
        BEGIN SELECT RAISE(ABORT, 'a webhook event never changes, so every retry sends the same body'); END;
        """,

        // Version 6: a dream's lookback (DreamRunRequest.Lookback in ticks, so it round-trips exactly, and
        // MaxLookbackSessions), part of its immutable request. A run stored before has none (null, and the default count).
        """
        ALTER TABLE dream_runs ADD COLUMN lookback_ticks INTEGER;
        ALTER TABLE dream_runs ADD COLUMN max_lookback_sessions INTEGER;

        DROP TRIGGER dream_runs_request_immutable;
        CREATE TRIGGER dream_runs_request_immutable
        BEFORE UPDATE OF seq, id, scope, requested_ms, instructions, max_sessions, min_sessions, review_mode, token_budget, lookback_ticks, max_lookback_sessions ON dream_runs
        BEGIN SELECT RAISE(ABORT, 'the request of a dream run never changes'); END;
        """,
    ];

    /// <summary>Gets the schema version this library writes and understands.</summary>
    public static int LatestVersion => Migrations.Length;

    /// <summary>Reads the schema version, whether any table of the store exists and whether every ensured index exists,
    /// from one snapshot of the file, without writing anything or taking the write lock.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The transaction to read in, if any.</param>
    /// <returns>What the file holds.</returns>
    public static SqliteSchemaState Read(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        // One statement, so all are read from one snapshot of the file: read apart, outside a transaction, another
        // process creating the store in between made a new file look like one with store tables but no version.
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = ReadStatement;
        command.Parameters.AddWithValue("$t0", Tables[0]);
        command.Parameters.AddWithValue("$t1", Tables[1]);
        for (var i = 0; i < EnsuredIndexNames.Length; i++)
        {
            command.Parameters.AddWithValue("$i" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), EnsuredIndexNames[i]);
        }

        for (var i = 0; i < EnsuredTableNames.Length; i++)
        {
            command.Parameters.AddWithValue("$e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), EnsuredTableNames[i]);
        }

        for (var i = 0; i < EnsuredDroppedIndexList.Length; i++)
        {
            command.Parameters.AddWithValue("$d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), EnsuredDroppedIndexList[i]);
        }

        for (var i = 0; i < ChangeTriggerNames.Length; i++)
        {
            command.Parameters.AddWithValue("$g" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), ChangeTriggerNames[i]);
        }

        using var reader = command.ExecuteReader();
        reader.Read();
        return new SqliteSchemaState(
            reader.GetInt64(0),
            reader.GetInt64(1) > 0,
            reader.GetInt64(2) == EnsuredIndexNames.Length && reader.GetInt64(3) == EnsuredTableNames.Length && reader.GetInt64(4) == 0
                && reader.GetInt64(5) == 1 && reader.GetInt64(6) == ChangeTriggerNames.Length,
            reader.GetInt64(5) == 1,
            reader.GetInt64(7) == 1);
    }

    /// <summary>Tells whether a database can be used as a store, from what <see cref="Read"/> found.</summary>
    /// <param name="version">The schema version.</param>
    /// <param name="hasStoreTables">Whether a table of the store exists; <see langword="null"/> when not known (the check of
    /// the file's header at host start, which reads no table).</param>
    /// <param name="location">The path of the database, for the message.</param>
    /// <returns>What is wrong, or <see langword="null"/> when the database is a store (of this or an older version) or a new one.</returns>
    /// <remarks>Version 0 without store tables is a new store even when unrelated tables exist: they are left alone. A
    /// version without store tables is another application's, whatever its number: many set <c>PRAGMA user_version</c>
    /// for a schema of their own, and a number past this library's says nothing of Dreaming.Sqlite there.</remarks>
    public static string? FindProblem(long version, bool? hasStoreTables, string location)
    {
        if (version < 0 || (version > 0 && hasStoreTables == false))
        {
            return $"Cannot open the trace store '{location}': its user_version is {version} but it has none of the Dreaming tables, so another application owns it. Use a file of its own.";
        }

        if (version > LatestVersion)
        {
            return hasStoreTables is null
                ? $"Cannot open the trace store '{location}': schema version {version} is newer than this library supports ({LatestVersion}); upgrade Dreaming.Sqlite, or, if another application owns this file (its own PRAGMA user_version), give the stores a file of their own."
                : $"Cannot open the trace store '{location}': schema version {version} is newer than this library supports ({LatestVersion}); upgrade Dreaming.Sqlite.";
        }

        if (version == 0 && hasStoreTables == true)
        {
            return $"Cannot open the trace store '{location}': it has a '{Tables[0]}' or '{Tables[1]}' table but no schema version, so Dreaming.Sqlite did not create it. Use a file of its own.";
        }

        return null;
    }

    /// <summary>Runs the missing migrations, stamps the new version and creates the ensured tables and indexes
    /// (<see cref="EnsuredIndexes"/>) a file lacks, in one immediate transaction (it takes the write lock, so it waits for another process's write).</summary>
    /// <remarks>The writer calls it only when <see cref="Read"/>, outside a transaction, found the file not
    /// <see cref="SqliteSchemaState.IsCurrent"/>; it reads the state again under the lock, so another process migrating
    /// the file at the same time is seen.</remarks>
    /// <param name="connection">An open, writable connection.</param>
    /// <param name="location">The path of the database, for messages.</param>
    /// <exception cref="TraceStoreException">The database cannot be migrated (see <see cref="FindProblem"/>).</exception>
    public static void Migrate(SqliteConnection connection, string location)
    {
        // An immediate transaction holds the write lock, so another process cannot migrate between the check and the scripts.
        using var transaction = connection.BeginTransaction(deferred: false);
        var (version, hasStoreTables, _, hasChangeColumn, hasMinScopesColumn) = Read(connection, transaction);
        if (FindProblem(version, hasStoreTables, location) is { } problem)
        {
            throw new TraceStoreException(problem);
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        if (version < LatestVersion)
        {
            for (var next = (int)version; next < LatestVersion; next++)
            {
                command.CommandText = Migrations[next];
                command.ExecuteNonQuery();
            }

            // PRAGMA takes no parameters; the value is a compile-time constant.
            command.CommandText = "PRAGMA user_version = " + LatestVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";";
            command.ExecuteNonQuery();
        }

        // The change column first (the ensured index on it needs it); SQLite has no ADD COLUMN IF NOT EXISTS. Writes nothing
        // when the file has them all, so a commit then costs nothing.
        if (!hasChangeColumn)
        {
            command.CommandText = AddChangeColumn;
            command.ExecuteNonQuery();
        }

        // The dream runs' min_scopes column and the request trigger over it, after the migrations (which create the table).
        if (!hasMinScopesColumn)
        {
            command.CommandText = AddMinScopesColumn;
            command.ExecuteNonQuery();
        }

        DropStaleChangeTriggers(command);
        command.CommandText = EnsuredIndexes + ChangeTriggers;
        command.ExecuteNonQuery();
        transaction.Commit();
    }
}

/// <summary>What <see cref="SqliteSchema.Read"/> found in a file, from one snapshot.</summary>
/// <param name="Version">The schema version (<c>PRAGMA user_version</c>).</param>
/// <param name="HasStoreTables">Whether a table of the store exists.</param>
/// <param name="HasEnsuredIndexes">Whether every one of <see cref="SqliteSchema.EnsuredIndexNames"/> and of
/// <see cref="SqliteSchema.EnsuredTableNames"/> exists, none of the indexes they replace, the change column and every one of
/// <see cref="SqliteSchema.ChangeTriggerNames"/>, of <see cref="SqliteSchema.ChangeTriggerVersion"/> or later.</param>
/// <param name="HasChangeColumn">Whether the sessions have the <see cref="SqliteSchema.ChangeColumn"/>.</param>
/// <param name="HasMinScopesColumn">Whether the dream runs have the <see cref="SqliteSchema.MinScopesColumn"/>.</param>
internal readonly record struct SqliteSchemaState(long Version, bool HasStoreTables, bool HasEnsuredIndexes, bool HasChangeColumn, bool HasMinScopesColumn)
{
    /// <summary>Gets a value indicating whether the file is a store of the current version with every ensured index and table,
    /// so that <see cref="SqliteSchema.Migrate"/> would write nothing and need not take the write lock.</summary>
    public bool IsCurrent => Version == SqliteSchema.LatestVersion && HasStoreTables && HasEnsuredIndexes && HasMinScopesColumn;
}
