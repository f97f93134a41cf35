using System.Text.Json;

namespace Dreaming;

/// <summary>What a log holds beside the conversation: an OpenAI Chat Completions response object saved with its request,
/// the price of each saved response's usage, and the memory <c>UseDreaming()</c> injected into the request.</summary>
internal sealed partial class ConversationMapper
{
    /// <summary>Gets the agent the saved responses' usage is priced under.</summary>
    public string AgentId { get; init; } = string.Empty;

    /// <summary>Gets the price of a saved response's usage (<see cref="DreamingOptions.CostOf"/>), or <see langword="null"/>: cost 0.</summary>
    public Func<ModelCallUsage, long>? CostOf { get; init; }

    /// <summary>Gets what is told of a <see cref="CostOf"/> that throws or prices below 0, or <see langword="null"/>.</summary>
    public Action<ModelCallUsage, Exception>? PricingFailed { get; init; }

    /// <summary>Gets the ids of the insights of the memory <c>UseDreaming()</c> injected into the logged request, in order, each once.</summary>
    public List<string> InsightIds { get; } = [];

    // The ids in InsightIds, to note each once without a search of the list for each (a log's memory may list thousands).
    private HashSet<string>? _noted;

    // The insights of that memory the answers cite, each once, in the order they are first cited; null: none.
    private List<string>? _cited;

    // As UseDreaming() notes the ids a response cites (MemoryInjector.RecordCitationsAsync), on the text before the filter.
    private void NoteCitations(string text)
    {
        List<(int At, string Id)>? found = null;
        foreach (var id in InsightIds)
        {
            if (_cited?.Contains(id) != true && found?.Exists(f => f.Id == id) != true && MemoryInjector.FirstCitation(text, id) is var at and >= 0)
            {
                (found ??= []).Add((at, id));
            }
        }

        if (found is not null)
        {
            found.Sort(static (a, b) => a.At.CompareTo(b.At));
            (_cited ??= []).AddRange(found.Select(static f => f.Id));
        }
    }

    // One memory.cited event after the conversation, with every insight its answers cited: a dream that credits the session
    // then credits only those helpful when it passed, as it does a session recorded live (the others were only seen).
    private void AddCitations()
    {
        if (_cited is not null)
        {
            Events.Add(new InsightsCitedEvent { SessionId = sessionId, Sequence = ++_sequence, Timestamp = timestamp, InsightIds = _cited });
        }
    }

    /// <summary>Gets whether an element is a saved Chat Completions response: an object with <c>choices</c>.</summary>
    private static bool IsChatCompletion(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("choices", out var choices) && choices.ValueKind != JsonValueKind.Null;

    // The first choice's message, as the last assistant turn, then a model.response with the response's model, id, finish
    // reason and usage, as UseDreaming() records a call through Microsoft.Extensions.AI.OpenAI.
    private void MapChatCompletion(JsonElement response)
    {
        const string Where = "response";
        var choices = response.GetProperty("choices");
        if (choices.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(Where, $"has \"choices\" that is {JsonElementHelpers.Describe(choices.ValueKind)}, not an array");
        }

        if (choices.GetArrayLength() == 0)
        {
            throw Malformed(Where, "has \"choices\" without a choice");
        }

        var choice = choices[0];
        if (choice.ValueKind != JsonValueKind.Object || !choice.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(Where, "has choice 0 without a \"message\" object");
        }

        _responseIndex = _messageCount;
        MapMessage(message, _responseIndex);

        var (input, output, cached, reasoning) = ResponseUsage(response, "prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details", Where);

        var modelId = RecordedIdentifiers.ModelId(JsonElementHelpers.GetNonBlankString(response, "model"));
        var calls = new SessionUsage { InputTokens = input, OutputTokens = output, CachedInputTokens = cached, ModelCalls = 1 };
        AddModelResponse(
            response,
            modelId,
            calls,
            new ModelCallUsage(AgentId, "openai", modelId, input, output, cached) { ReasoningOutputTokens = reasoning },
            JsonElementHelpers.GetNonBlankString(choice, "finish_reason") switch
            {
                null => null,
                "stop" => "stop",
                "length" => "length",
                "tool_calls" or "function_call" => "tool_calls",
                "content_filter" => "content_filter",
                { } other => RecordedIdentifiers.FinishReason(other),
            });
    }

    // A saved response's call, priced, added to the session's usage and recorded as its model.response, as live.
    private void AddModelResponse(JsonElement response, string? modelId, SessionUsage calls, in ModelCallUsage call, string? finishReason)
    {
        calls = calls with { CostMinorUnits = Price(call) };
        Usage = Usage.Add(calls);
        Events.Add(new ModelResponseEvent
        {
            SessionId = sessionId,
            Sequence = ++_sequence,
            Timestamp = timestamp,
            // Keys, as live: capped (the model id already, as priced), not filtered.
            ModelId = modelId,
            ResponseId = RecordedIdentifiers.ResponseId(JsonElementHelpers.GetNonBlankString(response, "id")),
            Usage = calls,
            FinishReason = finishReason,
        });
    }

    // As UseDreaming() prices a call: a price that throws or is negative is 0, so pricing never fails the import.
    private long Price(in ModelCallUsage call)
    {
        if (CostOf is null)
        {
            return 0;
        }

        Exception failure;
        try
        {
            var cost = CostOf(call);
            if (cost >= 0)
            {
                return cost;
            }

            failure = new InvalidOperationException($"DreamingOptions.CostOf returned {cost}; a cost must not be negative.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failure = ex;
        }

        PricingFailed?.Invoke(call, failure);
        return 0;
    }

    // The memory UseDreaming() injects is a system message of its own, rendered by InsightRanker: its header, then one
    // line an insight, "- [id] text"; or, given as ChatOptions.Instructions (a conversation kept by the service), the same
    // after the host's instructions and a blank line, which the provider's client sends as one message. Returns where the
    // memory starts (0: the whole text is the memory; else the blank line after the instructions) and notes its ids, or
    // null when there is none. Text that only starts (or ends) like it is not.
    private int? InjectedMemoryStart(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var header in (ReadOnlySpan<string>)[InsightRanker.Header, InsightRanker.SharedHeader])
        {
            if (text.StartsWith(header + "\n", StringComparison.Ordinal) && NoteMemoryIds(text, header.Length + 1))
            {
                return 0;
            }

            // The memory's lines hold no line break of their own, so the last blank line before a header is where it starts.
            var appended = text.LastIndexOf("\n\n" + header + "\n", StringComparison.Ordinal);
            if (appended >= 0 && NoteMemoryIds(text, appended + header.Length + 3))
            {
                return appended;
            }
        }

        return null;
    }

    // The ids of the insight lines from lineStart to the end, noted when every line is one; false (none noted) otherwise.
    // Each id is noted once, as a live session's memory.injected lists it once: a request that holds the memory twice (a
    // history saved with it, and given it again) was given each insight once. A line longer than any UseDreaming() renders
    // (InsightRanker.MaxLineLength, of its largest budget) is not one: a megabyte id was noted, and stored, whole.
    private bool NoteMemoryIds(string text, int lineStart)
    {
        var ids = new List<string>();
        foreach (var line in text.AsSpan(lineStart).EnumerateLines())
        {
            var end = line.IndexOf("] ", StringComparison.Ordinal);
            if (!line.StartsWith("- [", StringComparison.Ordinal) || end < 4 || line.Length > InsightRanker.MaxLineLength)
            {
                return false;
            }

            ids.Add(line[3..end].ToString());
        }

        _noted ??= new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (_noted.Add(id))
            {
                InsightIds.Add(id);
            }
        }

        return true;
    }

    // A saved response's usage: Chat Completions names its counts prompt/completion_tokens, the Responses API
    // input/output_tokens, each with its details object for cached and reasoning tokens. Absent or null is all 0.
    private (long Input, long Output, long Cached, long Reasoning) ResponseUsage(JsonElement response, string inputName, string outputName, string inputDetailsName, string outputDetailsName, string where)
    {
        if (!response.TryGetProperty("usage", out var usage) || usage.ValueKind == JsonValueKind.Null)
        {
            return (0, 0, 0, 0);
        }

        if (usage.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(where, $"has \"usage\" that is {JsonElementHelpers.Describe(usage.ValueKind)}, not an object");
        }

        var input = TokenCount(usage, inputName, where);
        var output = TokenCount(usage, outputName, where);
        var cached = usage.TryGetProperty(inputDetailsName, out var inputDetails) && inputDetails.ValueKind == JsonValueKind.Object
            ? TokenCount(inputDetails, "cached_tokens", where)
            : 0;
        var reasoning = usage.TryGetProperty(outputDetailsName, out var outputDetails) && outputDetails.ValueKind == JsonValueKind.Object
            ? TokenCount(outputDetails, "reasoning_tokens", where)
            : 0;
        return (input, output, cached, reasoning);
    }
}
