using System.Text.Json;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>Converts memory versions and insights to and from rows, as the SQLite store does: times as unix milliseconds,
/// enums as lower-case names, scopes as keys, trigger lists and evidence as JSON.</summary>
internal static class PostgresMemoryRows
{
    /// <summary>The columns a version summary is read from, in order.</summary>
    public const string VersionColumns =
        "id, scope, number, parent_id, restored_from_id, author_kind, author_id, state, created_ms, note, insight_count, "
        + "reviewer_kind, reviewer_id, reviewed_ms, review_note, superseded_ms, superseded_by_id";

    /// <summary>The columns an insight is read from (<c>MemoryRowValues.ReadInsight</c>), in order.</summary>
    public const string InsightColumns =
        "id, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms";

    private const string Package = "Dreaming.PostgreSql";

    /// <summary>How many <see cref="VersionColumns"/> there are: where the insight columns start in a row of
    /// <see cref="ReadWholeAsync"/>.</summary>
    private const int VersionColumnCount = 17;

    private static readonly string s_versionById = WholeVersion("v.id = @id");

    private static readonly string s_activeVersion = WholeVersion("v.scope = @scope AND v.state = 'active'");

    private static readonly string s_activeVersionUnlessKnown = WholeVersion("v.scope = @scope AND v.state = 'active'", "v.id IS DISTINCT FROM @known");

    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => StoreEnumNames<TEnum>.Of(value);

    /// <summary>Makes a command; every string value is stored as <see cref="PostgresText.Encode"/> gives it (a NUL kept through
    /// an escape, half a surrogate pair as U+FFFD), so it matches the stored form of the same string.</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value is string text ? PostgresText.Encode(text) : value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Makes one command of a batch, its values encoded as <see cref="Command"/> encodes them.</summary>
    public static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value is string text ? PostgresText.Encode(text) : value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Takes the transaction-level advisory lock of one scope of one component in this schema: every change of the
    /// scope's rows holds it from its checks to its commit, so changes by several store objects or processes cannot slip in
    /// between (what SQLite's single writer gave).</summary>
    /// <remarks>The same statement bounds how long the transaction may then sit idle on the server
    /// (<c>idle_in_transaction_session_timeout</c>, for this transaction only) to the command timeout, or to the server's
    /// own limit when that is shorter (<see cref="PostgresDatabase.IdleLimit"/>, which <see cref="LockScopeSql"/> puts in
    /// the statement, so the memory and dream run stores bound it as the others do): a host that stops
    /// answering with the transaction open (frozen, or cut off without its socket being closed, so the server sees nothing)
    /// would otherwise hold the scope's lock until TCP keepalive gives up, two hours by default, and every change of the
    /// scope on the other instances would fail meanwhile. The store's own transactions never wait that long between two
    /// statements.</remarks>
    /// <param name="connection">The transaction's connection.</param>
    /// <param name="transaction">The transaction.</param>
    /// <param name="lockScope">The statement, <see cref="LockScopeSql"/> of the store's database.</param>
    /// <param name="component">The component whose scope is locked.</param>
    /// <param name="schema">The schema, part of the key.</param>
    /// <param name="scope">The scope.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task LockScopeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string lockScope, string component, string schema, MemoryScope scope, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, lockScope, LockKey(component, schema, scope));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The <c>@key</c> parameter of <see cref="LockScopeSql"/> for one scope of one component in a schema: every
    /// instance, of every version of the package, must derive it alike, or their changes would not exclude each other.</summary>
    /// <param name="component">The component whose scope is locked.</param>
    /// <param name="schema">The schema, part of the key.</param>
    /// <param name="scope">The scope.</param>
    /// <returns>The parameter, as <see cref="Command"/> and <see cref="BatchCommand"/> take it.</returns>
    public static (string Name, object? Value) LockKey(string component, string schema, MemoryScope scope) =>
        ("key", $"dreaming.{component}:{schema}:{scope.Key}");

    /// <summary>The statement of <see cref="LockScopeAsync"/> on <paramref name="database"/>: its idle limit, then the lock
    /// of the key <c>@key</c>.</summary>
    /// <param name="database">The store's database.</param>
    /// <returns>The statement.</returns>
    public static string LockScopeSql(PostgresDatabase database) =>
        $"SELECT {database.IdleLimit}, pg_advisory_xact_lock(hashtextextended(@key, 0))";

    public static async Task<MemoryVersionSummary?> ReadSummaryAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string versionId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {VersionColumns} FROM memory_versions WHERE id = @id", ("id", versionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadSummary(reader) : null;
    }

    public static async Task<MemoryVersionSummary?> ReadActiveSummaryAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MemoryScope scope, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            transaction,
            $"SELECT {VersionColumns} FROM memory_versions WHERE scope = @scope AND state = 'active'",
            ("scope", scope.Key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadSummary(reader) : null;
    }

    /// <summary>Reads a version with its insights in one statement (see <see cref="ReadWholeAsync"/>).</summary>
    public static Task<MemoryVersion?> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string versionId, CancellationToken cancellationToken) =>
        ReadWholeAsync(connection, transaction, s_versionById, known: null, cancellationToken, ("id", versionId));

    /// <summary>Reads the active version of a scope with its insights in one statement (see <see cref="ReadWholeAsync"/>):
    /// what a session start reads of each scope's memory, and a rollback of the version it supersedes.</summary>
    public static Task<MemoryVersion?> ReadActiveVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MemoryScope scope, CancellationToken cancellationToken) =>
        ReadWholeAsync(connection, transaction, s_activeVersion, known: null, cancellationToken, ("scope", scope.Key));

    /// <summary>Reads the active version of a scope as <see cref="ReadActiveVersionAsync(NpgsqlConnection, NpgsqlTransaction?, MemoryScope, CancellationToken)"/>
    /// does, unless it is <paramref name="known"/>: then the server sends its row's columns but its insights and notes,
    /// and <paramref name="known"/> is returned. A version's content never changes, nor its review while it is active,
    /// so the version the server names is all that needs checking: the read is as fresh as a whole one.</summary>
    public static Task<MemoryVersion?> ReadActiveVersionAsync(NpgsqlConnection connection, MemoryScope scope, MemoryVersion? known, CancellationToken cancellationToken) =>
        ReadWholeAsync(connection, transaction: null, s_activeVersionUnlessKnown, known, cancellationToken, ("scope", scope.Key), ("known", known?.Id));

    /// <summary>Runs a statement of <see cref="WholeVersion"/> and reads the version it finds, or <see langword="null"/>
    /// (or <paramref name="known"/>, when the statement found that one).
    /// One statement is one round trip and one snapshot: a version activated meanwhile by another instance is seen whole
    /// or not at all, never one version's header with another's insights.</summary>
    private static async Task<MemoryVersion?> ReadWholeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, MemoryVersion? known, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var summary = ReadSummary(reader);
        if (known is not null && string.Equals(summary.Id, known.Id, StringComparison.Ordinal))
        {
            return known;
        }

        var insights = new List<Insight>(summary.InsightCount);

        // A version without insights is one row whose insight columns are null.
        if (!reader.IsDBNull(VersionColumnCount))
        {
            do
            {
                insights.Add(MemoryRowValues.ReadInsight(reader, summary, PostgresText.Decode, Package, VersionColumnCount));
            }
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false));
        }

        return MemoryRowValues.ToVersion(summary, insights);
    }

    /// <summary>The statement that reads the version <paramref name="where"/> finds (its columns prefixed <c>v.</c>) with
    /// its insights: one row per insight by position, each holding the version's columns and then the insight's. A join,
    /// not a union of a header row and insight rows: the server plans it as fast as either of two single-table queries,
    /// where the union took three times as long to plan as the round trip it saved on a loopback connection.</summary>
    /// <remarks>The version's free texts (<c>note</c>, <c>review_note</c>, of any length) are sent on the first row only
    /// (the insight at position 0, the first of the list the store wrote, or the row without an insight), the only one
    /// <see cref="ReadSummary"/> reads: on every row, a 100 KB note on a version of 200 insights was 20 MB a read.</remarks>
    /// <param name="where">Which version, its columns prefixed <c>v.</c>.</param>
    /// <param name="sendWhole">When the version's insights and notes are sent (all the other columns always are); always
    /// when <see langword="null"/>.</param>
    private static string WholeVersion(string where, string? sendWhole = null) =>
        $"SELECT {string.Join(", ", VersionColumns.Split(", ").Select(column => column is "note" or "review_note" ? $"CASE WHEN (i.position IS NULL OR i.position = 0){(sendWhole is null ? string.Empty : $" AND {sendWhole}")} THEN v.{column} END" : "v." + column))}, "
        + $"{string.Join(", ", InsightColumns.Split(", ").Select(column => "i." + column))} "
        + $"FROM memory_versions v LEFT JOIN memory_insights i ON i.version_id = v.id{(sendWhole is null ? string.Empty : $" AND {sendWhole}")} WHERE {where} ORDER BY i.position";

    public static async Task<IReadOnlyList<MemoryVersionSummary>> ReadPageAsync(NpgsqlConnection connection, MemoryScope scope, int limit, int? beforeNumber, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            transaction: null,
            $"SELECT {VersionColumns} FROM memory_versions WHERE scope = @scope AND number < @before ORDER BY number DESC LIMIT @limit",
            ("scope", scope.Key),
            ("before", (long?)beforeNumber ?? long.MaxValue),
            ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var page = new List<MemoryVersionSummary>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(ReadSummary(reader));
        }

        return page;
    }

    /// <summary>The parameters of <see cref="PostgresMemoryWriter"/>'s insert of <paramref name="insights"/>, a column
    /// an array in the insights' order, named as the insert names them; every string is stored as
    /// <see cref="PostgresText.Encode"/> gives it, trigger lists and evidence as JSON.</summary>
    public static IEnumerable<NpgsqlParameter> InsightArrays(IReadOnlyList<Insight> insights)
    {
        string[] Texts(Func<Insight, string> value) => [.. insights.Select(insight => PostgresText.Encode(value(insight)))];
        yield return new NpgsqlParameter<string[]>("ids", Texts(static i => i.Id));
        yield return new NpgsqlParameter<string[]>("kinds", Texts(static i => Name(i.Kind)));
        yield return new NpgsqlParameter<string[]>("texts", Texts(static i => i.Text));
        yield return new NpgsqlParameter<string[]>("trigger_tools", Texts(static i => JsonSerializer.Serialize(i.Triggers.Tools, StoreMemoryJson.Default.IReadOnlyListString)));
        yield return new NpgsqlParameter<string[]>("trigger_keywords", Texts(static i => JsonSerializer.Serialize(i.Triggers.Keywords, StoreMemoryJson.Default.IReadOnlyListString)));
        yield return new NpgsqlParameter<string[]>("evidences", Texts(static i => JsonSerializer.Serialize([.. i.Evidence.Select(item => new StoreEvidenceJson(item.SessionId, item.EventSequence))], StoreMemoryJson.Default.StoreEvidenceJsonArray)));
        yield return new NpgsqlParameter<int[]>("helpfuls", [.. insights.Select(static i => i.Helpful)]);
        yield return new NpgsqlParameter<int[]>("harmfuls", [.. insights.Select(static i => i.Harmful)]);
        yield return new NpgsqlParameter<int[]>("seens", [.. insights.Select(static i => i.Seen)]);
        yield return new NpgsqlParameter<string[]>("statuses", Texts(static i => Name(i.Status)));
        yield return new NpgsqlParameter<string[]>("sources", Texts(static i => Name(i.Source)));
        yield return new NpgsqlParameter<long[]>("created", [.. insights.Select(static i => i.CreatedAt.ToUnixTimeMilliseconds())]);
        yield return new NpgsqlParameter<long[]>("updated", [.. insights.Select(static i => i.UpdatedAt.ToUnixTimeMilliseconds())]);
    }

    private static MemoryVersionSummary ReadSummary(NpgsqlDataReader row) => MemoryRowValues.ReadSummary(row, PostgresText.Decode, Package);

    /// <summary>Reads a text column that may be null, decoded (<see cref="PostgresText.Decode"/>).</summary>
    public static string? GetString(NpgsqlDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : Text(row, ordinal);

    /// <summary>Reads a text column, decoded (<see cref="PostgresText.Decode"/>): the string as it was given.</summary>
    public static string Text(NpgsqlDataReader row, int ordinal) => PostgresText.Decode(row.GetString(ordinal));

    public static DateTimeOffset? GetTime(NpgsqlDataReader row, int ordinal) =>
        row.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(ordinal));
}
