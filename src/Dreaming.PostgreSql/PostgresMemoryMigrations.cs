namespace Dreaming.PostgreSql;

/// <summary>The tables of the memory store: the <c>memory</c> component in <c>schema_versions</c>.</summary>
internal static class PostgresMemoryMigrations
{
    /// <summary>The component's name in <c>schema_versions</c>.</summary>
    public const string Component = "memory";

    /// <summary>Script <c>i</c> moves the tables from version <c>i</c> to <c>i + 1</c>; append, never edit a shipped one.</summary>
    public static readonly IReadOnlyList<string> Scripts =
    [
        // Version 1: the SQLite store's tables (its schema version 2). One row per version and one per insight of a version
        // (a version holds its full set). The partial unique index allows one active version per scope; the triggers refuse to
        // delete or truncate anything and to change what a version holds (only its review state changes), so history
        // survives even a buggy caller or a hand-written statement. ix_memory_versions_author finds the version a dream run
        // wrote, when its abandoned run is recovered.
        """
        CREATE TABLE memory_versions (
            id text NOT NULL PRIMARY KEY,
            scope text NOT NULL,
            number integer NOT NULL,
            parent_id text REFERENCES memory_versions (id),
            restored_from_id text REFERENCES memory_versions (id),
            author_kind text NOT NULL,
            author_id text NOT NULL,
            state text NOT NULL,
            created_ms bigint NOT NULL,
            note text,
            insight_count integer NOT NULL,
            reviewer_kind text,
            reviewer_id text,
            reviewed_ms bigint,
            review_note text,
            superseded_ms bigint,
            superseded_by_id text REFERENCES memory_versions (id),
            UNIQUE (scope, number)
        );
        CREATE UNIQUE INDEX ux_memory_versions_active ON memory_versions (scope) WHERE state = 'active';
        CREATE INDEX ix_memory_versions_author ON memory_versions (author_id);

        CREATE TABLE memory_insights (
            version_id text NOT NULL REFERENCES memory_versions (id),
            id text NOT NULL,
            position integer NOT NULL,
            kind text NOT NULL,
            text text NOT NULL,
            trigger_tools text NOT NULL,
            trigger_keywords text NOT NULL,
            evidence text NOT NULL,
            helpful integer NOT NULL,
            harmful integer NOT NULL,
            seen integer NOT NULL,
            status text NOT NULL,
            source text NOT NULL,
            created_ms bigint NOT NULL,
            updated_ms bigint NOT NULL,
            PRIMARY KEY (version_id, id)
        );
        CREATE INDEX ix_memory_insights_insight ON memory_insights (id, version_id);

        CREATE FUNCTION memory_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
        END
        $$;
        CREATE TRIGGER memory_versions_never_deleted BEFORE DELETE ON memory_versions
            FOR EACH ROW EXECUTE FUNCTION memory_refuse_change('memory versions are never deleted');
        CREATE TRIGGER memory_versions_never_truncated BEFORE TRUNCATE ON memory_versions
            FOR EACH STATEMENT EXECUTE FUNCTION memory_refuse_change('memory versions are never deleted');
        CREATE TRIGGER memory_versions_content_immutable
            BEFORE UPDATE OF id, scope, number, parent_id, restored_from_id, author_kind, author_id, created_ms, note, insight_count ON memory_versions
            FOR EACH ROW EXECUTE FUNCTION memory_refuse_change('the content of a memory version never changes; only its review state does');
        CREATE TRIGGER memory_insights_never_deleted BEFORE DELETE ON memory_insights
            FOR EACH ROW EXECUTE FUNCTION memory_refuse_change('memory insights are never deleted');
        CREATE TRIGGER memory_insights_never_truncated BEFORE TRUNCATE ON memory_insights
            FOR EACH STATEMENT EXECUTE FUNCTION memory_refuse_change('memory insights are never deleted');
        CREATE TRIGGER memory_insights_immutable BEFORE UPDATE ON memory_insights
            FOR EACH ROW EXECUTE FUNCTION memory_refuse_change('memory insights never change; a new version carries the changed copy');
        """,

        // Version 2: a proposal's insights travel in the first statement of its transaction, before the scope's lock and
        // the version row they belong to (a host that stops partway through sending them must hold no lock: see
        // PostgresMemoryWriter), so their foreign key may be checked at the commit. DEFERRABLE INITIALLY IMMEDIATE: every
        // other statement (an older package's, a hand-written one) is checked at once, as before; only a transaction that
        // says SET CONSTRAINTS ... DEFERRED waits for its commit. No row is read or rewritten.
        """
        ALTER TABLE memory_insights ALTER CONSTRAINT memory_insights_version_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
        """,
    ];
}
