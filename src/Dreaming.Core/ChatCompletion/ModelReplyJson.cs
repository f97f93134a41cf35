using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>Finds the JSON object a model's reply holds, however the model wrapped it: a Markdown code fence, prose before
/// or after it, an echoed example first. The grader, the reflector and the coordinator's planner all read their replies
/// through it.</summary>
internal static class ModelReplyJson
{
    /// <summary>Returns the first JSON object, read from one of the reply's first <paramref name="maxCandidates"/> <c>{</c>,
    /// that <paramref name="accept"/> takes; <see langword="null"/> when there is none.</summary>
    /// <remarks>Each attempt reads one JSON value and stops at its end, so what follows it is never read. A candidate that
    /// is not JSON, or not accepted, moves on to the next brace, so an object nested in a wrapper is found too; the bound on
    /// attempts keeps a long reply full of stray braces to a few passes. Half a surrogate pair in the reply reads as U+FFFD.</remarks>
    /// <param name="reply">The model's reply.</param>
    /// <param name="accept">Whether a parsed root is the object looked for.</param>
    /// <param name="maxCandidates">How many braces are tried at most.</param>
    /// <param name="options">How leniently each candidate is read (comments, trailing commas).</param>
    /// <param name="json">The UTF-8 text of the object found.</param>
    /// <returns>The object found, for the caller to dispose, or <see langword="null"/>.</returns>
    public static JsonDocument? Find(string reply, Func<JsonElement, bool> accept, int maxCandidates, JsonReaderOptions options, out ReadOnlyMemory<byte> json)
    {
        json = default;
        var utf8 = Encoding.UTF8.GetBytes(reply);
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
}
