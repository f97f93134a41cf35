using System.Globalization;
using System.Text.Json;

namespace Dreaming;

/// <summary>Turns one session's chat messages (OpenAI or Microsoft.Extensions.AI <c>ChatMessage</c> JSON, told apart per
/// message, or Anthropic Messages, told apart per session) into its events, in order, numbered from 1.</summary>
internal sealed partial class ConversationMapper(string sessionId, DateTimeOffset timestamp, string? errorPrefix, Func<string, string> contentFilter, ElementContext context)
{
    // Tool messages name their call by id only in some logs; the name comes from the call seen earlier.
    private readonly Dictionary<string, string> _toolNamesByCallId = new(StringComparer.Ordinal);

    // Legacy function messages carry no call id, so a result is paired with the latest call of the same function.
    private readonly Dictionary<string, string> _openFunctionCallsByName = new(StringComparer.Ordinal);

    // The imported ArgumentsError of a call whose arguments string is not valid JSON: this, then the parse error.
    private const string UnreadArgumentsPrefix = "The arguments are not valid JSON: ";

    private long _sequence;

    // The tool items without an id mapped so far (ConversationMapper.ToolItems.cs).
    private int _idlessToolItems;

    // The messages read, and the index a saved response's message is mapped under (named "response" in errors; -1: none).
    private int _messageCount;
    private int _responseIndex = -1;

    public List<SessionEvent> Events { get; } = [];

    /// <summary>Gets the (filtered) text of the first non-blank user message, the fallback task.</summary>
    public string? FirstUserText { get; private set; }

    public void Map(JsonElement messages)
    {
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            MapMessage(message, index++);
        }

        _messageCount = index;
    }

    private void MapMessage(JsonElement message, int index)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(index, $"is {JsonElementHelpers.Describe(message.ValueKind)}, not an object");
        }

        if (!message.TryGetProperty("role", out _) && message.TryGetProperty("Contents", out var declaredContents))
        {
            // A ChatMessage serialized without options (JsonSerializer.Serialize(history)) has its properties as declared:
            // "Role", "Contents", and in its parts "Text", "CallId", "Name".
            var declaredRole = JsonElementHelpers.GetNonBlankString(message, "Role") ?? throw Malformed(index, "has no \"Role\"");
            MapChatMessage(message, declaredContents, declaredRole, index, declaredNames: true);
            return;
        }

        if (!message.TryGetProperty("role", out _) && JsonElementHelpers.GetNonBlankString(message, "type") is { } itemType and not "message")
        {
            // A Responses API input item that is no message (OpenAI and ChatMessage messages have no "type").
            MapResponsesInputItem(message, itemType, index);
            return;
        }

        var role = JsonElementHelpers.GetNonBlankString(message, "role") ?? throw Malformed(index, "has no \"role\"");
        if (!message.TryGetProperty("content", out _) && message.TryGetProperty("parts", out _))
        {
            // Gemini's shape ({ "role": "model", "parts": [ … ] }), whose function calls and results are parts too: read as
            // an OpenAI message it was an empty message, its text and calls lost in silence.
            throw Malformed(index, "has \"parts\" and no \"content\" (a Gemini message?), a shape this version does not read");
        }

        if (message.TryGetProperty("contents", out var contents))
        {
            // Microsoft.Extensions.AI writes "contents"; OpenAI messages have "content" and never "contents".
            MapChatMessage(message, contents, role, index, declaredNames: false);
            return;
        }

        var (text, textAlone) = ReadContent(message, index);
        switch (role)
        {
            case "tool":
                var callId = JsonElementHelpers.GetNonBlankString(message, "tool_call_id") ?? throw Malformed(index, "is a tool message without \"tool_call_id\"");
                AddToolResult(message, callId, text);
                break;
            case "function":
                var name = JsonElementHelpers.GetNonBlankString(message, "name") ?? throw Malformed(index, "is a function message without \"name\"");
                var functionCallId = _openFunctionCallsByName.Remove(name, out var openCallId) ? openCallId : Invariant($"function-result-{index}");
                AddToolResult(message, functionCallId, text);
                break;
            case "assistant":
                MapAssistant(message, index, text);
                break;
            default:
                AddMessage(role, text, JsonElementHelpers.GetNonBlankString(message, "name"), textAlone);
                break;
        }
    }

    private void MapAssistant(JsonElement message, int index, string? text)
    {
        var hasToolCalls = message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind != JsonValueKind.Null;
        var hasFunctionCall = message.TryGetProperty("function_call", out var functionCall) && functionCall.ValueKind != JsonValueKind.Null;

        // A turn that only asks for tools has no text worth a message event.
        if (!string.IsNullOrWhiteSpace(text) || !(hasToolCalls || hasFunctionCall))
        {
            AddMessage("assistant", text, message);
        }

        if (hasToolCalls)
        {
            if (toolCalls.ValueKind != JsonValueKind.Array)
            {
                throw Malformed(index, $"has \"tool_calls\" that is {JsonElementHelpers.Describe(toolCalls.ValueKind)}, not an array");
            }

            var callIndex = 0;
            foreach (var call in toolCalls.EnumerateArray())
            {
                if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                {
                    throw Malformed(index, $"has tool call {callIndex} without a \"function\" object");
                }

                var callId = JsonElementHelpers.GetNonBlankString(call, "id") ?? Invariant($"call-{index}-{callIndex}");
                AddToolCall(callId, function, index, $"tool call {callIndex}");
                callIndex++;
            }
        }

        if (hasFunctionCall)
        {
            if (functionCall.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(index, $"has \"function_call\" that is {JsonElementHelpers.Describe(functionCall.ValueKind)}, not an object");
            }

            var callId = Invariant($"function-call-{index}");
            var name = AddToolCall(callId, functionCall, index, "function_call");
            _openFunctionCallsByName[name] = callId;
        }
    }

    private void AddMessage(string role, string? text, JsonElement message) => AddMessage(role, text, JsonElementHelpers.GetNonBlankString(message, "name"));

    // Both shapes of message come through here, so the first user text (the fallback task) is taken in one place: the
    // message's own text (taskText) when it has any besides its attachments' notes, as a live one-call session's task.
    private void AddMessage(string role, string? text, string? authorName, string? taskText = null)
    {
        if (role is "system" or "developer" && InjectedMemoryStart(text) is { } memoryStart)
        {
            // The memory UseDreaming() gave the session is not its conversation: its insights are the session's. Appended
            // to the host's instructions, the instructions before it are kept.
            if (memoryStart == 0)
            {
                return;
            }

            text = text![..memoryStart];
        }

        var added = new MessageEvent
        {
            SessionId = sessionId,
            Sequence = ++_sequence,
            Timestamp = timestamp,
            Role = RecordedIdentifiers.Role(role),
            Text = text is null ? string.Empty : contentFilter(text),
            AuthorName = authorName is null ? null : SessionEventSanitizer.AuthorName(authorName, contentFilter),
        };
        Events.Add(added);
        if (role == "assistant" && InsightIds.Count > 0 && text is not null)
        {
            NoteCitations(text);
        }

        if (role == "user" && FirstUserText is null && !string.IsNullOrWhiteSpace(added.Text))
        {
            FirstUserText = string.IsNullOrWhiteSpace(taskText) || taskText == text ? added.Text : contentFilter(taskText);
        }
    }

    private string AddToolCall(string callId, JsonElement function, int index, string what, string? nameWhenNone = null)
    {
        var name = JsonElementHelpers.GetNonBlankString(function, "name") ?? nameWhenNone ?? throw Malformed(index, $"has {what} without a function \"name\"");
        string? arguments = null;
        string? argumentsError = null;
        if (function.TryGetProperty("arguments", out var value))
        {
            // Providers send arguments as a JSON string; hand-written logs often inline the object. Both are stored as JSON text.
            arguments = value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => value.GetString(),
                _ => value.GetRawText(),
            };
            if (value.ValueKind == JsonValueKind.String)
            {
                argumentsError = ArgumentsParseError(arguments);
            }
        }

        AddToolCall(callId, name, arguments, argumentsError);
        return name;
    }

    /// <summary>Gets why a call's arguments string is not valid JSON (the parse error, as a live session's
    /// <see cref="ToolCallEvent.ArgumentsError"/> has it); <see langword="null"/> when it is, or when it is empty or blank,
    /// which means no arguments (as some providers send a call of a function without parameters).</summary>
    private static string? ArgumentsParseError(string? arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(arguments);
            return null;
        }
        catch (JsonException ex)
        {
            return UnreadArgumentsPrefix + ex.Message;
        }
    }

    private void AddToolCall(string callId, string name, string? arguments, string? argumentsError = null)
    {
        _toolNamesByCallId[callId] = name;
        Events.Add(new ToolCallEvent
        {
            SessionId = sessionId,
            Sequence = ++_sequence,
            Timestamp = timestamp,
            CallId = RecordedIdentifiers.CallId(callId),
            ToolName = RecordedIdentifiers.ToolName(name)!,
            Arguments = arguments is null ? null : contentFilter(arguments),
            ArgumentsError = argumentsError is null ? null : contentFilter(argumentsError),
        });
    }

    private void AddToolResult(JsonElement message, string callId, string? text) =>
        AddToolResult(
            callId,
            JsonElementHelpers.GetNonBlankString(message, "name"),
            text,
            JsonElementHelpers.IsTrue(message, "is_error") || JsonElementHelpers.IsTrue(message, "error"));

    private void AddToolResult(string callId, string? toolName, string? text, bool flaggedAsError, string? errorType = null, string? errorMessage = null)
    {
        // The prefixes are checked on the raw text: a redactor may rewrite the start of the result. A call a person refused
        // is known by what UseFunctionInvocation() told the model, as UseDreaming() knows it live.
        var rejected = ChatMessageEvents.IsRejectionText(text, out var reason);
        var isError = rejected || flaggedAsError || (errorPrefix is not null && text is not null && text.StartsWith(errorPrefix, StringComparison.Ordinal));
        Events.Add(new ToolResultEvent
        {
            SessionId = sessionId,
            Sequence = ++_sequence,
            Timestamp = timestamp,
            CallId = RecordedIdentifiers.CallId(callId),
            ToolName = RecordedIdentifiers.ToolName(toolName ?? _toolNamesByCallId.GetValueOrDefault(callId)),
            Result = text is null ? null : contentFilter(text),
            IsError = isError,
            ErrorType = rejected ? ToolResultEvent.RejectedErrorType : errorType,
            ErrorMessage = (rejected ? reason : errorMessage) is { } message ? contentFilter(message) : null,
        });
    }

    private SessionImportException Malformed(int messageIndex, string problem, Exception? innerException = null) =>
        context.Malformed((messageIndex == _responseIndex ? "response " : Invariant($"message {messageIndex} ")) + problem, innerException);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
