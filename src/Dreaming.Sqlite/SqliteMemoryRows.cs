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

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static MemoryVersionSummary? ReadSummary(SqliteConnection connection, SqliteTransaction? transaction, string versionId)
    {
        using var command = Command(connection, transaction, $"SELECT {VersionColumns} FROM memory_versions WHERE id = $id", ("$id", versionId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadSummary(reader) : null;
    }

    public static MemoryVersionSummary? ReadActiveSummary(SqliteConnection connection, SqliteTransaction? transaction, MemoryScope scope)
    {
        using var command = Command(
            connection,
            transaction,
            $"SELECT {VersionColumns} FROM memory_versions WHERE scope = $scope AND state = $active",
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
        using var command = Command(connection, transaction, $"SELECT {InsightColumns} FROM memory_insights WHERE version_id = $id ORDER BY position", ("$id", summary.Id));
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
            $"SELECT {VersionColumns} FROM memory_versions WHERE scope = $scope AND number < $before ORDER BY number DESC LIMIT $limit",
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
        values["$id"].Value = insight.Id;
        values["$position"].Value = position;
        values["$kind"].Value = Name(insight.Kind);
        values["$text"].Value = insight.Text;
        values["$trigger_tools"].Value = JsonSerializer.Serialize(insight.Triggers.Tools, SqliteJson.Default.IReadOnlyListString);
        values["$trigger_keywords"].Value = JsonSerializer.Serialize(insight.Triggers.Keywords, SqliteJson.Default.IReadOnlyListString);
        values["$evidence"].Value = JsonSerializer.Serialize([.. insight.Evidence.Select(item => new StoreEvidenceJson(item.SessionId, item.EventSequence))], SqliteJson.Default.StoreEvidenceJsonArray);
        values["$helpful"].Value = insight.Helpful;
        values["$harmful"].Value = insight.Harmful;
        values["$seen"].Value = insight.Seen;
        values["$status"].Value = Name(insight.Status);
        values["$source"].Value = Name(insight.Source);
        values["$created_ms"].Value = insight.CreatedAt.ToUnixTimeMilliseconds();
        values["$updated_ms"].Value = insight.UpdatedAt.ToUnixTimeMilliseconds();
    }

    private static MemoryVersionSummary ReadSummary(SqliteDataReader row)
    {
        var id = row.GetString(0);
        return new MemoryVersionSummary
        {
            Id = id,
            Scope = MemoryScope.TryParse(row.GetString(1), out var scope) ? scope : throw Unreadable(id, "scope", row.GetString(1)),
            Number = row.GetInt32(2),
            ParentVersionId = GetString(row, 3),
            RestoredFromVersionId = GetString(row, 4),
            Author = new MemoryAuthor(Parse<MemoryAuthorKind>(id, row.GetString(5)), row.GetString(6)),
            State = Parse<MemoryVersionState>(id, row.GetString(7)),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(8)),
            Note = GetString(row, 9),
            InsightCount = row.GetInt32(10),
            ReviewedBy = row.IsDBNull(11) ? null : new MemoryAuthor(Parse<MemoryAuthorKind>(id, row.GetString(11)), row.GetString(12)),
            ReviewedAt = GetTime(row, 13),
            ReviewNote = GetString(row, 14),
            SupersededAt = GetTime(row, 15),
            SupersededByVersionId = GetString(row, 16),
        };
    }

    private static Insight ReadInsight(SqliteDataReader row, MemoryVersionSummary version)
    {
        try
        {
            return new Insight
            {
                Id = row.GetString(0),
                Kind = Parse<InsightKind>(version.Id, row.GetString(1)),
                Text = row.GetString(2),
                Scope = version.Scope,
                Triggers = new InsightTriggers
                {
                    Tools = JsonSerializer.Deserialize(row.GetString(3), SqliteJson.Default.StringArray) ?? [],
                    Keywords = JsonSerializer.Deserialize(row.GetString(4), SqliteJson.Default.StringArray) ?? [],
                },
                Evidence = (JsonSerializer.Deserialize(row.GetString(5), SqliteJson.Default.StoreEvidenceJsonArray) ?? []).Select(item => new InsightEvidence(item.Session, item.Event)).ToArray(),
                Helpful = row.GetInt32(6),
                Harmful = row.GetInt32(7),
                Seen = row.GetInt32(8),
                Status = Parse<InsightStatus>(version.Id, row.GetString(9)),
                Source = Parse<InsightSource>(version.Id, row.GetString(10)),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(11)),
                UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(12)),
            };
        }
        catch (JsonException exception)
        {
            throw MemoryRowValues.UnreadableInsight(row.GetString(0), version.Id, exception);
        }
    }

    /// <summary>Reads a name <see cref="Name"/> wrote back as its enum value.</summary>
    public static bool TryParseName<TEnum>(string name, out TEnum value)
        where TEnum : struct, Enum => StoreEnumNames<TEnum>.TryParse(name, out value);

    public static string? GetString(SqliteDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);

    public static DateTimeOffset? GetTime(SqliteDataReader row, int ordinal) =>
        row.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(ordinal));

    private static TEnum Parse<TEnum>(string versionId, string name)
        where TEnum : struct, Enum => MemoryRowValues.Parse<TEnum>(versionId, name, Package);

    private static TraceStoreException Unreadable(string versionId, string what, string value) => MemoryRowValues.Unreadable(versionId, what, value, Package);
}
