namespace Dreaming.PostgreSql;

/// <summary>The tables of the trace store (component <c>traces</c> in <c>schema_versions</c>) and the migrations that build them.</summary>
/// <remarks>The columns are those of the SQLite store: times as unix milliseconds, insight ids, metadata and event payloads as
/// JSON text, statuses as numbers. The id columns sort with the <c>"C"</c> collation, by code point, whatever the database's
/// default collation: the keyset paging of <see cref="SessionQuery"/> and its index then agree on one order.</remarks>
internal static class PostgresTraceSchema
{
    /// <summary>The component name in <c>schema_versions</c>.</summary>
    public const string Component = "traces";

    /// <summary>Migration <c>i</c> moves the tables from version <c>i</c> to <c>i + 1</c>. Append to change them; never edit
    /// a script that has shipped.</summary>
    public static readonly string[] Migrations =
    [
        // Version 1: sessions and their events, with an index per filter of SessionQuery, each ending in the paging order.
        """
        CREATE TABLE sessions (
            id text COLLATE "C" NOT NULL PRIMARY KEY,
            agent_id text COLLATE "C" NOT NULL,
            agent_version text,
            scope text COLLATE "C",
            task text NOT NULL,
            parent_id text COLLATE "C",
            status smallint NOT NULL,
            started_ms bigint NOT NULL,
            ended_ms bigint,
            input_tokens bigint NOT NULL,
            output_tokens bigint NOT NULL,
            cached_input_tokens bigint NOT NULL,
            model_calls bigint NOT NULL,
            cost_minor_units bigint NOT NULL,
            memory_version_id text,
            insight_ids text NOT NULL,
            metadata text NOT NULL,
            outcome_label text COLLATE "C",
            outcome_score double precision,
            outcome_source text,
            dropped_event_count bigint NOT NULL,
            event_count bigint NOT NULL DEFAULT 0
        );

        CREATE TABLE events (
            session_id text COLLATE "C" NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq bigint NOT NULL,
            ts bigint NOT NULL,
            type text COLLATE "C" NOT NULL,
            payload text NOT NULL,
            PRIMARY KEY (session_id, seq)
        );

        CREATE INDEX ix_sessions_started ON sessions (started_ms, id);
        CREATE INDEX ix_sessions_agent_started ON sessions (agent_id, started_ms, id);
        CREATE INDEX ix_sessions_scope_started ON sessions (scope, started_ms, id);
        CREATE INDEX ix_sessions_status_started ON sessions (status, started_ms, id);
        CREATE INDEX ix_sessions_outcome_started ON sessions (outcome_label, started_ms, id);
        CREATE INDEX ix_sessions_parent_started ON sessions (parent_id, started_ms, id);
        """,

        // Version 2: the ended sessions by end time, for SessionQuery.EndedFrom (what the dream scheduler asks at every poll,
        // and a dream's selection): with statistics the planner reads a recent window through it and sorts those few rows,
        // and walks the start-time index of the filter for a wide one. Running sessions (no end time) are not in it.
        """
        CREATE INDEX ix_sessions_ended ON sessions (ended_ms) WHERE ended_ms IS NOT NULL;
        """,

        // Version 3: each session's change number (SessionRecord.ChangeNumber, SessionQuery.ChangedAfter: what the dream
        // scheduler's count reads at each poll after its first), the id of the transaction that last ended, graded or
        // imported it (or created it finished), set by a trigger whoever writes the row. A sequence would not do: its numbers are taken in one
        // order and committed in another (10 taken, 11 taken and committed and read, then 10 committed: missed). Transaction
        // ids are read only up to the oldest transaction still running (the horizon, pg_snapshot_xmin), below which every
        // one has ended. Sessions written before have none: they changed before every number.
        """
        ALTER TABLE sessions ADD COLUMN change_xid bigint;
        CREATE INDEX ix_sessions_change ON sessions (change_xid) WHERE change_xid IS NOT NULL;
        CREATE FUNCTION sessions_number_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.change_xid := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER tr_sessions_change_insert BEFORE INSERT ON sessions
            FOR EACH ROW WHEN (NEW.status <> 0) EXECUTE FUNCTION sessions_number_change();
        CREATE TRIGGER tr_sessions_change_update BEFORE UPDATE OF status, ended_ms, outcome_label, outcome_score, outcome_source ON sessions
            FOR EACH ROW EXECUTE FUNCTION sessions_number_change();
        """,
    ];
}
