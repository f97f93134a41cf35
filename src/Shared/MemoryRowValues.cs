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
}

/// <summary>One item of an insight's evidence column; short names keep the JSON small.</summary>
/// <param name="Session">The session id.</param>
/// <param name="Event">The event sequence, or <see langword="null"/> for the whole session.</param>
internal sealed record StoreEvidenceJson(
    [property: JsonPropertyName("session")] string Session,
    [property: JsonPropertyName("event"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Event);
