using System.ClientModel.Primitives;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>The Responses API's tool items that Microsoft.Extensions.AI.OpenAI 10.11 gives as a bare <see cref="AIContent"/>
/// whose <see cref="AIContent.RawRepresentation"/> is the OpenAI SDK's item (<c>mcp_list_tools</c>, <c>custom_tool_call</c>,
/// <c>local_shell_call</c>, and the <c>…_call_output</c> an app sends back): read from the item's own JSON, which the SDK's
/// items write through System.ClientModel's <see cref="IPersistableModel{T}"/> (no dependency on the OpenAI SDK, no
/// reflection), and recorded as the import records the same item.</summary>
internal static class RawItemEvents
{
    private static readonly ElementContext s_context = new("UseDreaming()", 0, null);

    /// <summary>Returns whether <paramref name="content"/> is a bare <see cref="AIContent"/> of a model that writes itself
    /// as JSON (a provider SDK's item no Microsoft.Extensions.AI content stands for).</summary>
    public static bool IsRawItem(AIContent content) =>
        content.GetType() == typeof(AIContent) && content.RawRepresentation is IPersistableModel<object>;

    /// <summary>Adds the events of the item, when it is a tool's: its call (and its result, when the item holds it), or the
    /// result of a call made earlier (named by that call); nothing for any other item, or one that cannot be read.</summary>
    public static void Add(List<SessionEvent> events, AIContent content, TranscriptTracker transcript, string? toolErrorPrefix, string sessionId, DateTimeOffset timestamp, long? lastSequence)
    {
        JsonDocument document;
        try
        {
            var json = ((IPersistableModel<object>)content.RawRepresentation!).Write(ModelReaderWriterOptions.Json);
            document = JsonDocument.Parse(json.ToMemory());
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return;
        }

        using (document)
        {
            var item = document.RootElement;
            if (item.ValueKind != JsonValueKind.Object || JsonElementHelpers.GetNonBlankString(item, "type") is not { } type || !IsToolItem(type))
            {
                return;
            }

            // The import's own mapping, so that live and imported agree; unfiltered here, as the writer filters every event.
            // An item without an id is numbered among the session's, as the import of the session numbers it.
            var mapper = new ConversationMapper(sessionId, timestamp, toolErrorPrefix, static text => text, s_context) { NextIdlessToolItem = transcript.NextIdlessToolItem };
            try
            {
                mapper.MapLiveItem(item, type);
            }
            catch (SessionImportException)
            {
                // An item the import would refuse (an output without its call_id): nothing to pair it with.
                return;
            }

            foreach (var mapped in mapper.Events)
            {
                var numbered = mapped with { Sequence = ChatMessageEvents.Next(events, lastSequence) };
                switch (numbered)
                {
                    case ToolCallEvent call:
                        transcript.RememberToolName(call.CallId, call.ToolName);
                        break;
                    case ToolResultEvent { ToolName: null } result:
                        numbered = result with { ToolName = transcript.ToolName(result.CallId) };
                        break;
                }

                events.Add(numbered);
            }
        }
    }

    // The tools' items; a message, reasoning or any other item given bare is no tool's (and its content, if any, reached
    // the middleware as the contents Microsoft.Extensions.AI made of it).
    private static bool IsToolItem(string type) =>
        type == "mcp_list_tools" || type.EndsWith("_call", StringComparison.Ordinal) || type.EndsWith("_call_output", StringComparison.Ordinal);
}
