using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Turns Microsoft.Extensions.AI messages into session events.</summary>
internal static class ChatMessageEvents
{
    /// <summary>The <see cref="ErrorContent.ErrorCode"/> Microsoft.Extensions.AI.OpenAI gives a model's refusal (OpenAI's
    /// <c>refusal</c> in place of the message's content).</summary>
    internal const string RefusalErrorCode = "Refusal";

    /// <summary>The <see cref="ErrorEvent.ErrorType"/> of an error the service reported in a response, not thrown.</summary>
    internal const string ServiceErrorType = "Microsoft.Extensions.AI.ErrorContent";

    /// <summary>What <c>UseFunctionInvocation()</c> (Microsoft.Extensions.AI 10.11) tells the model of a call a person
    /// refused to approve, followed by a space and the reason given, if any.</summary>
    internal const string RejectedResultText = "Tool call invocation was rejected by the approver and must not be retried.";

    // Compact JSON: recorded arguments are read by people and mined by dreams, not pretty-printed for a console.
    private static readonly JsonSerializerOptions s_json = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>Adds the events of <paramref name="messages"/> to <paramref name="events"/>, stamped with the session and time.</summary>
    /// <remarks>With <paramref name="lastSequence"/> each event is also numbered by its position in <paramref name="events"/>,
    /// which the caller must have started empty: the one after <paramref name="lastSequence"/> first.
    /// <paramref name="request"/> says whether <paramref name="messages"/> are the new messages of a request (else a response's,
    /// whose errors, other than refusals, are recorded as <see cref="ErrorEvent"/>s of <paramref name="operation"/>).</remarks>
    public static void AddTo(List<SessionEvent> events, IReadOnlyList<ChatMessage> messages, TranscriptTracker transcript, string? toolErrorPrefix, string sessionId, DateTimeOffset timestamp, long? lastSequence, bool request, string operation = "chat")
    {
        // The hosted tools' contents by call id, gathered when the first is met: a call's contents may be split between the
        // messages. Nothing is allocated for messages without them.
        HostedToolEvents.Contents? hosted = null;
        for (var m = 0; m < messages.Count; m++)
        {
            var message = messages[m];
            // Images, files and links are noted after the text, so a message of an image alone is still a message.
            var text = AttachmentNote.WithNotes(message.Text, message.Contents);
            if (!string.IsNullOrEmpty(text) && !(request && m + 1 < messages.Count && IsTextOfRebuiltCalls(message, messages[m + 1], transcript)))
            {
                events.Add(new MessageEvent { SessionId = sessionId, Timestamp = timestamp, Sequence = Next(events, lastSequence), Role = message.Role.Value, Text = text, AuthorName = message.AuthorName });
            }

            var contents = message.Contents;
            for (var c = 0; c < contents.Count; c++)
            {
                switch (contents[c])
                {
                    case FunctionCallContent { InformationalOnly: true } call when transcript.TryTakeApprovalRequest(call.CallId) || (request && transcript.ToolName(call.CallId) is not null):
                        // A call a person answered, which UseFunctionInvocation() sends again, rebuilt from the approval
                        // (down to this client when it is outside, without the text it came with, refused calls first,
                        // so not matched as history; back in its response when it is inside): it was recorded when the
                        // model made it.
                        break;
                    case FunctionCallContent call:
                        AddCall(events, call, transcript, sessionId, timestamp, lastSequence);
                        break;
                    case ToolApprovalRequestContent { ToolCall: FunctionCallContent asked }:
                        // The model's call, which UseFunctionInvocation() (inside this client, or outside in a stream,
                        // whose updates it rewrites before the stream ends) holds until a person answers: the model made
                        // it now, so it is recorded now, answered or not, and not again when it comes back rebuilt.
                        transcript.RememberApprovalRequest(asked.CallId);
                        AddCall(events, asked, transcript, sessionId, timestamp, lastSequence);
                        break;
                    case FunctionResultContent result:
                        // A result that is the exception itself (Semantic Kernel's FunctionResultContent(call, exception),
                        // which an app invoking the calls itself adds) failed as one whose Exception is set.
                        var thrown = result.Exception ?? result.Result as Exception;
                        var resultText = result.Result is Exception ? null : ResultText(result.Result);
                        var rejected = IsRejection(result.CallId, resultText, transcript, out var reason);
                        events.Add(new ToolResultEvent
                        {
                            SessionId = sessionId,
                            Timestamp = timestamp,
                            Sequence = Next(events, lastSequence),
                            CallId = result.CallId,
                            ToolName = transcript.ToolName(result.CallId),
                            Result = resultText,
                            IsError = rejected || thrown is not null
                                || (toolErrorPrefix is not null && resultText is not null && resultText.StartsWith(toolErrorPrefix, StringComparison.Ordinal)),
                            ErrorType = rejected ? ToolResultEvent.RejectedErrorType : thrown?.GetType().Name,
                            ErrorMessage = rejected ? reason : thrown?.Message,
                        });
                        break;
                    case ToolApprovalResponseContent { Approved: false } refusal:
                        // The host's answer to an approval request: not a message, but the reason the call's result,
                        // made by UseFunctionInvocation() below, will not say apart from the text it gives the model.
                        transcript.RememberRejection(refusal.ToolCall.CallId, refusal.Reason);
                        break;
                    case ToolCallContent or ToolResultContent:
                        // A tool the service ran itself (MCP, code interpreter, web search, image generation, …): its call
                        // and result, as the import records the Responses API's items of those tools.
                        HostedToolEvents.Add(events, messages, m, c, ref hosted, transcript, request, toolErrorPrefix, sessionId, timestamp, lastSequence);
                        break;
                    case { } raw when RawItemEvents.IsRawItem(raw):
                        // A provider SDK's item no Microsoft.Extensions.AI content stands for (the Responses API's
                        // mcp_list_tools, custom_tool_call, local_shell_call, an app's …_call_output sent back): read
                        // from its JSON, as the import records the same item.
                        RawItemEvents.Add(events, raw, transcript, toolErrorPrefix, sessionId, timestamp, lastSequence);
                        break;
                    case ErrorContent { ErrorCode: RefusalErrorCode, Message: { Length: > 0 } refusal }:
                        // The model's answer, given in place of text: ChatMessage.Text leaves it out, so it is recorded as
                        // the message's text here, or the reply would leave no message at all.
                        events.Add(new MessageEvent { SessionId = sessionId, Timestamp = timestamp, Sequence = Next(events, lastSequence), Role = message.Role.Value, Text = refusal, AuthorName = message.AuthorName });
                        break;
                    case ErrorContent error when !request && error.ErrorCode != RefusalErrorCode:
                        // An error the service reported in its response, not thrown (the Responses API's error event in a
                        // stream, a failed response's error): the call failed there, after what came before it.
                        events.Add(new ErrorEvent
                        {
                            SessionId = sessionId,
                            Timestamp = timestamp,
                            Sequence = Next(events, lastSequence),
                            ErrorType = ServiceErrorType,
                            Message = string.IsNullOrEmpty(error.ErrorCode) ? error.Message : error.ErrorCode + ": " + error.Message,
                            Operation = operation,
                        });
                        break;
                }
            }
        }
    }

    private static void AddCall(List<SessionEvent> events, FunctionCallContent call, TranscriptTracker transcript, string sessionId, DateTimeOffset timestamp, long? lastSequence)
    {
        transcript.RememberToolName(call.CallId, call.Name);
        events.Add(new ToolCallEvent { SessionId = sessionId, Timestamp = timestamp, Sequence = Next(events, lastSequence), CallId = call.CallId, ToolName = call.Name, Arguments = SerializeArguments(call.Arguments), ArgumentsError = ArgumentsError(call.Exception) });
    }

    // The text of a tool's result given as content parts: their text and a note of each attachment, one a line.
    private static string ContentsText(IList<AIContent> contents) =>
        AttachmentNote.WithNotes(string.Concat(contents.OfType<TextContent>().Select(static t => t.Text)), contents);

    /// <summary>Returns whether <paramref name="message"/>, sent in a request, is the model's text of calls that needed
    /// approval: <c>UseFunctionInvocation()</c> outside this client takes the approval requests out of the model's
    /// message, which leaves its text alone, and sends the calls after it, rebuilt; both were recorded when the model
    /// answered, as one message.</summary>
    private static bool IsTextOfRebuiltCalls(ChatMessage message, ChatMessage next, TranscriptTracker transcript)
    {
        if (message.Role != ChatRole.Assistant || next.Role != ChatRole.Assistant || !string.IsNullOrEmpty(next.Text))
        {
            return false;
        }

        var calls = 0;
        foreach (var content in next.Contents)
        {
            if (content is FunctionCallContent call)
            {
                if (!call.InformationalOnly || transcript.ToolName(call.CallId) is null)
                {
                    return false;
                }

                calls++;
            }
        }

        return calls > 0;
    }

    /// <summary>Returns whether the result answers a call a person refused, with the reason they gave.</summary>
    private static bool IsRejection(string callId, string? resultText, TranscriptTracker transcript, out string? reason)
    {
        if (transcript.TryTakeRejection(callId, out reason))
        {
            return true;
        }

        // With UseFunctionInvocation() outside this client the approval never reaches it: the result's text is all there is.
        return IsRejectionText(resultText, out reason);
    }

    /// <summary>Returns whether a result's text is what <c>UseFunctionInvocation()</c> tells the model of a call a person
    /// refused, with the reason that follows it, if any; also used by the import.</summary>
    internal static bool IsRejectionText(string? resultText, out string? reason)
    {
        reason = null;
        if (resultText is null || !resultText.StartsWith(RejectedResultText, StringComparison.Ordinal))
        {
            return false;
        }

        var given = resultText.AsSpan(RejectedResultText.Length).Trim();
        reason = given.IsEmpty ? null : given.ToString();
        return true;
    }

    internal static long Next(List<SessionEvent> events, long? lastSequence) => lastSequence is { } last ? last + events.Count + 1 : 0;

    /// <summary>Gets the arguments as compact JSON text, as recorded; also used by the import of ChatMessage JSON.</summary>
    internal static string? SerializeArguments(IDictionary<string, object?>? arguments)
    {
        if (arguments is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Serialize(arguments, s_json.GetTypeInfo(typeof(IDictionary<string, object?>)));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
        {
            return string.Join(", ", arguments.Select(a => $"{a.Key}={a.Value}"));
        }
    }

    /// <summary>Gets why the provider could not read a call's arguments: the exception's message, followed by its inner
    /// exception's when that is the parse error (Microsoft.Extensions.AI wraps a <see cref="JsonException"/> in an
    /// <see cref="InvalidOperationException"/> whose message says only that parsing failed); <see langword="null"/> when
    /// they were read.</summary>
    internal static string? ArgumentsError(Exception? exception) => exception switch
    {
        null => null,
        { InnerException: JsonException inner } when !string.IsNullOrEmpty(inner.Message) && inner.Message != exception.Message
            => exception.Message + " " + inner.Message,
        _ => exception.Message,
    };

    /// <summary>Gets a function result as text, as recorded; also used by the import of ChatMessage JSON.</summary>
    internal static string? ResultText(object? result)
    {
        switch (result)
        {
            case null:
                return null;
            case string text:
                return text;
            case AIContent content when AttachmentNote.Of(content) is { } note:
                // A tool's image (a screenshot, say) is noted, not serialized: its JSON is the bytes in base64.
                return note;
            case IList<AIContent> contents when AttachmentNote.Any(contents):
                return ContentsText(contents);
            case JsonElement element:
                return element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
            default:
                try
                {
                    return JsonSerializer.Serialize(result, s_json.GetTypeInfo(result.GetType()));
                }
                catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
                {
                    return result.ToString();
                }
        }
    }
}
