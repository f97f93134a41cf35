using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>Converts memory versions and insights to and from rows: times as unix milliseconds, enums as lower-case names,
/// scopes as keys, trigger lists and evidence as JSON.</summary>
internal static class SqliteMemoryRows
{
    /// <summary>The columns a version summary is read from, in order.</summary>
    public const string VersionColumns =
        "id, scope, number, parent_id, restored_from_id, author_kind, author_id, state, created_ms, note, insight_count, "
        + "reviewer_kind, reviewer_id, reviewed_ms, review_note, superseded_ms, superseded_by_id";

    /// <summary>The columns <see cref="ReadInsight"/> expects, in its order.</summary>
    public const string InsightColumns =
        "id, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms";

    private const string Package = "Dreaming.Sqlite";

    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => StoreEnumNames<TEnum>.Of(value);

    /// <summary>Makes a command with its parameters; a string is bound as <see cref="SqliteRows.Text"/> gives it, so the
    /// statement casts each string parameter <c>AS TEXT</c> (one holding a NUL is bound as its UTF-8 bytes).</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value is string text ? SqliteRows.Text(text) : value ?? DBNull.Value);
        }

        return command;
    }

    public static MemoryVersionSummary? ReadSummary(SqliteConnection connection, SqliteTransaction? transaction, string versionId)
    {
        using var command = Command(connection, transaction, $"SELECT {VersionColumns} FROM memory_versions WHERE id = CAST($id AS TEXT)", ("$id", versionId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadSummary(reader) : null;
    }

    public static MemoryVersionSummary? ReadActiveSummary(SqliteConnection connection, SqliteTransaction? transaction, MemoryScope scope)
    {
        using var command = Command(
            connection,
            transaction,
            $"SELECT {VersionColumns} FROM memory_versions WHERE scope = CAST($scope AS TEXT) AND state = $active",
            ("$scope", scope.Key),
            ("$active", Name(MemoryVersionState.Active)));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadSummary(reader) : null;
    }

    public static MemoryVersion? ReadVersion(SqliteConnection connection, SqliteTransaction? transaction, string versionId) =>
        ReadSummary(connection, transaction, versionId) is { } summary ? WithInsights(connection, transaction, summary) : null;

    /// <summary>Reads the insights of a version; they never change, so reading them apart from the header is consistent.</summary>
    public static MemoryVersion WithInsights(SqliteConnection connection, SqliteTransaction? transaction, MemoryVersionSummary summary)
    {
        using var command = Command(connection, transaction, $"SELECT {InsightColumns} FROM memory_insights WHERE version_id = CAST($id AS TEXT) ORDER BY position", ("$id", summary.Id));
        using var reader = command.ExecuteReader();
        var insights = new List<Insight>(summary.InsightCount);
        while (reader.Read())
        {
            insights.Add(ReadInsight(reader, summary));
        }

        return MemoryRowValues.ToVersion(summary, insights);
    }

    public static List<MemoryVersionSummary> ReadPage(SqliteConnection connection, MemoryScope scope, int limit, int? beforeNumber)
    {
        using var command = Command(
            connection,
            transaction: null,
            $"SELECT {VersionColumns} FROM memory_versions WHERE scope = CAST($scope AS TEXT) AND number < $before ORDER BY number DESC LIMIT $limit",
            ("$scope", scope.Key),
            ("$before", (long?)beforeNumber ?? long.MaxValue),
            ("$limit", limit));
        using var reader = command.ExecuteReader();
        var page = new List<MemoryVersionSummary>();
        while (reader.Read())
        {
            page.Add(ReadSummary(reader));
        }

        return page;
    }

    public static void BindInsight(SqliteCommand command, Insight insight, int position)
    {
        var values = command.Parameters;
        values["$id"].Value = SqliteRows.Text(insight.Id);
        values["$position"].Value = position;
        values["$kind"].Value = Name(insight.Kind);
        values["$text"].Value = SqliteRows.Text(insight.Text);
        values["$trigger_tools"].Value = JsonSerializer.Serialize(insight.Triggers.Tools, StoreMemoryJson.Default.IReadOnlyListString);
        values["$trigger_keywords"].Value = JsonSerializer.Serialize(insight.Triggers.Keywords, StoreMemoryJson.Default.IReadOnlyListString);
        values["$evidence"].Value = JsonSerializer.Serialize([.. insight.Evidence.Select(item => new StoreEvidenceJson(item.SessionId, item.EventSequence))], StoreMemoryJson.Default.StoreEvidenceJsonArray);
        values["$helpful"].Value = insight.Helpful;
        values["$harmful"].Value = insight.Harmful;
        values["$seen"].Value = insight.Seen;
        values["$status"].Value = Name(insight.Status);
        values["$source"].Value = Name(insight.Source);
        values["$created_ms"].Value = insight.CreatedAt.ToUnixTimeMilliseconds();
        values["$updated_ms"].Value = insight.UpdatedAt.ToUnixTimeMilliseconds();
    }

    private static MemoryVersionSummary ReadSummary(SqliteDataReader row) => MemoryRowValues.ReadSummary(row, static text => text, Package);

    private static Insight ReadInsight(SqliteDataReader row, MemoryVersionSummary version) => MemoryRowValues.ReadInsight(row, version, static text => text, Package);

    /// <summary>Reads a name <see cref="Name"/> wrote back as its enum value.</summary>
    public static bool TryParseName<TEnum>(string name, out TEnum value)
        where TEnum : struct, Enum => StoreEnumNames<TEnum>.TryParse(name, out value);

    public static string? GetString(SqliteDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);

    public static DateTimeOffset? GetTime(SqliteDataReader row, int ordinal) =>
        row.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(ordinal));
}
