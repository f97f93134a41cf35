namespace Dreaming.PostgreSql;

/// <summary>The table of the dream run store: the <c>dream_runs</c> component in <c>schema_versions</c>.</summary>
/// <remarks>Recovering an abandoned run reads <c>memory_versions</c> (the version the run wrote), so the dream run store
/// migrates the <c>memory</c> component first.</remarks>
internal static class PostgresDreamRunMigrations
{
    /// <summary>The component's name in <c>schema_versions</c>.</summary>
    public const string Component = "dream_runs";

    /// <summary>Script <c>i</c> moves the table from version <c>i</c> to <c>i + 1</c>; append, never edit a shipped one.</summary>
    public static readonly IReadOnlyList<string> Scripts =
    [
        // Version 1: the SQLite store's table (its schema versions 3, 4 and 6). seq keeps creation order for ties; the
        // request columns never change once stored; results that have no query of their own (session ids, stage usage, the
        // report) are JSON text. The partial unique index allows one running dream per scope and holds the running runs a
        // recovery looks through; the triggers refuse to delete or truncate runs, to change a request, or to change a
        // finished run.
        """
        CREATE TABLE dream_runs (
            seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            id text NOT NULL PRIMARY KEY,
            scope text NOT NULL,
            status text NOT NULL,
            requested_ms bigint NOT NULL,
            started_ms bigint,
            ended_ms bigint,
            instructions text,
            max_sessions integer NOT NULL,
            min_sessions integer NOT NULL,
            review_mode text NOT NULL,
            token_budget bigint,
            lookback_ticks bigint,
            max_lookback_sessions integer,
            lease_holder text,
            lease_expires_ms bigint,
            input_version_id text,
            session_ids text NOT NULL,
            cursor_ended_ms bigint,
            cursor_session_id text,
            stage_usage text NOT NULL,
            report text NOT NULL,
            output_version_id text,
            note text,
            error text,
            budget_reached boolean NOT NULL DEFAULT false
        );
        CREATE UNIQUE INDEX ux_dream_runs_running ON dream_runs (scope) WHERE status = 'running';
        CREATE INDEX ix_dream_runs_scope_requested ON dream_runs (scope, requested_ms, seq);
        CREATE INDEX ix_dream_runs_scope_status_ended ON dream_runs (scope, status, ended_ms, seq);

        CREATE FUNCTION dream_runs_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
        END
        $$;
        CREATE TRIGGER dream_runs_never_deleted BEFORE DELETE ON dream_runs
            FOR EACH ROW EXECUTE FUNCTION dream_runs_refuse_change('dream runs are never deleted');
        CREATE TRIGGER dream_runs_never_truncated BEFORE TRUNCATE ON dream_runs
            FOR EACH STATEMENT EXECUTE FUNCTION dream_runs_refuse_change('dream runs are never deleted');
        CREATE TRIGGER dream_runs_request_immutable
            BEFORE UPDATE OF seq, id, scope, requested_ms, instructions, max_sessions, min_sessions, review_mode, token_budget, lookback_ticks, max_lookback_sessions ON dream_runs
            FOR EACH ROW EXECUTE FUNCTION dream_runs_refuse_change('the request of a dream run never changes');
        CREATE TRIGGER dream_runs_finished_immutable BEFORE UPDATE ON dream_runs
            FOR EACH ROW WHEN (OLD.status IN ('completed', 'failed', 'canceled'))
            EXECUTE FUNCTION dream_runs_refuse_change('a finished dream run never changes');
        """,

        // Version 2: the fewest team scopes a dream's findings need (DreamRunRequest.MinScopes; the SQLite store's
        // ensured min_scopes column), part of the immutable request. A run stored before has none (null: MiningOptions.MinScopes applied).
        // Adding a nullable column without a default rewrites no row.
        """
        ALTER TABLE dream_runs ADD COLUMN min_scopes integer;
        DROP TRIGGER dream_runs_request_immutable ON dream_runs;
        CREATE TRIGGER dream_runs_request_immutable
            BEFORE UPDATE OF seq, id, scope, requested_ms, instructions, max_sessions, min_sessions, review_mode, token_budget, lookback_ticks, max_lookback_sessions, min_scopes ON dream_runs
            FOR EACH ROW EXECUTE FUNCTION dream_runs_refuse_change('the request of a dream run never changes');
        """,
    ];

    /// <summary>Indexes created after the migrations when the schema lacks a valid one of that name, with no new version
    /// (<see cref="PostgresDatabase.EnsureMigratedAsync(string, IReadOnlyList{string}, IReadOnlyList{ValueTuple{string, string}}, CancellationToken)"/>):
    /// each a name and what follows <c>ON</c>.</summary>
    /// <remarks>An index only speeds up reads, and the server keeps it up to date whoever writes the rows: a package before
    /// it ignores it, and a new version would make that package refuse the schema when it next starts (a rolling deploy's
    /// older instance restarted, a rollback), for an index. Never edit one (a schema that has it keeps it); add a name.</remarks>
    public static readonly IReadOnlyList<(string Name, string On)> EnsuredIndexes =
    [
        // The runs of every scope newest first, and those in one state (IDreamRunStore.QueryRunsAsync: what an operator
        // lists during an incident), in the (request time, seq) order and keyset of the query, so a page reads an index
        // range instead of sorting every run ever stored.
        ("ix_dream_runs_requested", "dream_runs (requested_ms, seq)"),
        ("ix_dream_runs_status_requested", "dream_runs (status, requested_ms, seq)"),
    ];
}
