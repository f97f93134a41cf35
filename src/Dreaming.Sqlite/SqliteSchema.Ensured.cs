namespace Dreaming.Sqlite;

// The tables and indexes created (and the indexes dropped) on every open of the writer that finds the file without them,
// after the migrations, and the statement that reads the schema's state.
internal static partial class SqliteSchema
{
    /// <summary>Indexes created on every open of the writer that finds one missing, after the migrations, rather than by
    /// a migration: each a name and what follows <c>ON</c>. <see cref="EnsuredIndexes"/> creates them and
    /// <see cref="Read"/> looks for them by name, both from this list, so a new one is never created but not looked for.</summary>
    /// <remarks>An index only speeds up queries: SQLite keeps every index of a table up to date whoever writes the rows, and
    /// no query needs one to be correct. So an index added later goes here, under a name no migration uses, and leaves
    /// <c>user_version</c> alone: a file gains it the first time a build that has it opens the file (a one-time build of
    /// the index, in the migration transaction), and an older build of the same schema version still opens the file,
    /// keeps the index up to date and, without it, only reads more slowly. A later migration that wants one of these
    /// must also say <c>IF NOT EXISTS</c>, as the file may already have it. Never name one of these in an
    /// <c>INDEXED BY</c> clause: a file an older build opened last may lack it, and the statement would then fail to
    /// prepare. The two <c>INDEXED BY</c> hints the store has (<c>ux_dream_runs_running</c> when recovering abandoned
    /// runs, <c>ix_webhook_deliveries_due</c> when claiming deliveries) name indexes their tables' migrations create.</remarks>
    private static readonly (string Name, string On)[] EnsuredIndexList =
    [
        // A team's or tenant's sessions (SessionQuery.Scope, which a team dream reads), in the (start time, id) order
        // and keyset of every session query, so the query seeks to the scope instead of walking every session.
        ("ix_sessions_scope_started", "sessions (scope, started_ms, id)"),

        // The unrouted webhook events oldest first (what a dispatcher routes a batch of, and 'dreaming webhooks list
        // --unrouted' lists), so a backlog is walked in order up to the batch instead of joined, bodies and all, and
        // sorted whole at every pass. The table is an ensured table, created before the ensured indexes.
        ("ix_webhook_unrouted_created", "webhook_unrouted (created_ms, event_id)"),

        // Every session's and an agent's sessions in the (start time, id) order of every session query, with the end time,
        // so a query of the sessions that ended since a time (SessionQuery.EndedFrom: what the dream scheduler asks at every
        // poll, and a dream's selection) compares it in the index and reads only the rows that match, still in page order.
        // They replace the indexes of migration 1 without the end time (EnsuredDroppedIndexList), which they serve as well.
        ("ix_sessions_started_ended", "sessions (started_ms, id, ended_ms)"),
        ("ix_sessions_agent_started_ended", "sessions (agent_id, started_ms, id, ended_ms)"),

        // The sessions changed after a change number (SessionQuery.ChangedAfter: what the dream scheduler's count reads at
        // each poll after its first). Sessions written before the column existed have none, and are not in it.
        ("ix_sessions_change", "sessions (change_no) WHERE change_no IS NOT NULL"),

        // The dream runs of every scope newest first, and those in one state (IDreamRunStore.QueryRunsAsync: what an
        // operator lists during an incident), in the (request time, seq) order and keyset of the query: the rowid (seq)
        // ends every index, so a page seeks to its cursor and reads the page instead of sorting every run ever stored.
        ("ix_dream_runs_requested", "dream_runs (requested_ms)"),
        ("ix_dream_runs_status_requested", "dream_runs (status, requested_ms)"),
    ];

    /// <summary>Indexes of earlier migrations that an index of the <see cref="EnsuredIndexList"/> makes redundant (the same
    /// columns first): dropped after the ensured indexes are created, on the same open, so a file keeps one index per
    /// order and a session write updates no more indexes than before.</summary>
    /// <remarks>Only indexes no build looks for by name go here: an older build of the same schema version checks its own
    /// ensured indexes alone, so it opens such a file as it is and its queries use the wider index (SQLite picks any index
    /// of the file). <c>ix_sessions_scope_started</c> is such a build's ensured index: dropping it would have the build
    /// create it again, so a team's index stays without the end time.</remarks>
    private static readonly string[] EnsuredDroppedIndexList = ["ix_sessions_started", "ix_sessions_agent_started"];

    /// <summary>Tables created on every open of the writer that finds one missing, after the migrations and like the
    /// <see cref="EnsuredIndexList"/>, rather than by a migration: each a name and its definition. A table goes here when
    /// builds that predate it can ignore it safely, so a file it is added to still opens with them (no new
    /// <c>user_version</c>, which they would refuse as newer).</summary>
    /// <remarks><c>webhook_unrouted</c>: events a process without webhook endpoints (the <c>dreaming</c> tool) wrote with
    /// no delivery, for the dispatcher of a host on the same file to route to its endpoints
    /// (<see cref="IWebhookOutboxStore.RouteUnroutedAsync"/>). A build without it neither writes nor routes such events;
    /// its rows only wait.</remarks>
    private static readonly (string Name, string Definition)[] EnsuredTableList =
    [
        ("webhook_unrouted", "(event_id TEXT NOT NULL PRIMARY KEY REFERENCES webhook_events (id), created_ms INTEGER NOT NULL)"),

        // The last session change number given (ChangeNumbers): one row, never decreasing, so a purge of the session with
        // the newest number gives no number twice.
        ("session_change_counter", "(id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)"),
    ];

    /// <summary>The column that holds a session's change number (<see cref="SessionRecord.ChangeNumber"/>), added to the
    /// sessions of a file that lacks it (an ensured column: no new <c>user_version</c>).</summary>
    internal const string ChangeColumn = "change_no";

    /// <summary>The triggers that number each change of a session that can make a dream read it: imported or created
    /// finished (inserted with a status other than running, 0), ended or graded (its status, end time or outcome
    /// updated). A session created running (what recording does) is numbered when it ends; appending events (the event
    /// count) changes nothing.</summary>
    /// <remarks>Triggers rather than the writer's statements, so that a build older than them writing to the same file (a
    /// rolling upgrade, the <c>dreaming</c> tool of an older version) numbers its changes too: SQLite runs a file's
    /// triggers whoever writes. Each takes the next number from <c>session_change_counter</c> in the writing transaction,
    /// and writes are serialized (one write lock per file), so numbers are given in commit order: every number at or below
    /// the counter a reader reads is committed. Sessions written before the file had them keep no number (null): they
    /// changed before every number.</remarks>
    private static readonly (string Name, string On)[] ChangeTriggerList =
    [
        ("tr_sessions_change_insert", "AFTER INSERT ON sessions WHEN NEW.status <> 0"),
        ("tr_sessions_change_update", "AFTER UPDATE OF status, ended_ms, outcome_label, outcome_score, outcome_source ON sessions"),
    ];

    /// <summary>The names of the <see cref="ChangeTriggerList"/>, which <see cref="Read"/> looks for.</summary>
    internal static readonly string[] ChangeTriggerNames = [.. ChangeTriggerList.Select(trigger => trigger.Name)];

    /// <summary>The statement that adds the <see cref="ChangeColumn"/>, run only when <see cref="Read"/> found it missing.</summary>
    internal static readonly string AddChangeColumn = $"ALTER TABLE sessions ADD COLUMN {ChangeColumn} INTEGER;";

    /// <summary>The version of the <see cref="ChangeTriggerList"/>'s definitions, written in each trigger's text
    /// (<see cref="ChangeTriggerMarker"/>): a build that changes what a trigger does or when it runs raises it.</summary>
    /// <remarks><c>CREATE TRIGGER IF NOT EXISTS</c> keeps a trigger of that name whatever it does, so without a version a
    /// changed definition would never reach a file an earlier build gave the triggers. A writer that opens a file whose
    /// trigger says a lower version (or none: the first triggers, version 0) drops and creates it again, in the migration
    /// transaction, under the same name: a build before the versions looks for the triggers by name and opens the file as
    /// it is. A trigger of a higher version (a later build's) is kept and counts as current, so builds of a rolling
    /// upgrade never replace each other's triggers back and forth.</remarks>
    internal const int ChangeTriggerVersion = 1;

    /// <summary>The comment each change trigger's text starts its body with, followed by its version and <c>*/</c>. SQLite
    /// keeps a trigger's text, comments included, in <c>sqlite_master.sql</c>.</summary>
    internal const string ChangeTriggerMarker = "/* dreaming change triggers ";

    /// <summary>The statements that start the counter and create the <see cref="ChangeTriggerList"/> a file lacks (or whose
    /// older version <see cref="DropStaleChangeTriggers"/> dropped), after the ensured tables (the counter) and the column.</summary>
    internal static readonly string ChangeTriggers =
        "INSERT OR IGNORE INTO session_change_counter (id, last) VALUES (1, 0);"
        + string.Concat(ChangeTriggerList.Select(trigger =>
            $"CREATE TRIGGER IF NOT EXISTS {trigger.Name} {trigger.On} BEGIN "
            + ChangeTriggerMarker + ChangeTriggerVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) + " */ "
            + "UPDATE session_change_counter SET last = last + 1 WHERE id = 1; "
            + $"UPDATE sessions SET {ChangeColumn} = (SELECT last FROM session_change_counter WHERE id = 1) WHERE rowid = NEW.rowid; END;"));

    // The version a trigger's text (sqlite_master.sql) says: the integer after the marker, 0 without one.
    private static readonly string ChangeTriggerVersionOfSql =
        $"CASE WHEN instr(sql, '{ChangeTriggerMarker}') = 0 THEN 0 ELSE CAST(substr(sql, instr(sql, '{ChangeTriggerMarker}') + {ChangeTriggerMarker.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)}) AS INTEGER) END";

    /// <summary>Drops the change triggers of the file whose version is lower than <see cref="ChangeTriggerVersion"/>, so that
    /// <see cref="ChangeTriggers"/>, run next in the same transaction, creates them as this build defines them.</summary>
    /// <param name="command">A command of the migration transaction.</param>
    internal static void DropStaleChangeTriggers(Microsoft.Data.Sqlite.SqliteCommand command)
    {
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ("
            + string.Join(", ", ChangeTriggerNames.Select((_, i) => "$g" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            + $") AND {ChangeTriggerVersionOfSql} < {ChangeTriggerVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)};";
        for (var i = 0; i < ChangeTriggerNames.Length; i++)
        {
            command.Parameters.AddWithValue("$g" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), ChangeTriggerNames[i]);
        }

        var stale = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                stale.Add(reader.GetString(0));
            }
        }

        command.Parameters.Clear();
        foreach (var name in stale)
        {
            // The name is one of ChangeTriggerNames (the query above matched it), never outside text.
            command.CommandText = $"DROP TRIGGER {ChangeTriggerNames.Single(n => n == name)};";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The column that holds a dream run's <see cref="DreamRunRequest.MinScopes"/>, added to the dream runs of a file
    /// that lacks it (an ensured column, as the <see cref="ChangeColumn"/>: no new <c>user_version</c>).</summary>
    /// <remarks>Not a migration, so that the build before it (schema version 6) still opens such a file, its trace store
    /// included, and a rollback works: its statements name their columns, so it reads runs without this one and creates
    /// runs with none (null), which is what its dreams apply (the registered <c>MiningOptions.MinScopes</c>); a run is only
    /// ever dreamt by the process that created it, from the request it was given. The request's immutability trigger is
    /// created again over the column in the same transaction (<see cref="AddMinScopesColumn"/>); it runs on an update of a
    /// request column, which no build makes. A later migration that creates that trigger again must name this column, and
    /// must not add it (SQLite has no <c>ADD COLUMN IF NOT EXISTS</c>).</remarks>
    internal const string MinScopesColumn = "min_scopes";

    /// <summary>Adds the <see cref="MinScopesColumn"/> and creates the request's immutability trigger again over it, run only
    /// when <see cref="Read"/> found the column missing, after the migrations (version 3 creates the table).</summary>
    internal static readonly string AddMinScopesColumn =
        $"ALTER TABLE dream_runs ADD COLUMN {MinScopesColumn} INTEGER;"
        + "DROP TRIGGER IF EXISTS dream_runs_request_immutable;"
        + "CREATE TRIGGER dream_runs_request_immutable BEFORE UPDATE OF seq, id, scope, requested_ms, instructions, max_sessions, "
        + $"min_sessions, review_mode, token_budget, lookback_ticks, max_lookback_sessions, {MinScopesColumn} ON dream_runs "
        + "BEGIN SELECT RAISE(ABORT, 'the request of a dream run never changes'); END;";

    /// <summary>Reads the change horizon: the last number given, every change at or below it committed.</summary>
    internal const string ReadChangeHorizon = "SELECT last FROM session_change_counter WHERE id = 1;";

    /// <summary>The names of the <see cref="EnsuredTableList"/>, which <see cref="Read"/> looks for.</summary>
    internal static readonly string[] EnsuredTableNames = [.. EnsuredTableList.Select(table => table.Name)];

    /// <summary>The names of the <see cref="EnsuredIndexList"/>, which <see cref="Read"/> looks for.</summary>
    internal static readonly string[] EnsuredIndexNames = [.. EnsuredIndexList.Select(index => index.Name)];

    /// <summary>The statements that create the <see cref="EnsuredTableList"/> and <see cref="EnsuredIndexList"/> a file lacks
    /// (<c>IF NOT EXISTS</c>), tables first.</summary>
    internal static readonly string EnsuredIndexes =
        string.Concat(EnsuredTableList.Select(table => $"CREATE TABLE IF NOT EXISTS {table.Name} {table.Definition};"))
        + string.Concat(EnsuredIndexList.Select(index => $"CREATE INDEX IF NOT EXISTS {index.Name} ON {index.On};"))
        + string.Concat(EnsuredDroppedIndexList.Select(name => $"DROP INDEX IF EXISTS {name};"));

    // One statement, so the version, the tables and the indexes are read from one snapshot of the file. The names are
    // parameters: $t0, $t1 the tables, $i0... the ensured indexes, $e0... the ensured tables, $d0... the dropped indexes,
    // $g0... the change triggers (counted when of this build's version or a later one); last, the dream runs' min_scopes column.
    private static readonly string ReadStatement =
        "SELECT (SELECT user_version FROM pragma_user_version), "
        + "(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ($t0, $t1)), "
        + "(SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ("
        + string.Join(", ", EnsuredIndexNames.Select((_, i) => "$i" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        + ")), "
        + "(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ("
        + string.Join(", ", EnsuredTableNames.Select((_, i) => "$e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        + ")), "
        + "(SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ("
        + string.Join(", ", EnsuredDroppedIndexList.Select((_, i) => "$d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        + ")), "
        + $"(SELECT count(*) FROM pragma_table_info('sessions') WHERE name = '{ChangeColumn}'), "
        + "(SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ("
        + string.Join(", ", ChangeTriggerNames.Select((_, i) => "$g" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        + $") AND {ChangeTriggerVersionOfSql} >= {ChangeTriggerVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)}), "
        + $"(SELECT count(*) FROM pragma_table_info('dream_runs') WHERE name = '{MinScopesColumn}');";
}
