using System.Collections;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>System messages (and instructions) sent again are matched by instance, without hashing them, on every call.</summary>
public class TranscriptTrackerSystemMessageCostTests
{
    [Fact]
    public void A_system_message_instance_sent_again_is_not_read_when_another_prompt_was_used_after_it()
    {
        // Two agents of one session, each with its own prompt instance, take turns: each call sends an instance the
        // tracker already knows, though not the one it saw last.
        var tracker = new TranscriptTracker();
        var first = new CountingContents("You look up orders.");
        var second = new CountingContents("You check the refund policy.");
        var firstPrompt = new ChatMessage(ChatRole.System, first);
        var secondPrompt = new ChatMessage(ChatRole.System, second);
        tracker.ObserveRequest([firstPrompt, new(ChatRole.User, "one")], null, out _);
        tracker.ObserveRequest([secondPrompt, new(ChatRole.User, "two")], null, out _);
        first.Reads = second.Reads = 0;

        for (var turn = 0; turn < 4; turn++)
        {
            Assert.Empty(tracker.ObserveRequest([turn % 2 == 0 ? firstPrompt : secondPrompt], null, out _));
        }

        Assert.Equal(0, first.Reads + second.Reads);
    }

    // A message's contents that count how often they are read (as hashing a message reads them).
    private sealed class CountingContents(string text) : IList<AIContent>
    {
        private readonly List<AIContent> _items = [new TextContent(text)];

        public int Reads { get; set; }

        public int Count
        {
            get
            {
                Reads++;
                return _items.Count;
            }
        }

        public bool IsReadOnly => false;

        public AIContent this[int index]
        {
            get
            {
                Reads++;
                return _items[index];
            }

            set => _items[index] = value;
        }

        public IEnumerator<AIContent> GetEnumerator()
        {
            Reads++;
            return _items.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public int IndexOf(AIContent item) => _items.IndexOf(item);

        public void Insert(int index, AIContent item) => _items.Insert(index, item);

        public void RemoveAt(int index) => _items.RemoveAt(index);

        public void Add(AIContent item) => _items.Add(item);

        public void Clear() => _items.Clear();

        public bool Contains(AIContent item) => _items.Contains(item);

        public void CopyTo(AIContent[] array, int arrayIndex) => _items.CopyTo(array, arrayIndex);

        public bool Remove(AIContent item) => _items.Remove(item);
    }
}
