using System.Runtime.InteropServices;

namespace Dreaming;

// Which server-side conversations (ChatOptions.ConversationId: the Responses API's previous_response_id or conversation)
// already hold a memory in the history the service keeps: a call in one is sent that memory no more. Kept for the whole
// process, not a session, so the next session on the same thread (Agent Framework's session per run) is not sent it again.
internal sealed partial class MemoryInjector
{
    /// <summary>How many server-side conversations are remembered with the memory they hold; the oldest is forgotten first
    /// (a call in it is then given the memory as instructions).</summary>
    internal const int MaxHeldConversations = 4096;

    private readonly Lock _heldLock = new();
    private readonly Dictionary<string, string> _held = new(StringComparer.Ordinal);
    private readonly Queue<string> _heldOrder = new();

    /// <summary>Remembers that the conversation a response went on as (<paramref name="conversationId"/>) holds the
    /// session's memory: the request was sent it as a message (it had no conversation), or its conversation
    /// (<paramref name="askedConversationId"/>) held it.</summary>
    public void NoteResponse(IAgentSession session, string? askedConversationId, string conversationId)
    {
        if (session is not AgentSession { Memory: { IsCompletedSuccessfully: true, Result: { } memory } })
        {
            return;
        }

        lock (_heldLock)
        {
            if (askedConversationId is not null && !HeldLocked(askedConversationId, memory.Text))
            {
                return;
            }

            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_held, conversationId, out var exists);
            slot = memory.Text;
            if (!exists)
            {
                _heldOrder.Enqueue(conversationId);
                if (_heldOrder.Count > MaxHeldConversations)
                {
                    _held.Remove(_heldOrder.Dequeue());
                }
            }
        }
    }

    // Whether the conversation's history holds this memory (the same text: a session given another version, or another
    // agent's, gets its own as instructions).
    private bool Holds(string conversationId, string text)
    {
        lock (_heldLock)
        {
            return HeldLocked(conversationId, text);
        }
    }

    private bool HeldLocked(string conversationId, string text) =>
        _held.TryGetValue(conversationId, out var held) && (ReferenceEquals(held, text) || string.Equals(held, text, StringComparison.Ordinal));
}
