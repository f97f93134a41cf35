using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>An OpenAI message's <c>content</c>: a string, or an array of parts whose images, audio and files are noted
/// as <see cref="AttachmentNote"/> notes them in a live session, never stored.</summary>
internal sealed partial class ConversationMapper
{
    /// <summary>A message's content as recorded (<see cref="Text"/>: its text, then a note of each attachment, one a
    /// line), and its text alone (<see cref="TextAlone"/>), which the fallback task prefers.</summary>
    private readonly record struct Content(string? Text, string? TextAlone);

    private Content ReadContent(JsonElement message, int index)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            // A refusal in place of the content (OpenAI's "refusal" beside "content": null) is the answer's text, as
            // UseDreaming() records a live one.
            var refusal = JsonElementHelpers.GetNonBlankString(message, "refusal");
            return new Content(refusal, refusal);
        }

        return ReadContent(content, "content", index);
    }

    // A string, or an array of parts (a message's "content", a Responses API function_call_output's "output").
    private Content ReadContent(JsonElement content, string name, int index)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                var whole = content.GetString();
                return new Content(whole, whole);
            case JsonValueKind.Array:
                // Multi-part content: the text parts joined with line breaks, then a note of each image, audio or file.
                var parts = new List<string>();
                List<string>? notes = null;
                foreach (var part in content.EnumerateArray())
                {
                    if (PartText(part) is { } partText)
                    {
                        parts.Add(partText);
                    }
                    else if (PartNote(part) is { } note)
                    {
                        (notes ??= []).Add(note);
                    }
                    else if (UnknownPartName(part) is { } unknown)
                    {
                        // Another vendor's part, or a newer API's: noted by its type and counted, as the Anthropic reader
                        // notes a block it does not know, never its content.
                        (notes ??= []).Add(UnknownBlockNote(unknown));
                    }
                }

                var text = string.Join('\n', parts);
                return new Content(notes is null ? text : string.Join('\n', parts.Count == 0 ? notes : parts.Concat(notes)), text);
            default:
                throw Malformed(index, $"has \"{name}\" that is {JsonElementHelpers.Describe(content.ValueKind)}, not a string, an array of parts or null");
        }
    }

    // A part's text: a string, a text part's "text" (also the Responses API's input_text and output_text), or a
    // refusal part's "refusal" (recorded as a live refusal is, as the message's text).
    private static string? PartText(JsonElement part) => part.ValueKind switch
    {
        JsonValueKind.String => part.GetString(),
        JsonValueKind.Object when part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when part.TryGetProperty("refusal", out var value) && value.ValueKind == JsonValueKind.String => value.GetString(),
        _ => null,
    };

    // The name a part of a type this reader does not know is noted by: its "type", or, without one (Amazon Bedrock's
    // { "image": … }), its first property's name; null for a known part (a text part whose text is null, say) and for
    // anything but an object with a property.
    private static string? UnknownPartName(JsonElement part)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            var name = type.GetString();
            return string.IsNullOrWhiteSpace(name) || IsOpenAiPart(name) ? null : name;
        }

        foreach (var property in part.EnumerateObject())
        {
            return string.IsNullOrWhiteSpace(property.Name) ? null : property.Name;
        }

        return null;
    }

    // A part that is an image (image_url, input_image), audio (input_audio) or a file (file, input_file); null for other
    // parts.
    private static string? PartNote(JsonElement part)
    {
        if (part.ValueKind != JsonValueKind.Object || JsonElementHelpers.GetNonBlankString(part, "type") is not { } type)
        {
            return null;
        }

        switch (type)
        {
            case "image_url" or "input_image":
                // Chat Completions: { "image_url": { "url": … } }; the Responses API: { "image_url": "…" } or { "file_id": … }.
                var image = part.TryGetProperty("image_url", out var imageUrl) && imageUrl.ValueKind == JsonValueKind.Object && imageUrl.TryGetProperty("url", out var url) ? url : imageUrl;
                return NoteOf(image, "image", name: null, JsonElementHelpers.GetNonBlankString(part, "file_id"));
            case "input_audio":
                // { "input_audio": { "data": base64, "format": "wav" } }
                if (!part.TryGetProperty("input_audio", out var audio) || audio.ValueKind != JsonValueKind.Object)
                {
                    return AttachmentNote.Of("audio", null, null, null, null);
                }

                var format = JsonElementHelpers.GetNonBlankString(audio, "format");
                var size = audio.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String ? Base64Length(RawString(data)) : (long?)null;
                return AttachmentNote.Of(format is null ? "audio" : "audio/" + format, size, null, null, null);
            case "file" or "input_file":
                // Chat Completions: { "file": { "file_data": data URL, "filename", "file_id" } }; the Responses API has them on the part.
                var file = part.TryGetProperty("file", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : part;
                file.TryGetProperty("file_data", out var fileData);
                return NoteOf(fileData, null, JsonElementHelpers.GetNonBlankString(file, "filename"), JsonElementHelpers.GetNonBlankString(file, "file_id"));
            default:
                return null;
        }
    }

    // A note of a part's address: a data URL by its media type and size (its bytes are never read into a string), any
    // other URL by itself, or else a hosted file's id.
    private static string NoteOf(JsonElement address, string? kind, string? name, string? fileId)
    {
        if (address.ValueKind == JsonValueKind.String)
        {
            var raw = RawString(address);
            if (raw.StartsWith("data:"u8))
            {
                var comma = raw.IndexOf((byte)',');
                var header = comma < 0 ? raw[5..] : raw[5..comma];
                var semicolon = header.IndexOf((byte)';');
                var mediaType = Unescaped(semicolon < 0 ? header : header[..semicolon]);
                long? size = comma >= 0 && header.EndsWith(";base64"u8) ? Base64Length(raw[(comma + 1)..]) : null;
                return AttachmentNote.Of(string.IsNullOrWhiteSpace(mediaType) ? kind : mediaType, size, name, null, fileId);
            }

            if (Uri.TryCreate(address.GetString(), UriKind.Absolute, out var link))
            {
                return AttachmentNote.Of(kind, null, name, link, fileId);
            }
        }

        return AttachmentNote.Of(kind, null, name, null, fileId);
    }

    // The string's UTF-8 as the file holds it, without its quotes, escapes and all (Base64Length reads through them).
    private static ReadOnlySpan<byte> RawString(JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        return raw.Length >= 2 ? raw[1..^1] : raw;
    }

    // A short piece of a string as the file holds it, unescaped: a media type's '+' (image/svg+xml) is "\u002B" as
    // System.Text.Json writes it by default, its '/' "\/" as others do.
    private static string Unescaped(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }

        var quoted = new byte[raw.Length + 2];
        quoted[0] = quoted[^1] = (byte)'"';
        raw.CopyTo(quoted.AsSpan(1));
        try
        {
            var reader = new Utf8JsonReader(quoted);
            return reader.Read() && reader.GetString() is { } text ? text : Encoding.UTF8.GetString(raw);
        }
        catch (JsonException)
        {
            // Cut inside an escape: kept as the file has it.
            return Encoding.UTF8.GetString(raw);
        }
    }

    // The size the base64 decodes to, read from its length: a writer may escape some of its characters (System.Text.Json's
    // default encoder writes '+' as "\u002B", and '=' too; others write '/' as "\/"), so when the text holds a backslash
    // each escape is counted as the one character it stands for, in one pass and without unescaping it into a string.
    private static long Base64Length(ReadOnlySpan<byte> base64)
    {
        if (base64.IndexOf((byte)'\\') < 0)
        {
            var padding = base64.EndsWith("=="u8) ? 2 : base64.EndsWith("="u8) ? 1 : 0;
            return Math.Max(0, (base64.Length * 3L / 4) - padding);
        }

        long length = 0;
        var trailing = 0;
        for (var i = 0; i < base64.Length; i++, length++)
        {
            var ch = base64[i];
            if (ch == '\\' && i + 1 < base64.Length)
            {
                if (base64[i + 1] == 'u' && i + 5 < base64.Length)
                {
                    ch = base64.Slice(i + 2, 4) is var hex && (hex.SequenceEqual("003D"u8) || hex.SequenceEqual("003d"u8)) ? (byte)'=' : (byte)'A';
                    i += 5;
                }
                else
                {
                    ch = base64[++i];
                }
            }

            trailing = ch == '=' ? trailing + 1 : 0;
        }

        return Math.Max(0, (length * 3 / 4) - Math.Min(trailing, 2));
    }
}
