using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>A 64-bit fingerprint of what makes two chat messages the same message: role, text (all of it, however it
/// is split; none for a message of tool calls, which its calls identify), tool call ids and names, tool result ids, and images, files and links (a link without its query and
/// fragment). Reasoning and other content are not compared, so a history rebuilt from storage as role and text matches.</summary>
internal static class MessageFingerprint
{
    // How many bytes of each end of an image (or other data) are hashed, along with its length.
    private const int DataBytesHashed = 16 * 1024;

    public static ulong Of(ChatMessage message)
    {
        var hash = Add(0, message.Role.Value);
        string? onlyText = null;
        var textParts = 0;
        var calls = false;
        var contents = message.Contents;
        for (var c = 0; c < contents.Count; c++)
        {
            if (contents[c] is TextContent text)
            {
                onlyText = text.Text;
                textParts++;
            }
            else if (contents[c] is FunctionCallContent)
            {
                calls = true;
            }
        }

        // All of the text however it is split: the parts are only joined when there are several. A message of tool calls
        // is its calls, whatever text came with them: Semantic Kernel's streamed ChatHistory keeps the calls without the
        // text the model wrote before them (which the app receives as part of its answer).
        hash = Add(hash, calls ? string.Empty : textParts > 1 ? message.Text : onlyText ?? string.Empty);
        for (var c = 0; c < contents.Count; c++)
        {
            switch (contents[c])
            {
                case FunctionCallContent call:
                    hash = Add(Add(hash ^ 1, call.CallId), call.Name);
                    break;
                case FunctionResultContent result:
                    hash = Add(hash ^ 2, result.CallId);
                    break;
                case DataContent data:
                    // The bytes, not the instance: an image read back from storage is the same image. A large one is
                    // identified by its media type, its length and both of its ends.
                    var bytes = data.Data.Span;
                    hash = Add(hash ^ 3, data.MediaType) ^ (ulong)bytes.Length;
                    hash = bytes.Length <= 2 * DataBytesHashed
                        ? Add(hash, bytes)
                        : Add(Add(hash, bytes[..DataBytesHashed]), bytes[^DataBytesHashed..]);
                    break;
                case UriContent uri:
                    // Without its query and fragment, as its note records it: a host that rebuilds a history from its own
                    // storage signs a blob's link anew each turn (a SAS or presigned query), and the same file must match.
                    var link = uri.Uri.OriginalString.AsSpan();
                    var cut = link.IndexOfAny('?', '#');
                    hash = Add(Add(hash ^ 4, uri.MediaType), cut < 0 ? link : link[..cut]);
                    break;
                case HostedFileContent file:
                    hash = Add(hash ^ 5, file.FileId);
                    break;
            }
        }

        return hash;
    }

    /// <summary>The fingerprint of a system message of <paramref name="text"/> alone: <see cref="Of"/> of
    /// <c>new ChatMessage(ChatRole.System, text)</c>, without making one.</summary>
    public static ulong OfSystemText(string text) => Add(Add(0, ChatRole.System.Value), text);

    // Each part is hashed with what came before it as the seed, and a string with its length (a null one apart), so
    // that consecutive parts cannot run into each other.
    private static ulong Add(ulong seed, string? value) =>
        value is null
            ? Add(seed, [0xFF])
            : Add(seed, value.AsSpan());

    private static ulong Add(ulong seed, ReadOnlySpan<char> value) => Add(seed ^ (ulong)value.Length, MemoryMarshal.AsBytes(value));

    private static ulong Add(ulong seed, ReadOnlySpan<byte> bytes) => XxHash3.HashToUInt64(bytes, unchecked((long)seed));
}
