using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>The Anthropic Messages half: a session whose messages carry Anthropic content blocks (<c>tool_use</c>,
/// <c>tool_result</c>, <c>thinking</c>, …), a top-level <c>system</c> or a saved response object (<c>"type": "message"</c>).</summary>
internal sealed partial class ConversationMapper
{
    private const string ToolResultSuffix = "_tool_result";

    /// <summary>Gets the usage of the saved responses the session holds, as <c>UseDreaming()</c> sums its calls'.</summary>
    public SessionUsage Usage { get; private set; } = SessionUsage.Zero;

    /// <summary>Maps the session's messages, in the shape they have: Anthropic Messages when <see cref="IsAnthropic"/> says
    /// so (with <paramref name="system"/> and <paramref name="response"/>, each <c>default</c> when absent), otherwise
    /// OpenAI or Microsoft.Extensions.AI messages, told apart per message, after the <paramref name="instructions"/>
    /// (<c>default</c> when absent).</summary>
    public void Map(JsonElement messages, JsonElement system, JsonElement instructions, JsonElement response)
    {
        MapConversation(messages, system, instructions, response);
        AddCitations();
    }

    private void MapConversation(JsonElement messages, JsonElement system, JsonElement instructions, JsonElement response)
    {
        if (!IsAnthropic(messages, system, response))
        {
            MapInstructions(messages, instructions, response);
            Map(messages);
            if (IsChatCompletion(response))
            {
                MapChatCompletion(response);
            }
            else if (IsResponsesResponse(response))
            {
                MapResponsesResponse(response);
            }

            return;
        }

        // Each block a system message, as UseDreaming() records each system message the SDK sends as a block; the memory
        // UseDreaming() injected (a block of its own) is left out.
        if (system.ValueKind != JsonValueKind.Undefined)
        {
            foreach (var prompt in SystemTexts(system))
            {
                AddMessage("system", prompt, authorName: null);
            }
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            MapAnthropicMessage(message, Invariant($"message {index++}"));
        }

        if (IsSavedResponse(response))
        {
            MapAnthropicMessage(response, "response");
        }
    }

    /// <summary>Gets whether an element is a saved Messages API response: an object of <c>"type": "message"</c> with a
    /// <c>stop_reason</c> (null too), which an OpenAI Responses API message item (also <c>"type": "message"</c>) has not.</summary>
    public static bool IsSavedResponse(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && JsonElementHelpers.GetNonBlankString(element, "type") == "message" && element.TryGetProperty("stop_reason", out _);

    // A block type only Anthropic writes (an image or document with a "source"; OpenAI's parts are image_url, file), a saved
    // response, or a "system" prompt (a string or blocks) or a block of a type neither shape knows (a newer API version's)
    // beside messages that both shapes read alike: user and assistant ones of text alone. OpenAI logs keep their system
    // prompt in a message, and a ChatMessage's "contents", an OpenAI call or part, or a "system" of another kind (which
    // system wrote the log) is no sign of Anthropic.
    private static bool IsAnthropic(JsonElement messages, JsonElement system, JsonElement response)
    {
        if (IsSavedResponse(response))
        {
            return true;
        }

        var textAlone = true;
        var unknownBlock = false;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (IsSavedResponse(message))
            {
                return true;
            }

            textAlone &= JsonElementHelpers.GetNonBlankString(message, "role") is "user" or "assistant"
                && !message.TryGetProperty("contents", out _) && !message.TryGetProperty("tool_calls", out _) && !message.TryGetProperty("function_call", out _);
            message.TryGetProperty("content", out var content);
            textAlone &= content.ValueKind is JsonValueKind.String or JsonValueKind.Array;
            if (content.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var block in content.EnumerateArray())
            {
                var type = block.ValueKind == JsonValueKind.Object ? JsonElementHelpers.GetNonBlankString(block, "type") : null;
                if (type is "tool_use" or "tool_result" or "thinking" or "redacted_thinking" or "server_tool_use" or "mcp_tool_use" or "search_result" or "container_upload"
                    || (type is not null && type.EndsWith(ToolResultSuffix, StringComparison.Ordinal))
                    || (type is "image" or "document" && block.TryGetProperty("source", out _)))
                {
                    return true;
                }

                // A type neither shape knows is read alike too (OpenAI drops such a part, Anthropic notes it), and says Anthropic
                // beside text alone: read as OpenAI, its note, its count and the session's "system" were lost.
                var unknown = type is not null && !IsKnownBlock(type) && !IsOpenAiPart(type);
                unknownBlock |= unknown;
                textAlone &= type == "text" || unknown;
            }
        }

        return textAlone && (unknownBlock || system.ValueKind is JsonValueKind.String or JsonValueKind.Array);
    }

    // The part types an OpenAI message's content holds (Chat Completions, and the Responses API's input and output parts).
    private static bool IsOpenAiPart(string type) =>
        type is "text" or "refusal" or "image_url" or "input_audio" or "file" or "input_text" or "output_text" or "input_image" or "input_file";

    // A string (none when blank), or text blocks (each may carry cache_control), each one; empty ones are none.
    private List<string> SystemTexts(JsonElement system)
    {
        if (system.ValueKind == JsonValueKind.String)
        {
            return string.IsNullOrWhiteSpace(system.GetString()) ? [] : [system.GetString()!];
        }

        if (system.ValueKind != JsonValueKind.Array)
        {
            throw context.Malformed($"has \"system\" that is {JsonElementHelpers.Describe(system.ValueKind)}, not a string or an array of text blocks");
        }

        var texts = new List<string>();
        var index = 0;
        foreach (var block in system.EnumerateArray())
        {
            var type = block.ValueKind == JsonValueKind.Object ? JsonElementHelpers.GetNonBlankString(block, "type") : null;
            if (type != "text")
            {
                throw context.Malformed(type is null
                    ? Invariant($"has \"system\" block {index} that is not a text block")
                    : Invariant($"has \"system\" block {index} of type '") + Quoted(type) + "', not a text block");
            }

            var text = StringField(block, "text", () => Invariant($"has \"system\" block {index}, a text block,"), context.Malformed);
            if (text.Length > 0)
            {
                texts.Add(text);
            }

            index++;
        }

        return texts;
    }

    // A system message among the messages, as wrappers log the system prompt: a string, or text blocks concatenated (as
    // ChatMessage.Text joins a message's text), recorded where it stands, as UseDreaming() records a system message.
    private void MapSystemMessage(JsonElement content, string where)
    {
        var text = new StringBuilder();
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                text.Append(content.GetString());
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var block in content.EnumerateArray())
                {
                    var type = block.ValueKind == JsonValueKind.Object ? JsonElementHelpers.GetNonBlankString(block, "type") : null;
                    if (type != "text")
                    {
                        throw Malformed(where, type is null
                            ? Invariant($"has block {index} that is not a text block, in a system message")
                            : Invariant($"has block {index} of type '") + Quoted(type) + "' in a system message, which holds text blocks only");
                    }

                    text.Append(StringField(block, "text", () => where + Invariant($" has block {index}, a text block,"), context.Malformed));
                    index++;
                }

                break;
            default:
                throw Malformed(where, $"has \"content\" that is {JsonElementHelpers.Describe(content.ValueKind)}, not a string or an array of text blocks");
        }

        if (text.Length > 0)
        {
            AddMessage("system", text.ToString(), authorName: null);
        }
    }

    private void MapAnthropicMessage(JsonElement message, string where)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(where, $"is {JsonElementHelpers.Describe(message.ValueKind)}, not an object");
        }

        var role = JsonElementHelpers.GetNonBlankString(message, "role") ?? throw Malformed(where, "has no \"role\"");
        if (role is not ("user" or "assistant" or "system"))
        {
            throw Malformed(where, "has role '" + Quoted(role) + "': an Anthropic Messages session has only user and assistant messages (and system ones, as wrappers log the system prompt)");
        }

        if (!message.TryGetProperty("content", out var content))
        {
            throw Malformed(where, "has no \"content\"");
        }

        if (role == "system")
        {
            MapSystemMessage(content, where);
            return;
        }

        var assistant = role == "assistant";
        var blocks = new AnthropicBlocks();
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                blocks.Text.Append(content.GetString());
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var block in content.EnumerateArray())
                {
                    ReadBlock(block, index++, assistant, where, blocks);
                }

                break;
            default:
                throw Malformed(where, $"has \"content\" that is {JsonElementHelpers.Describe(content.ValueKind)}, not a string or an array of blocks");
        }

        // An assistant's text comes before its calls, as UseDreaming() records a response; a user's tool results come
        // before its text, as the API requires them first.
        var textAlone = blocks.Text.ToString();
        var text = blocks.Notes is null ? textAlone : string.Join('\n', textAlone.Length == 0 ? blocks.Notes : blocks.Notes.Prepend(textAlone));
        // A message of tool blocks alone has none; nor has one of nothing recorded (thinking alone), as UseDreaming()
        // records no message of empty text.
        var hasMessage = !string.IsNullOrWhiteSpace(text) || (blocks.Tools is null && text.Length > 0);
        if (assistant && hasMessage)
        {
            AddMessage(role, text, authorName: null, textAlone);
        }

        foreach (var tool in blocks.Tools ?? [])
        {
            if (tool.IsCall)
            {
                AddToolCall(tool.CallId, tool.Name!, tool.Text);
            }
            else
            {
                AddToolResult(tool.CallId, tool.Name, tool.Text, tool.IsError, tool.ErrorType, tool.ErrorMessage);
            }
        }

        if (!assistant && hasMessage)
        {
            AddMessage(role, text, authorName: null, textAlone);
        }

        if (IsSavedResponse(message))
        {
            AddSavedResponse(message, where);
        }
    }

    // The saved response's model, id, stop reason and usage, as UseDreaming() records the call with the Anthropic SDK:
    // the input counts the cache reads and writes, the cached input the reads.
    private void AddSavedResponse(JsonElement message, string where)
    {
        long input = 0, output = 0, cacheRead = 0, cacheWrite = 0;
        if (message.TryGetProperty("usage", out var usage) && usage.ValueKind != JsonValueKind.Null)
        {
            if (usage.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(where, $"has \"usage\" that is {JsonElementHelpers.Describe(usage.ValueKind)}, not an object");
            }

            input = TokenCount(usage, "input_tokens", where);
            output = TokenCount(usage, "output_tokens", where);
            cacheRead = TokenCount(usage, "cache_read_input_tokens", where);
            cacheWrite = TokenCount(usage, "cache_creation_input_tokens", where);
        }

        var calls = new SessionUsage
        {
            InputTokens = SaturatingSum.Add(SaturatingSum.Add(input, cacheRead), cacheWrite),
            OutputTokens = output,
            CachedInputTokens = cacheRead,
            ModelCalls = 1,
        };
        var modelId = RecordedIdentifiers.ModelId(JsonElementHelpers.GetNonBlankString(message, "model"));
        AddModelResponse(
            message,
            modelId,
            calls,
            new ModelCallUsage(AgentId, "anthropic", modelId, calls.InputTokens, output, cacheRead) { CacheWriteInputTokens = cacheWrite },
            JsonElementHelpers.GetNonBlankString(message, "stop_reason") switch
            {
                null => null,
                "end_turn" or "stop_sequence" => "stop",
                "tool_use" => "tool_calls",
                "max_tokens" or "model_context_window_exceeded" => "length",
                "refusal" => "content_filter",
                { } other => RecordedIdentifiers.FinishReason(other),
            });
    }

    private long TokenCount(JsonElement usage, string name, string where)
    {
        if (!usage.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) && count >= 0
            ? count
            : throw Malformed(where, $"has \"usage\" whose \"{name}\" is {JsonElementHelpers.Describe(value.ValueKind)}, not a whole number of at least 0");
    }

    // A string property, or an error naming the block: "<what> whose "text" is a number, not a string".
    private static string StringField(JsonElement block, string name, Func<string> what, Func<string, Exception?, SessionImportException> malformed)
    {
        block.TryGetProperty(name, out var value);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw malformed(what() + $" whose \"{name}\" is {JsonElementHelpers.Describe(value.ValueKind)}, not a string", null);
    }

    // Cut on a whole character: an unknown block's note is stored, and half a surrogate pair is not text.
    private static string Quoted(string text) =>
        text.Length <= MaxQuotedTypeLength ? text
            : string.Concat(text.AsSpan(0, char.IsHighSurrogate(text[MaxQuotedTypeLength - 1]) ? MaxQuotedTypeLength - 1 : MaxQuotedTypeLength), "…");

    private SessionImportException Malformed(string where, string problem) => context.Malformed(where + " " + problem);

    /// <summary>What one message's blocks hold: its text, a note of each attachment, and its tool calls and results in order.</summary>
    private sealed class AnthropicBlocks
    {
        public StringBuilder Text { get; } = new();

        public List<string>? Notes { get; set; }

        public List<AnthropicTool>? Tools { get; set; }
    }

    /// <summary>A tool call (<see cref="Text"/>: its input as compact JSON) or result (<see cref="Text"/>: what it returned).</summary>
    private readonly record struct AnthropicTool(bool IsCall, string CallId, string? Name, string? Text, bool IsError, string? ErrorType = null, string? ErrorMessage = null);
}
