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
    ];
}
