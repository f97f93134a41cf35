using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

// The hosted tools' contents (McpServerToolCallContent, CodeInterpreterToolCallContent, WebSearchToolCallContent and the
// like) are marked [Experimental("MEAI001")] in Microsoft.Extensions.AI 10.11: they are only read here.
#pragma warning disable MEAI001

namespace Dreaming;

/// <summary>Turns the contents of the tools a service runs itself (Microsoft.Extensions.AI's <see cref="ToolCallContent"/>
/// and <see cref="ToolResultContent"/> other than function calls and results: MCP, code interpreter, image generation, web
/// search, and the base types a provider gives the others) into tool calls and results, as the import records the
/// Responses API's items of those tools.</summary>
internal static class HostedToolEvents
{
    /// <summary>The hosted tools' contents of the messages, by call id, in order, gathered once when the first of them is
    /// met, so that putting each call together takes the steps of its own contents, not of every content after it (it took
    /// n²/2 steps for a response of n hosted contents).</summary>
    internal sealed class Contents
    {
        private readonly Dictionary<string, Pending> _byCallId = new(StringComparer.Ordinal);

        /// <summary>Gathers the hosted contents of <paramref name="messages"/> from <paramref name="messages"/>[<paramref name="m"/>].Contents[<paramref name="at"/>] on.</summary>
        public Contents(IReadOnlyList<ChatMessage> messages, int m, int at)
        {
            for (var i = m; i < messages.Count; i++)
            {
                var contents = messages[i].Contents;
                for (var c = i == m ? at : 0; c < contents.Count; c++)
                {
                    if (CallIdOf(contents[c]) is { } callId)
                    {
                        if (!_byCallId.TryGetValue(callId, out var pending))
                        {
                            _byCallId[callId] = pending = new Pending();
                        }

                        pending.Items.Add(contents[c]);
                    }
                }
            }
        }

        /// <summary>Gets the contents of <paramref name="content"/>'s call id not yet used, when <paramref name="content"/> is
        /// the first of them (a content already used is not).</summary>
        internal Pending? Unused(AIContent content, string callId) =>
            _byCallId.TryGetValue(callId, out var pending) && pending.Next < pending.Items.Count && ReferenceEquals(pending.Items[pending.Next], content)
                ? pending
                : null;
    }

    /// <summary>A call id's contents, in order, and the first not yet used: a call uses the contents that follow it up to
    /// the next call after its result, so those used are always the first.</summary>
    internal sealed class Pending
    {
        /// <summary>Gets the contents.</summary>
        public List<AIContent> Items { get; } = [];

        /// <summary>Gets or sets the index of the first content not yet used.</summary>
        public int Next { get; set; }
    }

    /// <summary>Adds the call (and its result, when the messages hold one) of the hosted tool whose content is
    /// <paramref name="messages"/>[<paramref name="m"/>].Contents[<paramref name="at"/>], from the contents of its call id
    /// there and after, in that message and the next ones: a stream's updates may give a call in pieces (the code
    /// interpreter's code), a result without its call, or several results (an image's partial images), and a call's
    /// result may come in a later message. A call of the same id after the call and its result is a call of its own (a
    /// provider that numbers its calls per round may use an id again). A content already used by an earlier call is
    /// skipped. In a request (<paramref name="request"/>), a result without its call is the result of a tool the client ran
    /// (a computer use's), whose call was recorded when the model made it: the result alone is recorded, named by that
    /// call.</summary>
    public static void Add(List<SessionEvent> events, IReadOnlyList<ChatMessage> messages, int m, int at, ref Contents? gathered, TranscriptTracker transcript, bool request, string? toolErrorPrefix, string sessionId, DateTimeOffset timestamp, long? lastSequence)
    {
        var first = messages[m].Contents[at];
        var callId = CallIdOf(first)!;
        if ((gathered ??= new Contents(messages, m, at)).Unused(first, callId) is not { } pending)
        {
            return;
        }

        string? name = null;
        string? code = null;
        IList<string>? queries = null;
        IDictionary<string, object?>? mcpArguments = null;
        ToolResultContent? result = null;
        object? raw = null;
        var called = false;
        var p = pending.Next;
        for (; p < pending.Items.Count; p++)
        {
            var content = pending.Items[p];
            if (content is ToolCallContent && called && result is not null)
            {
                // The id used again once its call has its result: a call of its own, added when it is reached.
                break;
            }

            switch (content)
            {
                case McpServerToolCallContent mcp:
                    name ??= mcp.Name;
                    mcpArguments ??= mcp.Arguments;
                    called = true;
                    break;
                case CodeInterpreterToolCallContent interpreter:
                    name ??= "code_interpreter";
                    code = Concat(code, CodeOf(interpreter.Inputs));
                    called = true;
                    break;
                case WebSearchToolCallContent search:
                    name ??= "web_search";
                    queries ??= search.Queries;
                    called = true;
                    break;
                case ImageGenerationToolCallContent:
                    name ??= "image_generation";
                    called = true;
                    break;
                case ToolCallContent other:
                    raw ??= other.RawRepresentation;
                    called = true;
                    break;
                case ToolResultContent done:
                    // The last is the whole one: a stream's partial images come before the image.
                    result = done;
                    raw ??= done.RawRepresentation;
                    break;
            }
        }

        pending.Next = p;
        name ??= result switch
        {
            McpServerToolResultContent => "mcp",
            CodeInterpreterToolResultContent => "code_interpreter",
            WebSearchToolResultContent => "web_search",
            ImageGenerationToolResultContent => "image_generation",
            _ => NameOf(raw),
        };
        if (request && !called)
        {
            // A client-run tool's result sent back: its call is the model's, recorded with its response.
            name = transcript.ToolName(callId) ?? name;
        }
        else
        {
            transcript.RememberToolName(callId, name);
            events.Add(new ToolCallEvent
            {
                SessionId = sessionId,
                Timestamp = timestamp,
                Sequence = ChatMessageEvents.Next(events, lastSequence),
                CallId = callId,
                ToolName = name,
                Arguments = mcpArguments is not null ? ChatMessageEvents.SerializeArguments(mcpArguments)
                    : code is not null ? Json(new Dictionary<string, object?> { ["code"] = code })
                    : NonBlank(queries) is { } searched ? Json(new Dictionary<string, object?> { ["queries"] = searched })
                    : null,
            });
        }

        if (result is null)
        {
            return;
        }

        var (text, error) = Outcome(result);
        events.Add(new ToolResultEvent
        {
            SessionId = sessionId,
            Timestamp = timestamp,
            Sequence = ChatMessageEvents.Next(events, lastSequence),
            CallId = callId,
            ToolName = name,
            Result = text,
            IsError = error is not null || (toolErrorPrefix is not null && text is not null && text.StartsWith(toolErrorPrefix, StringComparison.Ordinal)),
            ErrorMessage = error,
        });
    }

    // The outputs: text one a line, a note of each image or file (never its bytes), a page's link; an ErrorContent is the
    // error (its message, as an MCP call's "error" is imported).
    private static (string? Text, string? Error) Outcome(ToolResultContent result)
    {
        var outputs = result switch
        {
            McpServerToolResultContent mcp => mcp.Outputs,
            CodeInterpreterToolResultContent interpreter => interpreter.Outputs,
            WebSearchToolResultContent search => search.Outputs,
            ImageGenerationToolResultContent image => image.Outputs,
            _ => null,
        };
        if (outputs is null)
        {
            return (null, null);
        }

        List<string>? lines = null;
        string? error = null;
        foreach (var output in outputs)
        {
            var line = output switch
            {
                TextContent text => text.Text,
                ErrorContent => null,
                UriContent link when result is WebSearchToolResultContent => link.Uri.OriginalString,
                _ => AttachmentNote.Of(output),
            };
            if (output is ErrorContent { } e)
            {
                error ??= string.IsNullOrEmpty(e.Message) ? e.ErrorCode ?? "error" : ErrorText(e.Message);
            }

            if (!string.IsNullOrEmpty(line))
            {
                (lines ??= []).Add(line);
            }
        }

        return (lines is null ? null : string.Join('\n', lines), error);
    }

    // An error's text: Microsoft.Extensions.AI.OpenAI 10.11 gives an MCP call's "error" as its JSON ("\"card declined\"",
    // or an object), which the import reads as the string, or the object's "message" (else the object).
    private static string ErrorText(string message)
    {
        if (message.Length < 2 || message[0] is not ('"' or '{'))
        {
            return message;
        }

        try
        {
            using var document = JsonDocument.Parse(message);
            var root = document.RootElement;
            return root.ValueKind switch
            {
                JsonValueKind.String when !string.IsNullOrWhiteSpace(root.GetString()) => root.GetString()!,
                JsonValueKind.Object when root.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(text.GetString()) => text.GetString()!,
                _ => message,
            };
        }
        catch (JsonException)
        {
            return message;
        }
    }

    // The code interpreter's code: its text inputs (a text/x-python DataContent, as Microsoft.Extensions.AI.OpenAI gives it).
    private static string? CodeOf(IList<AIContent>? inputs)
    {
        if (inputs is null)
        {
            return null;
        }

        string? code = null;
        foreach (var input in inputs)
        {
            code = Concat(code, input switch
            {
                TextContent text => text.Text,
                DataContent data when data.MediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) => Encoding.UTF8.GetString(data.Data.Span),
                _ => null,
            });
        }

        return code;
    }

    // The call id of a hosted tool's call or result; null for any other content, functions' included.
    private static string? CallIdOf(AIContent content) => content switch
    {
        FunctionCallContent or FunctionResultContent => null,
        ToolCallContent call => call.CallId,
        ToolResultContent done => done.CallId,
        _ => null,
    };

    // A web search's queries that are not blank (Microsoft.Extensions.AI.OpenAI 10.11 gives a search of a blank query as
    // [""]): null when there are none, as the import reads them.
    private static List<string>? NonBlank(IList<string>? queries)
    {
        List<string>? searched = null;
        for (var i = 0; queries is not null && i < queries.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(queries[i]))
            {
                (searched ??= []).Add(queries[i]);
            }
        }

        return searched;
    }

    private static string? Concat(string? start, string? more) => more is null ? start : start + more;

    // A tool only a provider's own item names (the Responses API's file search and computer use, given as the base
    // types): its item's type without "Call…" in snake case (FileSearchCallResponseItem: file_search), as the import names
    // the item by its type without "_call"; "tool" when there is none.
    private static string NameOf(object? raw)
    {
        var type = raw?.GetType().Name;
        if (type is null)
        {
            return "tool";
        }

        if (type.StartsWith("Internal", StringComparison.Ordinal))
        {
            type = type["Internal".Length..];
        }

        var end = type.IndexOf("Call", StringComparison.Ordinal);
        var stem = end > 0 ? type[..end] : type;
        var name = new StringBuilder(stem.Length + 4);
        for (var i = 0; i < stem.Length; i++)
        {
            if (char.IsUpper(stem[i]) && i > 0)
            {
                name.Append('_');
            }

            name.Append(char.ToLowerInvariant(stem[i]));
        }

        return name.Length == 0 ? "tool" : name.ToString();
    }

    private static string? Json(Dictionary<string, object?> arguments) => ChatMessageEvents.SerializeArguments(arguments);
}
