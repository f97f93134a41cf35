using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Remembers which messages of a conversation a session has already recorded.</summary>
/// <remarks>
/// Chat clients are sent the whole history on every call, and <c>UseFunctionInvocation()</c> sends it again on every
/// tool round. Recording only what follows the longest prefix already seen records each message once, whichever
/// order the middlewares are in and whether or not the host keeps the same message instances.
/// </remarks>
internal sealed class TranscriptTracker
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _toolNames = new(StringComparer.Ordinal);
    private readonly List<Seen> _seen = [];

    /// <summary>Returns the index of the first message of <paramref name="messages"/> not yet recorded and remembers them all.</summary>
    public int ObserveRequest(IReadOnlyList<ChatMessage> messages)
    {
        lock (_lock)
        {
            var common = 0;
            while (common < messages.Count && common < _seen.Count && Matches(common, messages[common]))
            {
                common++;
            }

            _seen.RemoveRange(common, _seen.Count - common);
            for (var i = common; i < messages.Count; i++)
            {
                _seen.Add(new Seen(messages[i]));
            }

            return common;
        }
    }

    public void ObserveResponse(ChatMessage[] messages)
    {
        lock (_lock)
        {
            for (var i = 0; i < messages.Length; i++)
            {
                _seen.Add(new Seen(messages[i]));
            }
        }
    }

    public void RememberToolName(string callId, string name)
    {
        lock (_lock)
        {
            _toolNames[callId] = name;
        }
    }

    public string? ToolName(string callId)
    {
        lock (_lock)
        {
            return _toolNames.GetValueOrDefault(callId);
        }
    }

    // The same instance is the common case (UseFunctionInvocation() and most hosts re-send their history), so content
    // is only fingerprinted when a host sends a different instance: one that rebuilt its history, say.
    private bool Matches(int index, ChatMessage message)
    {
        var seen = _seen[index];
        if (ReferenceEquals(message, seen.Message))
        {
            return true;
        }

        if (seen.Print is null)
        {
            seen = seen with { Print = Fingerprint(seen.Message) };
            _seen[index] = seen;
        }

        return Fingerprint(message) == seen.Print;
    }

    /// <summary>A message already recorded, with the fingerprint of its content once one was needed.</summary>
    private readonly record struct Seen(ChatMessage Message, int? Print = null);

    private static int Fingerprint(ChatMessage message)
    {
        var hash = new HashCode();
        hash.Add(message.Role.Value, StringComparer.Ordinal);
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text:
                    hash.Add(text.Text, StringComparer.Ordinal);
                    break;
                case FunctionCallContent call:
                    hash.Add(call.CallId, StringComparer.Ordinal);
                    hash.Add(call.Name, StringComparer.Ordinal);
                    break;
                case FunctionResultContent result:
                    hash.Add(result.CallId, StringComparer.Ordinal);
                    break;
                default:
                    hash.Add(content.GetType());
                    break;
            }
        }

        return hash.ToHashCode();
    }
}
