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
    /// <summary>Adds the call (and its result, when the message holds one) of the hosted tool whose content is
    /// <paramref name="contents"/>[<paramref name="at"/>], once a call id: a stream's updates may give a call in pieces
    /// (the code interpreter's code), a result without its call, or several results (an image's partial images), and the
    /// later contents of a call id already added are skipped.</summary>
    public static void Add(List<SessionEvent> events, IList<AIContent> contents, int at, ref HashSet<string>? added, string? toolErrorPrefix, string sessionId, DateTimeOffset timestamp, long? lastSequence)
    {
        var first = contents[at];
        var callId = first is ToolCallContent call ? call.CallId : ((ToolResultContent)first).CallId;
        if (!(added ??= new HashSet<string>(StringComparer.Ordinal)).Add(callId))
        {
            return;
        }

        string? name = null;
        string? code = null;
        IList<string>? queries = null;
        IDictionary<string, object?>? mcpArguments = null;
        ToolResultContent? result = null;
        object? raw = null;
        for (var c = at; c < contents.Count; c++)
        {
            switch (contents[c])
            {
                case FunctionCallContent or FunctionResultContent:
                    break;
                case McpServerToolCallContent mcp when mcp.CallId == callId:
                    name ??= mcp.Name;
                    mcpArguments ??= mcp.Arguments;
                    break;
                case CodeInterpreterToolCallContent interpreter when interpreter.CallId == callId:
                    name ??= "code_interpreter";
                    code = Concat(code, CodeOf(interpreter.Inputs));
                    break;
                case WebSearchToolCallContent search when search.CallId == callId:
                    name ??= "web_search";
                    queries ??= search.Queries;
                    break;
                case ImageGenerationToolCallContent image when image.CallId == callId:
                    name ??= "image_generation";
                    break;
                case ToolCallContent other when other.CallId == callId:
                    raw ??= other.RawRepresentation;
                    break;
                case ToolResultContent done when done.CallId == callId:
                    // The last is the whole one: a stream's partial images come before the image.
                    result = done;
                    raw ??= done.RawRepresentation;
                    break;
            }
        }

        name ??= result switch
        {
            McpServerToolResultContent => "mcp",
            CodeInterpreterToolResultContent => "code_interpreter",
            WebSearchToolResultContent => "web_search",
            ImageGenerationToolResultContent => "image_generation",
            _ => NameOf(raw),
        };
        events.Add(new ToolCallEvent
        {
            SessionId = sessionId,
            Timestamp = timestamp,
            Sequence = ChatMessageEvents.Next(events, lastSequence),
            CallId = callId,
            ToolName = name,
            Arguments = mcpArguments is not null ? ChatMessageEvents.SerializeArguments(mcpArguments)
                : code is not null ? Json(new Dictionary<string, object?> { ["code"] = code })
                : queries is { Count: > 0 } ? Json(new Dictionary<string, object?> { ["queries"] = queries })
                : null,
        });
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
