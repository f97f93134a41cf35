using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>The Responses API's items of tools other than functions: those OpenAI runs (web search, file search, code
/// interpreter, image generation, MCP), whose item holds the call and its outcome, and those the client runs (computer
/// use, the shell tools, custom tools), whose result is an <c>…_output</c> item of the next request.</summary>
internal sealed partial class ConversationMapper
{
    // The fields of a tool's item that are not its call's arguments: bookkeeping, and the outcome a hosted tool's item holds.
    private static readonly HashSet<string> s_notArguments = new(StringComparer.Ordinal)
    {
        "type", "id", "call_id", "status", "name", "arguments", "output", "outputs", "result", "results", "error", "tools", "approval_request_id",
    };

    /// <summary>Maps a Responses API item that is no message, function call or function call output, in a request's input
    /// or a response's output: a tool's call (and its result, when the item holds it) or a client-run tool's result; the
    /// items that are no tool's are not recorded (reasoning, as live), and one of a type this version does not know is
    /// counted in <see cref="UnknownBlocks"/>.</summary>
    private void MapToolItem(JsonElement item, string type, int index)
    {
        switch (type)
        {
            case "reasoning" or "item_reference" or "mcp_approval_request" or "mcp_approval_response" or "message":
                break;
            case "mcp_list_tools":
            case not null when type.EndsWith("_call", StringComparison.Ordinal):
                MapToolCallItem(item, type, index);
                break;
            case not null when type.EndsWith("_call_output", StringComparison.Ordinal):
                var callId = JsonElementHelpers.GetNonBlankString(item, "call_id") ?? throw Malformed(index, "is " + ItemArticle(type) + " without \"call_id\"");
                AddToolResult(callId, toolName: null, ToolOutputText(item, index), flaggedAsError: JsonElementHelpers.GetNonBlankString(item, "status") is "failed" or "incomplete");
                break;
            default:
                UnknownBlocks++;
                break;
        }
    }

    /// <summary>Maps a tool's item <c>UseDreaming()</c> was given live as a bare content (<see cref="RawItemEvents"/>), as
    /// the same item of a response's output or a request's input is mapped.</summary>
    internal void MapLiveItem(JsonElement item, string type) => MapToolItem(item, type, index: 0);

    /// <summary>Gets the numbers of a session's tool items without an id, 1 first, when they are counted across several
    /// mappers (live, one mapper an item: <see cref="TranscriptTracker.NextIdlessToolItem"/>); <see langword="null"/>: this
    /// mapper counts them, as the import of one session does.</summary>
    internal Func<int>? NextIdlessToolItem { get; init; }

    // The call id of a tool's item that has neither a call_id nor an id: its type and its number among the session's such
    // items, in the order they were recorded, so that two of one type (in one response or two) stay apart and a session
    // recorded live and its import give the same ids.
    private string FallbackCallId(string type) =>
        Invariant($"call-{type}-{NextIdlessToolItem?.Invoke() ?? ++_idlessToolItems}");

    // The call: by its call_id (a tool the client runs) or its id, named by its "name" (an MCP or custom tool) or its type
    // without "_call"; its arguments a JSON string (an MCP call's, read as a function call's) or the item's other fields as
    // compact JSON. A tool OpenAI ran (no call_id) that is no longer running also has its result: failed or incomplete by
    // its status, or by an "error".
    private void MapToolCallItem(JsonElement item, string type, int index)
    {
        var clientRun = JsonElementHelpers.GetNonBlankString(item, "call_id") is not null;
        var callId = JsonElementHelpers.GetNonBlankString(item, "call_id") ?? JsonElementHelpers.GetNonBlankString(item, "id") ?? FallbackCallId(type);
        var name = JsonElementHelpers.GetNonBlankString(item, "name") ?? (type.EndsWith("_call", StringComparison.Ordinal) ? type[..^"_call".Length] : type);
        if (item.TryGetProperty("arguments", out _))
        {
            // Named by its type when it has no "name" (an item of a type this version does not know), as one without arguments is.
            AddToolCall(callId, item, index, ItemArticle(type), nameWhenNone: name);
        }
        else
        {
            // A web search's search action has its queries or none, as live; its other actions keep their fields.
            AddToolCall(callId, name, HostedArguments(item, type) ?? (IsSearch(item, type) ? null : OtherFields(item)));
        }

        var status = JsonElementHelpers.GetNonBlankString(item, "status");
        if (clientRun || status is not (null or "completed" or "failed" or "incomplete"))
        {
            return;
        }

        item.TryGetProperty("error", out var error);
        var errorMessage = error.ValueKind switch
        {
            JsonValueKind.String when !string.IsNullOrWhiteSpace(error.GetString()) => error.GetString(),
            JsonValueKind.Object => JsonElementHelpers.GetNonBlankString(error, "message") ?? CompactJson(error),
            _ when status is "failed" or "incomplete" => type + " " + status,
            _ => null,
        };
        AddToolResult(callId, name, HostedToolResult(item), errorMessage is not null, errorMessage: errorMessage);
    }

    // The arguments UseDreaming() records live of the code interpreter (its code) and of a web search (its queries), which
    // Microsoft.Extensions.AI gives as CodeInterpreterToolCallContent.Inputs and WebSearchToolCallContent.Queries: the same
    // JSON, so a live session and its import agree; null for the others (and a web search's other actions).
    private static string? HostedArguments(JsonElement item, string type)
    {
        if (type == "code_interpreter_call")
        {
            return JsonElementHelpers.GetNonBlankString(item, "code") is { } code ? ChatMessageEvents.SerializeArguments(new Dictionary<string, object?> { ["code"] = code }) : null;
        }

        if (type != "web_search_call" || !item.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // Its "queries", else its "query", of a search action (not a page opened or found), as Microsoft.Extensions.AI.OpenAI
        // 10.11 reads them into WebSearchToolCallContent; blank ones are no queries, live too.
        if (!IsSearch(item, type))
        {
            return null;
        }

        var queries = new List<string>();
        if (action.TryGetProperty("queries", out var more) && more.ValueKind == JsonValueKind.Array)
        {
            queries.AddRange(more.EnumerateArray().Where(static q => q.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(q.GetString())).Select(static q => q.GetString()!));
        }

        if (queries.Count == 0 && JsonElementHelpers.GetNonBlankString(action, "query") is { } query)
        {
            queries.Add(query);
        }

        return queries.Count == 0 ? null : ChatMessageEvents.SerializeArguments(new Dictionary<string, object?> { ["queries"] = queries });
    }

    // Whether the item is a web search whose action is a search (its "type" "search", or none), not a page opened or found.
    private static bool IsSearch(JsonElement item, string type) =>
        type == "web_search_call" && item.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.Object
        && (!action.TryGetProperty("type", out var kind) || (kind.ValueKind == JsonValueKind.String && kind.GetString() == "search"));

    // What a hosted tool's item holds of its outcome: an MCP call's output, the code interpreter's logs (and a note of each
    // image), the files a search found, the pages a web search read, a note of a generated image (never its base64), the
    // tools an MCP server listed; null when none.
    private static string? HostedToolResult(JsonElement item)
    {
        if (item.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.String)
        {
            return output.GetString();
        }

        if (item.TryGetProperty("result", out var image) && image.ValueKind == JsonValueKind.String)
        {
            var format = JsonElementHelpers.GetNonBlankString(item, "output_format");
            return AttachmentNote.Of(format is null ? "image" : "image/" + format, Base64Length(RawString(image)), null, null, null);
        }

        var lines = new List<string>();
        if (item.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in outputs.EnumerateArray().Where(static p => p.ValueKind == JsonValueKind.Object))
            {
                if (JsonElementHelpers.GetNonBlankString(part, "logs") is { } logs)
                {
                    lines.Add(logs);
                }
                else if (part.TryGetProperty("url", out var url))
                {
                    lines.Add(NoteOf(url, "image", name: null, fileId: null));
                }
            }
        }

        AddEach(lines, item, "results", static r => JsonElementHelpers.GetNonBlankString(r, "filename") ?? JsonElementHelpers.GetNonBlankString(r, "file_id"));
        AddEach(lines, item, "tools", static t => JsonElementHelpers.GetNonBlankString(t, "name"));
        if (item.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.Object)
        {
            AddEach(lines, action, "sources", static s => JsonElementHelpers.GetNonBlankString(s, "url"));
        }

        return lines.Count == 0 ? null : string.Join('\n', lines);
    }

    // One line for each object of an array property that has a value.
    private static void AddEach(List<string> lines, JsonElement owner, string property, Func<JsonElement, string?> line)
    {
        if (owner.TryGetProperty(property, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            lines.AddRange(array.EnumerateArray().Where(static e => e.ValueKind == JsonValueKind.Object).Select(line).OfType<string>());
        }
    }

    // A client-run tool's output: a string, parts (read as a message's content), a screenshot (noted), else compact JSON.
    private string? ToolOutputText(JsonElement item, int index)
    {
        if (!item.TryGetProperty("output", out var output) || output.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (output.ValueKind == JsonValueKind.Object)
        {
            return output.TryGetProperty("image_url", out var screenshot) || output.TryGetProperty("file_id", out _)
                ? NoteOf(screenshot, "image", name: null, JsonElementHelpers.GetNonBlankString(output, "file_id"))
                : CompactJson(output);
        }

        return ReadContent(output, "output", index).Text;
    }

    // The item's fields other than bookkeeping and outcome, as compact JSON; null when it has none.
    private static string? OtherFields(JsonElement item)
    {
        using var buffer = new MemoryStream();
        var any = false;
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ChatMessageContract.Options.Encoder }))
        {
            writer.WriteStartObject();
            foreach (var property in item.EnumerateObject())
            {
                if (!s_notArguments.Contains(property.Name))
                {
                    property.WriteTo(writer);
                    any = true;
                }
            }

            writer.WriteEndObject();
        }

        return any ? Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) : null;
    }

    private static string ItemArticle(string type) => (type[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an " : "a ") + Quoted(type);
}
