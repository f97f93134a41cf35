using System.Text.Json;

namespace Dreaming;

/// <summary>An OpenAI Responses API <c>response</c> object saved with its request: its <c>output</c> items as the last
/// assistant turn, then its usage, as <c>UseDreaming()</c> records a call through Microsoft.Extensions.AI.OpenAI's
/// Responses client.</summary>
internal sealed partial class ConversationMapper
{
    /// <summary>Gets whether an element is a saved Responses API response: an object with an <c>output</c> array and
    /// <c>"object": "response"</c> (or, without <c>object</c>, an <c>output</c> array and no <c>choices</c>).</summary>
    private static bool IsResponsesResponse(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array
        && (element.TryGetProperty("object", out var kind) ? kind.ValueKind == JsonValueKind.String && kind.ValueEquals("response") : !element.TryGetProperty("choices", out _));

    // A Responses API request's "instructions" (ChatOptions.Instructions, to which UseDreaming() appends the memory in a
    // conversation the service keeps), or else the saved response's echo of them: a system message before the input, as
    // UseDreaming() records them, unless the first message is a system or developer one of the same text (a log of both).
    private void MapInstructions(JsonElement messages, JsonElement instructions, JsonElement response)
    {
        var text = instructions.ValueKind == JsonValueKind.String ? instructions.GetString()
            : IsResponsesResponse(response) && response.TryGetProperty("instructions", out var echoed) && echoed.ValueKind == JsonValueKind.String ? echoed.GetString()
            : null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        if (messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0 && messages[0] is { ValueKind: JsonValueKind.Object } first
            && JsonElementHelpers.GetNonBlankString(first, "role") is "system" or "developer"
            && first.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.ValueEquals(text))
        {
            return;
        }

        AddMessage("system", text, authorName: null);
    }

    // A Responses API request's input item that is no message, as the client sends a tool round back: a function_call is a
    // call, as in the output; a function_call_output the result of its call_id (a string, or parts read as a message's
    // content); the other tools' items are their calls and results (MapToolItem); reasoning and an item_reference are not
    // recorded, as in the output.
    private void MapResponsesInputItem(JsonElement item, string type, int index)
    {
        switch (type)
        {
            case "function_call":
                var callId = JsonElementHelpers.GetNonBlankString(item, "call_id") ?? JsonElementHelpers.GetNonBlankString(item, "id") ?? Invariant($"call-{index}");
                AddToolCall(callId, item, index, "a function_call");
                break;
            case "function_call_output":
                var answered = JsonElementHelpers.GetNonBlankString(item, "call_id") ?? throw Malformed(index, "is a function_call_output without \"call_id\"");
                var output = item.TryGetProperty("output", out var value) && value.ValueKind != JsonValueKind.Null ? ReadContent(value, "output", index).Text : null;
                AddToolResult(answered, toolName: null, output, flaggedAsError: false);
                break;
            default:
                MapToolItem(item, type, index);
                break;
        }
    }

    // The output items in order: a message item as an assistant message (output_text and refusal parts), a function_call
    // as a call (its arguments a JSON string, as a Chat Completions call's), the other tools' items their calls and results
    // (MapToolItem); reasoning is not recorded. Then a model.response with the model, id, finish reason and usage.
    private void MapResponsesResponse(JsonElement response)
    {
        const string Where = "response";
        _responseIndex = _messageCount;
        var hasCalls = false;
        var index = 0;
        foreach (var item in response.GetProperty("output").EnumerateArray())
        {
            var type = item.ValueKind == JsonValueKind.Object ? JsonElementHelpers.GetNonBlankString(item, "type") : null;
            switch (type)
            {
                case null:
                    throw Malformed(Where, Invariant($"has output item {index} that is not an object with a \"type\""));
                case "message":
                    var (text, _) = ReadContent(item, _responseIndex);
                    if (!string.IsNullOrEmpty(text))
                    {
                        AddMessage(JsonElementHelpers.GetNonBlankString(item, "role") ?? "assistant", text, authorName: null);
                    }

                    break;
                case "function_call":
                    var callId = JsonElementHelpers.GetNonBlankString(item, "call_id") ?? JsonElementHelpers.GetNonBlankString(item, "id") ?? Invariant($"call-response-{index}");
                    AddToolCall(callId, item, _responseIndex, Invariant($"output item {index}, a function_call,"));
                    hasCalls = true;
                    break;
                case { } other:
                    MapToolItem(item, other, _responseIndex);
                    break;
            }

            index++;
        }

        var (input, output, cached, reasoning) = ResponseUsage(response, "input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details", Where);

        // An incomplete response's reason, else tool calls or a stop: Microsoft.Extensions.AI.OpenAI 10.11 gives the former
        // only to a response not streamed, the latter only to a streamed one (ResponsesWireTests.Answers). A response that
        // did not complete (failed, cancelled, still queued or in progress, incomplete without a reason) has none: it was
        // no turn the model ended, and recorded "stop" it read as one.
        var incomplete = response.TryGetProperty("incomplete_details", out var details) && details.ValueKind == JsonValueKind.Object
            ? JsonElementHelpers.GetNonBlankString(details, "reason")
            : null;
        var finishReason = incomplete switch
        {
            "max_output_tokens" => "length",
            "content_filter" => "content_filter",
            { } other => RecordedIdentifiers.FinishReason(other),
            null when JsonElementHelpers.GetNonBlankString(response, "status") is { } status && status != "completed" => null,
            null => hasCalls ? "tool_calls" : "stop",
        };
        var modelId = RecordedIdentifiers.ModelId(JsonElementHelpers.GetNonBlankString(response, "model"));
        var calls = new SessionUsage { InputTokens = input, OutputTokens = output, CachedInputTokens = cached, ModelCalls = 1 };
        AddModelResponse(response, modelId, calls, new ModelCallUsage(AgentId, "openai", modelId, input, output, cached) { ReasoningOutputTokens = reasoning }, finishReason);
    }
}
