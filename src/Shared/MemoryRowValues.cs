using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>Builds memory domain objects from the values a store row holds, the same way in every store.</summary>
/// <remarks>Shared source, compiled into each store assembly (internal in each).</remarks>
internal static class MemoryRowValues
{
    /// <summary>Returns the version <paramref name="summary"/> heads, holding <paramref name="insights"/>.</summary>
    public static MemoryVersion ToVersion(MemoryVersionSummary summary, List<Insight> insights) => new()
    {
        Id = summary.Id,
        Scope = summary.Scope,
        Number = summary.Number,
        ParentVersionId = summary.ParentVersionId,
        RestoredFromVersionId = summary.RestoredFromVersionId,
        Author = summary.Author,
        State = summary.State,
        CreatedAt = summary.CreatedAt,
        Note = summary.Note,
        ReviewedBy = summary.ReviewedBy,
        ReviewedAt = summary.ReviewedAt,
        ReviewNote = summary.ReviewNote,
        SupersededAt = summary.SupersededAt,
        SupersededByVersionId = summary.SupersededByVersionId,
        Insights = insights.AsReadOnly(),
    };

    /// <summary>Reads a version summary from a row of a store's version columns (id, scope, number, parent_id,
    /// restored_from_id, author_kind, author_id, state, created_ms, note, insight_count, reviewer_kind, reviewer_id,
    /// reviewed_ms, review_note, superseded_ms, superseded_by_id).</summary>
    /// <param name="row">The reader, on a row of the version columns.</param>
    /// <param name="text">Turns a stored text value back into the string it was given (the identity where text is kept as given).</param>
    /// <param name="package">The store's package, named when a value cannot be read.</param>
    public static MemoryVersionSummary ReadSummary(DbDataReader row, Func<string, string> text, string package)
    {
        var id = text(row.GetString(0));
        return new MemoryVersionSummary
        {
            Id = id,
            Scope = MemoryScope.TryParse(text(row.GetString(1)), out var scope) ? scope : throw Unreadable(id, "scope", text(row.GetString(1)), package),
            Number = row.GetInt32(2),
            ParentVersionId = Optional(row, 3, text),
            RestoredFromVersionId = Optional(row, 4, text),
            Author = new MemoryAuthor(Parse<MemoryAuthorKind>(id, row.GetString(5), package), text(row.GetString(6))),
            State = Parse<MemoryVersionState>(id, row.GetString(7), package),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(8)),
            Note = Optional(row, 9, text),
            InsightCount = row.GetInt32(10),
            ReviewedBy = row.IsDBNull(11) ? null : new MemoryAuthor(Parse<MemoryAuthorKind>(id, row.GetString(11), package), text(row.GetString(12))),
            ReviewedAt = Time(row, 13),
            ReviewNote = Optional(row, 14, text),
            SupersededAt = Time(row, 15),
            SupersededByVersionId = Optional(row, 16, text),
        };
    }

    /// <summary>Reads an insight of <paramref name="version"/> from a row of a store's insight columns (id, kind, text,
    /// trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms). Its
    /// lists are read-only wrappers, not arrays a caller could cast back and write: a store may hand one version to many
    /// callers (the PostgreSQL store's remembered active versions), as the in-memory store does.</summary>
    /// <param name="row">The reader, on a row of the insight columns.</param>
    /// <param name="version">The version the insight belongs to.</param>
    /// <param name="text">Turns a stored text value back into the string it was given.</param>
    /// <param name="package">The store's package, named when a value cannot be read.</param>
    /// <param name="first">The ordinal of the row's <c>id</c> column: where the insight columns start.</param>
    public static Insight ReadInsight(DbDataReader row, MemoryVersionSummary version, Func<string, string> text, string package, int first = 0)
    {
        try
        {
            return new Insight
            {
                Id = text(row.GetString(first)),
                Kind = Parse<InsightKind>(version.Id, row.GetString(first + 1), package),
                Text = text(row.GetString(first + 2)),
                Scope = version.Scope,
                Triggers = new InsightTriggers
                {
                    Tools = Array.AsReadOnly(JsonSerializer.Deserialize(text(row.GetString(first + 3)), StoreMemoryJson.Default.StringArray) ?? []),
                    Keywords = Array.AsReadOnly(JsonSerializer.Deserialize(text(row.GetString(first + 4)), StoreMemoryJson.Default.StringArray) ?? []),
                },
                Evidence = Array.AsReadOnly((JsonSerializer.Deserialize(text(row.GetString(first + 5)), StoreMemoryJson.Default.StoreEvidenceJsonArray) ?? []).Select(item => new InsightEvidence(item.Session, item.Event)).ToArray()),
                Helpful = row.GetInt32(first + 6),
                Harmful = row.GetInt32(first + 7),
                Seen = row.GetInt32(first + 8),
                Status = Parse<InsightStatus>(version.Id, row.GetString(first + 9), package),
                Source = Parse<InsightSource>(version.Id, row.GetString(first + 10), package),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(first + 11)),
                UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(first + 12)),
            };
        }
        catch (JsonException exception)
        {
            throw UnreadableInsight(text(row.GetString(first)), version.Id, exception);
        }
    }

    /// <summary>Reads an enum name a memory row holds, or throws naming the version, the enum and the name.</summary>
    /// <param name="versionId">The version the row belongs to.</param>
    /// <param name="name">The stored name.</param>
    /// <param name="package">The store's package, named in the message (a newer version of it may have written the name).</param>
    public static TEnum Parse<TEnum>(string versionId, string name, string package)
        where TEnum : struct, Enum =>
        StoreEnumNames<TEnum>.TryParse(name, out var value) ? value : throw Unreadable(versionId, typeof(TEnum).Name, name, package);

    /// <summary>Returns the exception for a value of a memory version this library cannot read.</summary>
    public static TraceStoreException Unreadable(string versionId, string what, string value, string package) =>
        new($"Memory version '{versionId}' has a {what} '{value}' this library cannot read; it may have been written by a newer version of {package}.");

    /// <summary>Returns the exception for an insight whose trigger or evidence JSON this library cannot read.</summary>
    public static TraceStoreException UnreadableInsight(string insightId, string versionId, Exception exception) =>
        new($"Insight '{insightId}' of memory version '{versionId}' has triggers or evidence this library cannot read: {exception.Message}", exception);

    private static string? Optional(DbDataReader row, int ordinal, Func<string, string> text) => row.IsDBNull(ordinal) ? null : text(row.GetString(ordinal));

    private static DateTimeOffset? Time(DbDataReader row, int ordinal) =>
        row.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(ordinal));
}

/// <summary>The JSON of an insight's trigger lists and evidence, the same in every store, source-generated so that it
/// works when trimmed or compiled ahead of time.</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(StoreEvidenceJson[]))]
internal sealed partial class StoreMemoryJson : JsonSerializerContext;

/// <summary>One item of an insight's evidence column; short names keep the JSON small.</summary>
/// <param name="Session">The session id.</param>
/// <param name="Event">The event sequence, or <see langword="null"/> for the whole session.</param>
internal sealed record StoreEvidenceJson(
    [property: JsonPropertyName("session")] string Session,
    [property: JsonPropertyName("event"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Event);
