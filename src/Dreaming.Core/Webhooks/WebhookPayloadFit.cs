using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dreaming;

/// <summary>Keeps an event's body within <see cref="WebhookOptions.MaxPayloadBytes"/>: when the body is larger, the longest
/// free texts of its <c>data</c> are cut (each to the same length, the longest first, as little as fits), each ending with
/// <c>…</c>, and <c>data.truncated</c> lists them (<c>path</c>, a JSON Pointer into <c>data</c>, and <c>original_length</c>
/// in characters). Ids, types, timestamps, the scope, the criterion ids of the required-criteria lists
/// (<c>failed_required</c>, <c>errored_required</c>, <c>skipped_required</c>), numbers, property names, strings of at most
/// <see cref="KeepWhole"/> bytes, and values that are written as strings but are not (a <see cref="Guid"/>, a date, a
/// <see cref="char"/> put in with <see cref="JsonValue.Create{T}(T, JsonNodeOptions?)"/>) are never cut.</summary>
/// <remarks>Runs when an event is made, before it is stored and signed, so every attempt sends the same valid JSON. Costs
/// one serialisation of the body when it fits; the caller's data is never changed (an event that is cut gets a copy).
/// Thread-safe: it keeps no state.</remarks>
internal static class WebhookPayloadFit
{
    /// <summary>The key of the list of cut texts in <c>data</c>.</summary>
    public const string CutKey = "truncated";

    /// <summary>Strings of at most this many bytes in the body (quotes and escapes included) are never cut: enough for
    /// statuses, labels and names.</summary>
    public const int KeepWhole = 64;

    private const string Ellipsis = "…";

    /// <summary>Fits <paramref name="webhookEvent"/> within <paramref name="maxBytes"/>.</summary>
    /// <returns>The event, or a copy with texts cut; the body's size before and after; and how many texts were cut (0 when
    /// it fit already, when there was nothing to cut, or when cutting would not have made the body smaller).</returns>
    public static (WebhookEvent Event, int OriginalBytes, int Bytes, int Cut) Fit(WebhookEvent webhookEvent, int maxBytes)
    {
        var original = BodyBytes(webhookEvent);
        if (original <= maxBytes || webhookEvent.Data.ContainsKey(CutKey))
        {
            return (webhookEvent, original, original, 0);
        }

        var data = (JsonObject)webhookEvent.Data.DeepClone();
        var texts = new List<Text>();
        Collect(data, string.Empty, texts);
        if (texts.Count == 0)
        {
            return (webhookEvent, original, original, 0);
        }

        // What the texts take now, and the list of cuts at its largest (every text cut): the rest of the body stays as it is.
        var textBytes = texts.Sum(t => (long)t.Bytes);
        var listBytes = Encoded(Markers(texts)) + CutKey.Length + 4;
        var budget = maxBytes - (original - textBytes) - listBytes;
        for (var round = 0; round < 4; round++)
        {
            var level = Level(texts, budget);
            var cut = new List<Text>();
            foreach (var text in texts)
            {
                var over = text.Bytes > level;
                text.Set(JsonValue.Create(over ? Shorten(text.Original, level) : text.Original));
                if (over)
                {
                    cut.Add(text);
                }
            }

            if (cut.Count == 0)
            {
                // Only what is never cut is over the limit: the event goes as it is.
                return (webhookEvent, original, original, 0);
            }

            data[CutKey] = Markers(cut);
            var fitted = webhookEvent with { Data = data };
            var bytes = BodyBytes(fitted);
            if (bytes <= maxBytes || level <= KeepWhole || round == 3)
            {
                // Texts just over KeepWhole save less when cut than their entries in the list take: cutting thousands of
                // them would only make the body larger and every text shorter, so such an event goes as it is.
                return bytes < original ? (fitted, original, bytes, cut.Count) : (webhookEvent, original, original, 0);
            }

            budget -= bytes - maxBytes;
        }

        throw new InvalidOperationException("unreachable");
    }

    /// <summary>The body's size in bytes, as the stores write it.</summary>
    public static int BodyBytes(WebhookEvent webhookEvent) => Encoding.UTF8.GetByteCount(webhookEvent.ToBody());

    // The largest length each text may keep so that all of them take at most the budget; never below KeepWhole.
    private static int Level(List<Text> texts, long budget)
    {
        int low = KeepWhole, high = texts.Max(t => t.Bytes);
        while (low < high)
        {
            var mid = low + ((high - low + 1) / 2);
            if (texts.Sum(t => (long)Math.Min(t.Bytes, mid)) <= budget)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    // The longest start of the text, on a whole character, that with the ellipsis takes at most the given bytes.
    private static string Shorten(string value, int bytes)
    {
        int low = 0, high = value.Length;
        while (low < high)
        {
            var mid = low + ((high - low + 1) / 2);
            if (Encoded(JsonValue.Create(Cut(value, mid))) <= bytes)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return Cut(value, low);
    }

    private static string Cut(string value, int length) => string.Concat(TextCut.Start(value, length), Ellipsis);

    private static JsonArray Markers(List<Text> texts) =>
        new([.. texts.Select(t => (JsonNode)new JsonObject { ["path"] = t.Path, ["original_length"] = t.Original.Length })]);

    private static void Collect(JsonNode node, string path, List<Text> texts)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (child is not null && !IsProtected(name))
                    {
                        Visit(child, path + "/" + Escape(name), texts, v => obj[name] = v);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var index = i;
                    if (array[i] is { } child)
                    {
                        Visit(child, path + "/" + i.ToString(CultureInfo.InvariantCulture), texts, v => array[index] = v);
                    }
                }

                break;
        }
    }

    private static void Visit(JsonNode child, string path, List<Text> texts, Action<JsonNode> set)
    {
        if (child is JsonValue value)
        {
            // Only a string is a free text: a Guid, a date or a char that data built in code holds is written as a JSON
            // string too, but is not one to read as such (GetValue<string> throws) and is kept as it is.
            if (value.GetValueKind() == JsonValueKind.String && value.TryGetValue<string>(out var text) && Encoded(value) is var bytes && bytes > KeepWhole)
            {
                texts.Add(new Text(path, text, bytes, set));
            }
        }
        else
        {
            Collect(child, path, texts);
        }
    }

    // Ids, types, timestamps and the scope (an id too) are what a receiver routes and deduplicates by; the lists of
    // required criteria (outcome.evaluation_ended) hold criterion ids, matched against criteria[].id, which is kept whole.
    private static bool IsProtected(string name) =>
        name is "id" or "type" or "timestamp" or "scope" or CutKey or "failed_required" or "errored_required" or "skipped_required"
        || name.EndsWith("_id", StringComparison.Ordinal)
        || name.EndsWith("_at", StringComparison.Ordinal)
        || name.EndsWith("_type", StringComparison.Ordinal);

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static int Encoded(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        return buffer.WrittenCount;
    }

    // A text that may be cut: where it is, what it was, its size in the body as it was, and how to put a new value there.
    private sealed record Text(string Path, string Original, int Bytes, Action<JsonNode> Set);
}
