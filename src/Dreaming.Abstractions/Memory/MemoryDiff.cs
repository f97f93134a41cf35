using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dreaming;

/// <summary>What differs between two memory versions, insight by insight (matched by id).</summary>
/// <param name="FromVersionId">The id of the older (or base) version.</param>
/// <param name="ToVersionId">The id of the newer version.</param>
/// <param name="Added">Insights only the newer version holds, in its order.</param>
/// <param name="Removed">Insights only the older version holds, in its order.</param>
/// <param name="Changed">Insights both hold with different content, in the newer version's order.</param>
/// <param name="UnchangedCount">How many insights both hold unchanged.</param>
public sealed record MemoryDiff(
    string FromVersionId,
    string ToVersionId,
    IReadOnlyList<Insight> Added,
    IReadOnlyList<Insight> Removed,
    IReadOnlyList<InsightChange> Changed,
    int UnchangedCount)
{
    // Diffs are read by people: keep non-ASCII text as it is rather than as \u escapes. Written by hand (no serializer
    // reflection, so trimming and Native AOT keep it working) with what JsonSerializer would write.
    private static readonly JsonWriterOptions RenderOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Gets a value indicating whether both versions hold the same insights.</summary>
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;

    /// <summary>Compares two versions.</summary>
    /// <param name="from">The older (or base) version.</param>
    /// <param name="to">The newer version.</param>
    /// <returns>The differences.</returns>
    /// <remarks>Times are compared at millisecond precision, as stores keep them.</remarks>
    public static MemoryDiff Between(MemoryVersion from, MemoryVersion to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var before = new Dictionary<string, Insight>(StringComparer.Ordinal);
        foreach (var insight in from.Insights)
        {
            before.TryAdd(insight.Id, insight);
        }

        var added = new List<Insight>();
        var changed = new List<InsightChange>();
        var unchanged = 0;
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var insight in to.Insights)
        {
            if (!before.TryGetValue(insight.Id, out var old))
            {
                added.Add(insight);
                continue;
            }

            kept.Add(insight.Id);
            var fields = CompareInsights(old, insight);
            if (fields.Count == 0)
            {
                unchanged++;
            }
            else
            {
                changed.Add(new InsightChange(old, insight, fields));
            }
        }

        var removed = from.Insights.Where(insight => !kept.Contains(insight.Id)).ToList();
        return new MemoryDiff(from.Id, to.Id, added, removed, changed, unchanged);
    }

    /// <summary>Lists the fields in which two insights differ (the id is not compared).</summary>
    /// <param name="before">The older insight.</param>
    /// <param name="after">The newer insight.</param>
    /// <returns>The differing fields, in the order of <see cref="Insight"/>'s properties; empty when they are the same.</returns>
    public static IReadOnlyList<InsightFieldChange> CompareInsights(Insight before, Insight after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<InsightFieldChange>();
        Compare(changes, nameof(Insight.Kind), MemoryNames.Of(before.Kind), MemoryNames.Of(after.Kind));
        Compare(changes, nameof(Insight.Text), before.Text, after.Text);
        Compare(changes, nameof(Insight.Scope), before.Scope?.Key, after.Scope?.Key);
        Compare(changes, nameof(Insight.Triggers), Render(before.Triggers), Render(after.Triggers));
        Compare(changes, nameof(Insight.Evidence), Render(before.Evidence), Render(after.Evidence));
        Compare(changes, nameof(Insight.Helpful), Render(before.Helpful), Render(after.Helpful));
        Compare(changes, nameof(Insight.Harmful), Render(before.Harmful), Render(after.Harmful));
        Compare(changes, nameof(Insight.Seen), Render(before.Seen), Render(after.Seen));
        Compare(changes, nameof(Insight.Status), MemoryNames.Of(before.Status), MemoryNames.Of(after.Status));
        Compare(changes, nameof(Insight.Source), MemoryNames.Of(before.Source), MemoryNames.Of(after.Source));
        Compare(changes, nameof(Insight.CreatedAt), Render(before.CreatedAt), Render(after.CreatedAt));
        Compare(changes, nameof(Insight.UpdatedAt), Render(before.UpdatedAt), Render(after.UpdatedAt));
        return changes;
    }

    private static void Compare(List<InsightFieldChange> changes, string field, string? before, string? after)
    {
        if (!string.Equals(before, after, StringComparison.Ordinal))
        {
            changes.Add(new InsightFieldChange(field, before ?? string.Empty, after ?? string.Empty));
        }
    }

    private static string Render(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Render(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);

    // {"tools":[...],"keywords":[...]}
    private static string Render(InsightTriggers? triggers) => Write(triggers, static (writer, triggers) =>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("tools");
        WriteStrings(writer, triggers?.Tools ?? []);
        writer.WritePropertyName("keywords");
        WriteStrings(writer, triggers?.Keywords ?? []);
        writer.WriteEndObject();
    });

    // ["session#sequence", ...], null for a null item.
    private static string Render(IReadOnlyList<InsightEvidence>? evidence) =>
        Write(evidence ?? [], static (writer, evidence) => WriteStrings(writer, evidence.Select(item => item?.ToString())));

    private static void WriteStrings(Utf8JsonWriter writer, IEnumerable<string?> values)
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static string Write<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, RenderOptions))
        {
            write(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
