using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>The content blocks of an Anthropic Messages message: text, attachments (noted, never stored), thinking (not
/// recorded), client and server tool calls and their results.</summary>
internal sealed partial class ConversationMapper
{
    // The characters of a failed code run's stderr its tool error keeps: the end, where a traceback's error is.
    private const int MaxStderrExcerpt = 500;

    // The characters of a return code that is no whole number of a long a tool error keeps.
    private const int MaxNumberText = 24;

    private static readonly SearchValues<char> s_identifierCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    private void ReadBlock(JsonElement block, int index, bool assistant, string where, AnthropicBlocks blocks)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(where, Invariant($"has block {index} that is {JsonElementHelpers.Describe(block.ValueKind)}, not an object"));
        }

        var type = JsonElementHelpers.GetNonBlankString(block, "type") ?? throw Malformed(where, Invariant($"has block {index} without a \"type\""));
        var what = Invariant($"has block {index}, a {type},");
        switch (type)
        {
            case "text":
                blocks.Text.Append(StringField(block, "text", () => where + Invariant($" has block {index}, a text block,"), context.Malformed));
                break;
            case "refusal":
                // OpenAI's refusal part, in a log that mixes the shapes: the answer's text, as the OpenAI reader and
                // UseDreaming() record a refusal.
                blocks.Text.Append(JsonElementHelpers.GetNonBlankString(block, "refusal"));
                break;
            case "image" or "document":
                (blocks.Notes ??= []).Add(SourceNote(block, type, where + Invariant($" has block {index}, ") + Article(type) + " block,"));
                break;
            case "search_result":
                AppendSearchResult(block, blocks.Text);
                break;
            case "container_upload":
                (blocks.Notes ??= []).Add(AttachmentNote.Of(null, null, null, null, JsonElementHelpers.GetNonBlankString(block, "file_id")));
                break;
            case "thinking" or "redacted_thinking":
                // The model's reasoning is not its answer: UseDreaming() records no reasoning content either.
                break;
            case "tool_use" or "server_tool_use" or "mcp_tool_use":
                if (!assistant)
                {
                    throw Malformed(where, what + " in a user message (tool calls come in assistant messages)");
                }

                var callId = JsonElementHelpers.GetNonBlankString(block, "id") ?? throw Malformed(where, what + " without \"id\"");
                var name = JsonElementHelpers.GetNonBlankString(block, "name") ?? throw Malformed(where, what + " without \"name\"");
                string? arguments = null;
                if (block.TryGetProperty("input", out var input) && input.ValueKind != JsonValueKind.Null)
                {
                    arguments = input.ValueKind == JsonValueKind.Object
                        ? CompactJson(input)
                        : throw Malformed(where, what + $" whose \"input\" is {JsonElementHelpers.Describe(input.ValueKind)}, not an object");
                }

                _toolNamesByCallId[callId] = name;
                (blocks.Tools ??= []).Add(new AnthropicTool(IsCall: true, callId, name, arguments, IsError: false));
                break;
            case "tool_result" or "mcp_tool_result":
                if (assistant != (type == "mcp_tool_result"))
                {
                    throw Malformed(where, what + (assistant
                        ? " in an assistant message (tool results come in user messages)"
                        : " in a user message (an MCP tool's result comes in the assistant message that called it)"));
                }

                var resultCallId = ResultCallId(block, where, what);
                (blocks.Tools ??= []).Add(new AnthropicTool(IsCall: false, resultCallId, null, ToolResultText(block, where, what), IsErrorFlag(block, where, what)));
                break;
            case var serverResult when serverResult.EndsWith(ToolResultSuffix, StringComparison.Ordinal):
                // A server tool's result (web_search_tool_result, web_fetch_tool_result, code_execution_tool_result, …),
                // in the assistant message after its server_tool_use.
                if (!assistant)
                {
                    throw Malformed(where, what + " in a user message (a server tool's result comes in the assistant message that called it)");
                }

                var serverCallId = ResultCallId(block, where, what);
                var (text, isError, errorType, errorMessage) = ServerToolResult(block, where + " " + what);
                (blocks.Tools ??= []).Add(new AnthropicTool(IsCall: false, serverCallId, null, text, isError, errorType, errorMessage));
                break;
            default:
                // A block of a newer SDK or API version: noted by its type, never its content (which may be large or
                // encrypted), so the rest of the session is still imported.
                (blocks.Notes ??= []).Add(UnknownBlockNote(type));
                break;
        }
    }

    /// <summary>Gets the number of content blocks of types this version does not know, each noted by <see cref="UnknownBlockNote"/>.</summary>
    public int UnknownBlocks { get; private set; }

    // "[unknown content block: tool_reference]", counted.
    private string UnknownBlockNote(string type)
    {
        UnknownBlocks++;
        return "[unknown content block: " + Quoted(type) + "]";
    }

    // The block types this version reads in a message's content.
    private static bool IsKnownBlock(string type) =>
        type is "text" or "image" or "document" or "search_result" or "container_upload" or "thinking" or "redacted_thinking"
            or "tool_use" or "server_tool_use" or "mcp_tool_use" or "tool_result" or "mcp_tool_result"
        || type.EndsWith(ToolResultSuffix, StringComparison.Ordinal);

    private string ResultCallId(JsonElement block, string where, string what)
    {
        var callId = JsonElementHelpers.GetNonBlankString(block, "tool_use_id") ?? throw Malformed(where, what + " without \"tool_use_id\"");
        return _toolNamesByCallId.ContainsKey(callId)
            ? callId
            : throw Malformed(where, what + " whose \"tool_use_id\" '" + Quoted(callId) + "' answers no earlier tool_use");
    }

    private bool IsErrorFlag(JsonElement block, string where, string what)
    {
        if (!block.TryGetProperty("is_error", out var flag))
        {
            return false;
        }

        return flag.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw Malformed(where, what + $" whose \"is_error\" is {JsonElementHelpers.Describe(flag.ValueKind)}, not a boolean"),
        };
    }

    // A tool result's content: a string, or blocks of text (concatenated, as ChatMessage.Text joins them), images and
    // documents (noted); null when it has none.
    private string? ToolResultText(JsonElement block, string where, string what)
    {
        if (!block.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(where, what + $" whose \"content\" is {JsonElementHelpers.Describe(content.ValueKind)}, not a string or an array of blocks");
        }

        var text = new StringBuilder();
        List<string>? notes = null;
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object ? JsonElementHelpers.GetNonBlankString(part, "type") : null;
            var holding = what + Invariant($" holding block {index}");
            switch (type)
            {
                case "text":
                    text.Append(StringField(part, "text", () => where + " " + holding + ", a text block,", context.Malformed));
                    break;
                case "image" or "document":
                    (notes ??= []).Add(SourceNote(part, type, where + " " + holding + ", " + Article(type) + " block,"));
                    break;
                case "search_result":
                    AppendSearchResult(part, text);
                    break;
                case null:
                    throw Malformed(where, holding + " that is not a block with a \"type\"");
                case var known when IsKnownBlock(known):
                    throw Malformed(where, holding + " of type '" + Quoted(type) + "', which a tool result cannot hold");
                default:
                    // Such as the tool search tool's tool_reference: noted by its type, as in a message.
                    (notes ??= []).Add(UnknownBlockNote(type));
                    break;
            }

            index++;
        }

        return notes is null ? text.ToString() : string.Join('\n', text.Length == 0 ? notes : notes.Prepend(text.ToString()));
    }

    // A server tool's result: an error object ("…_error", with its error_code) is a tool error; web search results are one
    // line each, title and address (never their encrypted_content); a fetched document its title and address, then its
    // text, or a note of it (a PDF comes as base64, never stored); anything else is stored as compact JSON.
    private (string? Text, bool IsError, string? ErrorType, string? ErrorMessage) ServerToolResult(JsonElement block, string what)
    {
        if (!block.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return (null, false, null, null);
        }

        if (content.ValueKind == JsonValueKind.Object && JsonElementHelpers.GetNonBlankString(content, "type") is { } type && type.EndsWith("_error", StringComparison.Ordinal))
        {
            return (JsonElementHelpers.GetNonBlankString(content, "error_code") is { } code ? type + ": " + code : type, true, null, null);
        }

        // A code run (bash_code_execution_result, code_execution_result) that exited with another code than 0 failed: its
        // type, and the end of its stderr, where the error usually is, as the error.
        // A code written as a float (1.0) is that code. The type is the ErrorType mining groups failures by, stored unfiltered:
        // kept only when it is an identifier, as Anthropic's are, never text of any length or kind from the log.
        // A code beyond a double (1e400) or below its smallest (1e-400, which reads as 0) is not 0 either: it is told by the
        // digits the log has, and written as it has them, cut when long.
        if (content.ValueKind == JsonValueKind.Object && content.TryGetProperty("return_code", out var returnCode)
            && returnCode.ValueKind == JsonValueKind.Number && !IsZero(returnCode))
        {
            var code = returnCode.TryGetDouble(out var exitCode) && exitCode != 0 && Math.Abs(exitCode) < 1e15 && exitCode == Math.Round(exitCode)
                ? Invariant($"{(long)exitCode}")
                : NumberText(returnCode);
            var stderr = content.TryGetProperty("stderr", out var errors) && errors.ValueKind == JsonValueKind.String ? errors.GetString()!.TrimEnd() : string.Empty;
            var message = "return code " + code + (stderr.Length == 0 ? string.Empty : ": " + StderrExcerpt(stderr));
            var runType = JsonElementHelpers.GetNonBlankString(content, "type");
            return (CompactJson(content), true, runType is not null && IsIdentifier(runType) ? runType : "code_execution_result", message);
        }

        if (content.ValueKind == JsonValueKind.Array && content.EnumerateArray().All(static r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("url", out _)))
        {
            return (string.Join('\n', content.EnumerateArray().Select(static r =>
                string.Join(' ', new[] { JsonElementHelpers.GetNonBlankString(r, "title"), JsonElementHelpers.GetNonBlankString(r, "url") }.OfType<string>()))), false, null, null);
        }

        if (content.ValueKind == JsonValueKind.Object && JsonElementHelpers.GetNonBlankString(content, "type") == "web_fetch_result"
            && content.TryGetProperty("content", out var document) && document.ValueKind == JsonValueKind.Object
            && JsonElementHelpers.GetNonBlankString(document, "type") == "document"
            && document.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object)
        {
            var heading = string.Join(' ', new[] { JsonElementHelpers.GetNonBlankString(document, "title"), JsonElementHelpers.GetNonBlankString(content, "url") }.OfType<string>());
            var body = JsonElementHelpers.GetNonBlankString(source, "type") == "text" && source.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String
                ? data.GetString()!
                : SourceNote(document, "document", what + " holding a document,");
            return (heading.Length == 0 ? body : heading + "\n" + body, false, null, null);
        }

        return (CompactJson(content), false, null, null);
    }

    // Whether a JSON number is 0: no digit of its mantissa (before an exponent) is other than 0.
    private static bool IsZero(JsonElement number)
    {
        foreach (var b in JsonMarshal.GetRawUtf8Value(number))
        {
            if (b is (byte)'e' or (byte)'E')
            {
                break;
            }

            if (b is >= (byte)'1' and <= (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    // A number as the log writes it (ASCII), its first MaxNumberText characters and an ellipsis when longer.
    private static string NumberText(JsonElement number)
    {
        var raw = JsonMarshal.GetRawUtf8Value(number);
        return raw.Length <= MaxNumberText ? Encoding.ASCII.GetString(raw) : Encoding.ASCII.GetString(raw[..MaxNumberText]) + "…";
    }

    // Up to 64 ASCII letters, digits and underscores, as the block and content types of the API are.
    private static bool IsIdentifier(string type) => type.Length <= 64 && type.AsSpan().IndexOfAnyExcept(s_identifierCharacters) < 0;

    // The last MaxStderrExcerpt characters of a failed run's stderr (a traceback ends with its error), never half a
    // surrogate pair, after an ellipsis when cut.
    private static string StderrExcerpt(string stderr)
    {
        if (stderr.Length <= MaxStderrExcerpt)
        {
            return stderr;
        }

        var start = stderr.Length - MaxStderrExcerpt + 1;
        if (char.IsLowSurrogate(stderr[start]))
        {
            start++;
        }

        return string.Concat("…", stderr.AsSpan(start));
    }

    // A search result given to the model as text: its text blocks, concatenated.
    private static void AppendSearchResult(JsonElement block, StringBuilder text)
    {
        if (block.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in content.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
                {
                    text.Append(value.GetString());
                }
            }
        }
    }

    // An image or document by its source, as the OpenAI parts are noted: base64 by its media type and the size it decodes
    // to (never decoded), a link without its query, a file by its id, a text document by its media type and UTF-8 size.
    private string SourceNote(JsonElement block, string kind, string what)
    {
        block.TryGetProperty("source", out var source);
        if (source.ValueKind != JsonValueKind.Object)
        {
            throw context.Malformed(what + $" whose \"source\" is {JsonElementHelpers.Describe(source.ValueKind)}, not an object");
        }

        var title = JsonElementHelpers.GetNonBlankString(block, "title");
        var mediaType = JsonElementHelpers.GetNonBlankString(source, "media_type") ?? kind;
        source.TryGetProperty("data", out var data);
        switch (JsonElementHelpers.GetNonBlankString(source, "type"))
        {
            case "base64" when data.ValueKind == JsonValueKind.String:
                return AttachmentNote.Of(mediaType, Base64Length(RawString(data)), title, null, null);
            case "text" when data.ValueKind == JsonValueKind.String:
                return AttachmentNote.Of(mediaType, Encoding.UTF8.GetByteCount(data.GetString()!), title, null, null);
            case "url" when Uri.TryCreate(JsonElementHelpers.GetNonBlankString(source, "url"), UriKind.Absolute, out var link):
                return AttachmentNote.Of(kind, null, title, link, null);
            case "file":
                return AttachmentNote.Of(kind, null, title, null, JsonElementHelpers.GetNonBlankString(source, "file_id"));
            default:
                return AttachmentNote.Of(mediaType, null, title, null, null);
        }
    }

    private static string Article(string type) => type == "image" ? "an image" : "a document";

    private static string CompactJson(JsonElement value) => JsonSerializer.Serialize(value, ChatMessageContract.Options.GetTypeInfo(typeof(JsonElement)));
}
