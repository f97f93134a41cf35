using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>Finds the JSON object a model's reply holds, however the model wrapped it: a Markdown code fence, prose before
/// or after it, an echoed example first. The grader, the reflector and the coordinator's planner all read their replies
/// through it.</summary>
internal static class ModelReplyJson
{
    /// <summary>Returns the value of <paramref name="element"/>'s property <paramref name="name"/>, its name read in any
    /// case (a model may write <c>"Items"</c> or <c>"Verdict"</c>): the first such property of the object, or
    /// <see langword="null"/> when it has none or <paramref name="element"/> is not an object.</summary>
    /// <param name="element">The element read.</param>
    /// <param name="name">The property's name.</param>
    /// <returns>The property's value, or <see langword="null"/>.</returns>
    public static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    /// <summary>Returns the first JSON object, read from one of the reply's first <paramref name="maxCandidates"/> <c>{</c>,
    /// that <paramref name="accept"/> takes; <see langword="null"/> when there is none.</summary>
    /// <remarks>Each attempt reads one JSON value and stops at its end, so what follows it is never read. A candidate that
    /// is not JSON, or not accepted, moves on to the next brace, so an object nested in a wrapper is found too; the bound on
    /// attempts keeps a long reply full of stray braces to a few passes. Half a surrogate pair in the reply reads as U+FFFD,
    /// whether raw or written as a <c>\u</c> escape (<c>"\ud800"</c>), so no string or property name of the object found
    /// throws when it is read.</remarks>
    /// <param name="reply">The model's reply.</param>
    /// <param name="accept">Whether a parsed root is the object looked for.</param>
    /// <param name="maxCandidates">How many braces are tried at most.</param>
    /// <param name="options">How leniently each candidate is read (comments, trailing commas).</param>
    /// <param name="json">The UTF-8 text of the object found.</param>
    /// <returns>The object found, for the caller to dispose, or <see langword="null"/>.</returns>
    public static JsonDocument? Find(string reply, Func<JsonElement, bool> accept, int maxCandidates, JsonReaderOptions options, out ReadOnlyMemory<byte> json)
    {
        json = default;
        var utf8 = Utf8(reply);
        var start = Array.IndexOf(utf8, (byte)'{');
        for (var tried = 0; start >= 0 && tried < maxCandidates; tried++)
        {
            var reader = new Utf8JsonReader(utf8.AsSpan(start), options);
            JsonDocument? document = null;
            try
            {
                document = JsonDocument.ParseValue(ref reader);
            }
            catch (JsonException)
            {
                // Not JSON from this brace (prose such as "{id, agent}"): try the next one.
            }

            if (document is not null)
            {
                if (accept(document.RootElement))
                {
                    json = utf8.AsMemory(start, (int)reader.BytesConsumed);
                    return document;
                }

                document.Dispose();
            }

            start = Array.IndexOf(utf8, (byte)'{', start + 1);
        }

        return null;
    }

    /// <summary>The reply's UTF-8 bytes, with half a surrogate pair as U+FFFD: raw (as <see cref="Encoding.UTF8"/> writes it)
    /// and as a <c>\u</c> escape, which a JSON reader takes but cannot turn into a string (its
    /// <see cref="JsonElement.GetString"/>, a property's name and a lookup by name then throw an
    /// <see cref="InvalidOperationException"/>).</summary>
    /// <remarks>An escape keeps its six bytes (<c>\uFFFD</c>), so every offset is unchanged. An escaped backslash
    /// (<c>\\ud800</c>) is text, not an escape, and is left alone.</remarks>
    /// <param name="reply">The model's reply.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Utf8(string reply)
    {
        var utf8 = Encoding.UTF8.GetBytes(reply);

        // The offset of a high surrogate's escape not yet followed by its low one, or -1.
        var high = -1;
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] != (byte)'\\')
            {
                continue;
            }

            var unit = EscapedUnit(utf8, i);
            var pair = high >= 0 && high + 6 == i && unit is >= 0xDC00 and <= 0xDFFF;
            if (high >= 0 && !pair)
            {
                Replace(utf8, high);
            }

            high = unit is >= 0xD800 and <= 0xDBFF ? i : -1;
            if (unit is >= 0xDC00 and <= 0xDFFF && !pair)
            {
                Replace(utf8, i);
            }

            // Skip the escape's letter: the second backslash of an escaped backslash starts no escape.
            i++;
        }

        if (high >= 0)
        {
            Replace(utf8, high);
        }

        return utf8;
    }

    /// <summary>Whether JSON text writes half a surrogate pair as a <c>\u</c> escape, which a JSON reader takes but cannot
    /// turn into a string (so reading it throws an <see cref="InvalidOperationException"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns><see langword="true"/> when <see cref="Utf8"/> would replace an escape.</returns>
    /// <remarks>It copies the text twice: for error paths, not for every reply.</remarks>
    public static bool HasHalfSurrogateEscape(string json) =>
        !Utf8(json).AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(json));

    // The UTF-16 unit of the \uXXXX escape at `at`, or -1 when the backslash starts another escape (or none).
    private static int EscapedUnit(byte[] utf8, int at)
    {
        if (at + 5 >= utf8.Length || utf8[at + 1] != (byte)'u')
        {
            return -1;
        }

        var unit = 0;
        for (var k = at + 2; k < at + 6; k++)
        {
            var digit = HexDigit(utf8[k]);
            if (digit < 0)
            {
                return -1;
            }

            unit = (unit << 4) | digit;
        }

        return unit;
    }

    private static int HexDigit(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static void Replace(byte[] utf8, int at) => "\\uFFFD"u8.CopyTo(utf8.AsSpan(at));
}
