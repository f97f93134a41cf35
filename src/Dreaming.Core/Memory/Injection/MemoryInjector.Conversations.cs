using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Dreaming;

// Which server-side conversations (ChatOptions.ConversationId: the Responses API's previous_response_id or conversation)
// already hold a memory in the history the service keeps: a call in one is sent that memory no more. Kept by the
// injector, one per service provider (its UseDreaming() clients share it), not by a session, so the next session on the
// same thread (Agent Framework's session per run) is not sent it again.
internal sealed partial class MemoryInjector
{
    /// <summary>How many server-side conversations are remembered with the memory they hold; the oldest is forgotten first
    /// (a call in it is then given the memory as instructions).</summary>
    internal const int MaxHeldConversations = 4096;

    private readonly Lock _heldLock = new();

    // A fingerprint of the memory each holds, not its text: sessions render their own copies of it, so keeping the text
    // would keep up to 4,096 of them (MemoryTokenBudget's four characters a token each) for as long as the process runs.
    private readonly Dictionary<string, UInt128> _held = new(StringComparer.Ordinal);
    private readonly Queue<string> _heldOrder = new();

    /// <summary>Remembers that the conversation a response went on as (<paramref name="conversationId"/>) holds the
    /// session's memory: the request was sent it as a message (it had no conversation), or its conversation
    /// (<paramref name="askedConversationId"/>) held it.</summary>
    public void NoteResponse(IAgentSession session, string? askedConversationId, string conversationId)
    {
        if (session is AgentSession { Memory: { IsCompletedSuccessfully: true, Result: { } memory } })
        {
            Note(askedConversationId, conversationId, memory.Text);
        }
    }

    /// <summary>Remembers that <paramref name="conversationId"/> holds the memory <paramref name="text"/> when the request
    /// had no conversation (<paramref name="askedConversationId"/>) or its conversation held that memory.</summary>
    internal void Note(string? askedConversationId, string conversationId, string text)
    {
        // Held for the process's life: a provider's megabyte id as its capped form (RecordedIdentifiers).
        conversationId = RecordedIdentifiers.ConversationId(conversationId);
        askedConversationId = askedConversationId is null ? null : RecordedIdentifiers.ConversationId(askedConversationId);
        var fingerprint = FingerprintOf(text);
        lock (_heldLock)
        {
            if (askedConversationId is not null && !(_held.TryGetValue(askedConversationId, out var held) && held == fingerprint))
            {
                return;
            }

            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_held, conversationId, out var exists);
            slot = fingerprint;
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

    /// <summary>Whether the conversation's history holds this memory (the same text: a session given another version, or
    /// another agent's, gets its own as instructions).</summary>
    internal bool Holds(string conversationId, string text)
    {
        conversationId = RecordedIdentifiers.ConversationId(conversationId);
        var fingerprint = FingerprintOf(text);
        lock (_heldLock)
        {
            return _held.TryGetValue(conversationId, out var held) && held == fingerprint;
        }
    }

    // 128 bits of the text's UTF-16 bytes: two different memories do not share one in practice.
    private static UInt128 FingerprintOf(string text) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text.AsSpan()));
}
