using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>The Microsoft.Extensions.AI half: messages written as <see cref="ChatMessage"/> JSON ("role", "contents").</summary>
internal sealed partial class ConversationMapper
{
    private const string FunctionCallType = "functionCall";
    private const string FunctionResultType = "functionResult";
    private const int MaxQuotedTypeLength = 40;

    // The calls imported from their approval requests, until the call rebuilt from the answer comes.
    private HashSet<string>? _approvalRequests;

    // declaredNames: whether the message names its properties as .NET declares them ("Role", "Contents", "CallId"), as
    // JsonSerializer writes them without options, rather than as AIJsonUtilities.DefaultOptions does ("role", "contents").
    private void MapChatMessage(JsonElement message, JsonElement contents, string role, int index, bool declaredNames)
    {
        if (message.TryGetProperty("content", out _))
        {
            throw Malformed(index, "has both \"content\" (OpenAI) and \"contents\" (Microsoft.Extensions.AI), so its shape is ambiguous");
        }

        CheckContents(contents, index, declaredNames);
        ChatMessage chatMessage;
        try
        {
            chatMessage = JsonSerializer.Deserialize(message, declaredNames ? DeclaredNamesContract.TypeInfo : ChatMessageContract.TypeInfo)
                ?? throw Malformed(index, "is not a Microsoft.Extensions.AI ChatMessage");
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw Malformed(index, "is not a Microsoft.Extensions.AI ChatMessage: " + WithoutPosition(ex.Message), ex);
        }

        // The text as ChatMessage.Text gives it (its text parts, joined), then a note of each image, file or link, as
        // UseDreaming() records a live message.
        var textAlone = chatMessage.Text;
        var text = AttachmentNote.WithNotes(textAlone, chatMessage.Contents);
        // A person's answers to approval requests are no message, as UseDreaming() records them live.
        var hasToolContent = chatMessage.Contents.Any(static content => content is FunctionCallContent or FunctionResultContent or ToolApprovalRequestContent or ToolApprovalResponseContent);
        if (!string.IsNullOrWhiteSpace(text) || !hasToolContent)
        {
            AddMessage(role, text, chatMessage.AuthorName, textAlone);
        }

        foreach (var content in chatMessage.Contents)
        {
            switch (content)
            {
                case FunctionCallContent { InformationalOnly: true } call when _approvalRequests?.Remove(call.CallId) == true:
                    // The call UseFunctionInvocation() rebuilt from a person's answer: imported from its approval request.
                    break;
                case FunctionCallContent call:
                    AddToolCall(call.CallId, call.Name, ChatMessageEvents.SerializeArguments(call.Arguments));
                    break;
                case ToolApprovalRequestContent { ToolCall: FunctionCallContent asked }:
                    // The model's call, held for a person's approval: imported where the model made it, answered or not.
                    (_approvalRequests ??= new(StringComparer.Ordinal)).Add(asked.CallId);
                    AddToolCall(asked.CallId, asked.Name, ChatMessageEvents.SerializeArguments(asked.Arguments));
                    break;
                case FunctionResultContent result:
                    // Exception is not serialized, so a result read from JSON has none; an invoker's failure text
                    // ("Error: Function failed.") is caught by the error prefix.
                    AddToolResult(result.CallId, null, ResultText(result.Result), result.Exception is not null);
                    break;
            }
        }
    }

    /// <summary>Checks what the serializer would accept silently or report without naming the part: every part an object
    /// with a known "$type", and every function call and result with the "callId" that pairs them.</summary>
    private void CheckContents(JsonElement contents, int index, bool declaredNames)
    {
        var (contentsName, callIdName, nameName) = declaredNames ? ("Contents", "CallId", "Name") : ("contents", "callId", "name");
        if (contents.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(index, $"has \"{contentsName}\" that is {JsonElementHelpers.Describe(contents.ValueKind)}, not an array");
        }

        var part = 0;
        foreach (var content in contents.EnumerateArray())
        {
            if (content.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(index, Invariant($"has content {part} that is ") + JsonElementHelpers.Describe(content.ValueKind) + ", not an object");
            }

            // Without "$type" the serializer makes a bare AIContent and the part's text would be lost without a word.
            var type = JsonElementHelpers.GetNonBlankString(content, "$type") ?? throw Malformed(index, Invariant($"has content {part} without a \"$type\""));
            if (ChatMessageContract.ContentTypes is not null && !ChatMessageContract.ContentTypes.Contains(type))
            {
                var quoted = type.Length <= MaxQuotedTypeLength ? type : string.Concat(type.AsSpan(0, MaxQuotedTypeLength), "…");
                throw Malformed(index, Invariant($"has content {part} of unknown \"$type\" '") + quoted + "' (not a Microsoft.Extensions.AI content type)");
            }

            if (type is FunctionCallType or FunctionResultType)
            {
                if (JsonElementHelpers.GetNonBlankString(content, callIdName) is null)
                {
                    throw Malformed(index, Invariant($"has content {part}, a {type}, without \"{callIdName}\""));
                }

                if (type is FunctionCallType && JsonElementHelpers.GetNonBlankString(content, nameName) is null)
                {
                    throw Malformed(index, Invariant($"has content {part}, a {type}, without \"{nameName}\""));
                }
            }

            part++;
        }
    }

    // A result that is a JSON object, array, number or literal is stored as compact JSON text, whatever the file's layout;
    // one that is an image, file or link (a tool's screenshot), or content parts holding one, as UseDreaming() records it.
    private static string? ResultText(object? result) => result switch
    {
        JsonElement { ValueKind: JsonValueKind.Object or JsonValueKind.Array } element when AttachmentContents(element) is { } contents => ChatMessageEvents.ResultText(contents),
        JsonElement { ValueKind: not JsonValueKind.String } element => JsonSerializer.Serialize(element, ChatMessageContract.Options.GetTypeInfo(typeof(JsonElement))),
        _ => ChatMessageEvents.ResultText(result),
    };

    // The result's content parts, as Microsoft.Extensions.AI writes them ("$type" first among their properties), when at
    // least one is an image, file or link; null otherwise, or when one is not a part it knows.
    private static List<AIContent>? AttachmentContents(JsonElement element)
    {
        var parts = element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().ToList() : [element];
        if (parts.Count == 0 || !parts.Any(static p => p.ValueKind == JsonValueKind.Object && JsonElementHelpers.GetNonBlankString(p, "$type") is "data" or "uri" or "hostedFile"))
        {
            return null;
        }

        var typeInfo = (JsonTypeInfo<AIContent>)ChatMessageContract.Options.GetTypeInfo(typeof(AIContent));
        var contents = new List<AIContent>(parts.Count);
        foreach (var part in parts)
        {
            if (part.ValueKind != JsonValueKind.Object || JsonElementHelpers.GetNonBlankString(part, "$type") is not { } type
                || (ChatMessageContract.ContentTypes is { } known && !known.Contains(type)))
            {
                return null;
            }

            try
            {
                if (JsonSerializer.Deserialize(part, typeInfo) is { } content)
                {
                    contents.Add(content);
                }
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or NotSupportedException or InvalidOperationException or FormatException)
            {
                return null;
            }
        }

        return contents;
    }

    // The serializer's position is within the message, not the file; the error already names the message.
    private static string WithoutPosition(string message)
    {
        var cut = message.IndexOf(" | LineNumber: ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>The serializer contract, built on the first ChatMessage an import meets, so OpenAI-only imports never pay for it.</summary>
    private static class ChatMessageContract
    {
        // The library's own contract, so the import reads what hosts write with AIJsonUtilities.DefaultOptions; only "$type"
        // may come later than first in the object, as it does in hand-written or re-formatted files, and what is written
        // back (a result that is a JSON value) is compact, as UseDreaming() records it.
        public static readonly JsonSerializerOptions Options = CreateOptions();

        public static readonly JsonTypeInfo<ChatMessage> TypeInfo = (JsonTypeInfo<ChatMessage>)Options.GetTypeInfo(typeof(ChatMessage));

        // The "$type" values this version of Microsoft.Extensions.AI knows; null when it stops declaring them.
        public static readonly FrozenSet<string>? ContentTypes = Options.GetTypeInfo(typeof(AIContent)).PolymorphismOptions?.DerivedTypes
            .Select(derived => derived.TypeDiscriminator as string)
            .OfType<string>()
            .ToFrozenSet(StringComparer.Ordinal);

        internal static JsonSerializerOptions CreateOptions(bool caseInsensitive = false)
        {
            var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { AllowOutOfOrderMetadataProperties = true, WriteIndented = false, PropertyNameCaseInsensitive = caseInsensitive };
            options.MakeReadOnly();
            return options;
        }
    }

    /// <summary>The same contract reading property names in any case, for a ChatMessage serialized without options ("Role",
    /// "Contents", "CallId"; its "$type" values are the same), built on the first such message.</summary>
    private static class DeclaredNamesContract
    {
        public static readonly JsonTypeInfo<ChatMessage> TypeInfo = (JsonTypeInfo<ChatMessage>)ChatMessageContract.CreateOptions(caseInsensitive: true).GetTypeInfo(typeof(ChatMessage));
    }
}
