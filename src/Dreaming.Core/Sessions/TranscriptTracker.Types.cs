using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>The small types the tracker keeps its memory in.</summary>
internal sealed partial class TranscriptTracker
{
    /// <summary>Where a request left its conversation: its response goes on from there.</summary>
    /// <param name="Key">The chain key of the request's last message (other than system messages).</param>
    /// <param name="ConversationId">The server-side conversation of the request, if any.</param>
    internal readonly record struct Position(ulong Key, string? ConversationId);

    /// <summary>A system message already recorded, with the fingerprint of its content, and the last
    /// <see cref="ChatOptions.Instructions"/> string found equal to it (so the same string is matched by reference).</summary>
    private readonly record struct Seen(ChatMessage Message, ulong Print, string? Instructions = null);

    /// <summary>The last few places (chain keys) where a message with one fingerprint was recorded.</summary>
    [InlineArray(4)]
    private struct Keys
    {
        private ulong _first;
    }

    private struct Places
    {
        private Keys _keys;
        private int _added;

        public readonly int Count => Math.Min(_added, 4);

        public readonly ulong this[int index] => _keys[index];

        public void Add(ulong key) => _keys[_added++ % 4] = key;

        public readonly bool AnyIn(HashSet<ulong> keys)
        {
            for (var i = 0; i < Count; i++)
            {
                if (keys.Contains(_keys[i]))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A path taken: the message instances of a request and its response (system messages aside), with their chain keys.</summary>
    private sealed class Path
    {
        public List<ChatMessage> Messages { get; } = [];

        public List<ulong> Keys { get; } = [];

        /// <summary>Gets or sets the number of evictions at which every key of the path was last known to be in the set
        /// (-1: never checked).</summary>
        public long CheckedAt { get; set; } = -1;

        public void Add(ChatMessage message, ulong key)
        {
            Messages.Add(message);
            Keys.Add(key);
        }

        public void RemoveFirst(int count)
        {
            Messages.RemoveRange(0, count);
            Keys.RemoveRange(0, count);
        }

        public void Truncate(int count)
        {
            Messages.RemoveRange(count, Messages.Count - count);
            Keys.RemoveRange(count, Keys.Count - count);
        }
    }
}
