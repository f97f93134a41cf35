using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>How a request is placed on the session's tree of histories: the remembered paths, windows, server-side
/// conversations and the recording of chain keys.</summary>
internal sealed partial class TranscriptTracker
{
    // Follows the request's path from the start, and returns the index of its first new message (the length of the
    // request when there is none) and the chain key of its last message.
    private int Walk(ReadOnlySpan<ChatMessage> messages, out ulong last, out List<int>? seenAfterNew)
    {
        seenAfterNew = null;
        var evictions = _evictions;
        var key = Root;
        var path = PathOf(messages);
        var onPath = 0;
        var firstNew = messages.Length;
        for (var i = 0; i < messages.Length; i++)
        {
            var message = messages[i];
            if (IsSystem(message))
            {
                continue;
            }

            // The common case: the same instances as the last path, whose keys are known.
            // Its keys are looked up only when keys have been evicted since it was last checked.
            if (onPath >= 0 && onPath < path.Messages.Count && ReferenceEquals(path.Messages[onPath], message)
                && (path.CheckedAt == _evictions || _keys.Contains(path.Keys[onPath])))
            {
                key = path.Keys[onPath++];
                continue;
            }

            if (onPath >= 0)
            {
                // Off the path taken before: the request's path goes on from here.
                path.Truncate(onPath);
                onPath = -1;
            }

            // Seen when its path is remembered, or when the request goes on here with a remembered part of a conversation
            // (a window; after other messages, or after new ones such as a summary put first, at least two messages
            // long, so one coincidentally equal message is not enough).
            var print = MessageFingerprint.Of(message);
            var next = Chain(key, print);
            if (_keys.Contains(next) || TryReanchor(messages, i, print, key, path.Keys, out next))
            {
                key = next;
                path.Add(message, key);
                if (firstNew < messages.Length)
                {
                    (seenAfterNew ??= []).Add(i);
                }

                continue;
            }

            if (firstNew == messages.Length)
            {
                firstNew = i;
            }

            key = Record(key, message, print);
            path.Add(message, key);
        }

        // Every key the path names now is in the set: those walked were checked or just recorded, the path was cut where
        // the request left it (when the request stopped short of its end, the rest was not checked), and nothing was
        // evicted meanwhile.
        if ((onPath < 0 || onPath == path.Messages.Count) && _evictions == evictions)
        {
            path.CheckedAt = evictions;
        }

        last = key;
        return firstNew;
    }

    // The remembered path the request's first message (system messages aside) starts, else the least recently used one,
    // emptied; either becomes the most recently used.
    private Path PathOf(ReadOnlySpan<ChatMessage> messages)
    {
        ChatMessage? first = null;
        foreach (var message in messages)
        {
            if (!IsSystem(message))
            {
                first = message;
                break;
            }
        }

        // The path the request goes on: one it starts at the start of, or (a sliding window) one it starts inside; in both,
        // at a place its next message follows too, so that a message instance sent several times ("Continue.") is found
        // at the right place. Inside a path only when the request's first message is not remembered at the start of a
        // conversation (the same instance may sit deeper in another conversation, after a message of its own). The path
        // then starts there, so the window's messages are walked by reference, not hashed and looked up again each turn.
        var index = -1;
        if (first is not null)
        {
            var second = SecondNonSystem(messages);
            for (var i = 0; i < _paths.Count && index < 0; i++)
            {
                if (FollowsAt(_paths[i].Messages, 0, first, second))
                {
                    index = i;
                }
            }

            var atRoot = index < 0 && _keys.Contains(Chain(Root, MessageFingerprint.Of(first)));
            for (var i = 0; i < _paths.Count && index < 0 && !atRoot; i++)
            {
                var seen = _paths[i].Messages;
                for (var start = seen.Count - 1; start > 0; start--)
                {
                    if (FollowsAt(seen, start, first, second))
                    {
                        _paths[i].RemoveFirst(start);
                        index = i;
                        break;
                    }
                }
            }
        }

        Path path;
        if (index >= 0)
        {
            path = _paths[index];
            _paths.RemoveAt(index);
        }
        else if (_paths.Count == MaxPaths)
        {
            path = _paths[^1];
            _paths.RemoveAt(_paths.Count - 1);
            path.Truncate(0);
        }
        else
        {
            path = new Path();
        }

        _paths.Insert(0, path);
        return path;
    }

    // Whether the path holds the request's first message at start, followed by its second when both go on.
    private static bool FollowsAt(List<ChatMessage> seen, int start, ChatMessage first, ChatMessage? second) =>
        start < seen.Count
        && ReferenceEquals(seen[start], first)
        && (second is null || start + 1 == seen.Count || ReferenceEquals(seen[start + 1], second));

    private static ChatMessage? SecondNonSystem(ReadOnlySpan<ChatMessage> messages)
    {
        var found = 0;
        foreach (var message in messages)
        {
            if (!IsSystem(message) && ++found == 2)
            {
                return message;
            }
        }

        return null;
    }

    // The remembered path that ends with the given chain key, if any.
    private Path? PathEndingAt(ulong key)
    {
        foreach (var path in _paths)
        {
            if (path.Keys.Count > 0 ? path.Keys[^1] == key : key == Root)
            {
                return path;
            }
        }

        return null;
    }

    // The request's path breaks at messages[index]: the path goes on from a recent place where an equal message was
    // recorded (a window that dropped what came before it), the one followed by the most equal messages of the request.
    // A single equal message after others of the request is too weak a sign ("OK", a canned greeting): the messages
    // before it would then be taken for a window, though nothing dropped them.
    private bool TryReanchor(ReadOnlySpan<ChatMessage> messages, int index, ulong print, ulong current, List<ulong> walked, out ulong key)
    {
        var first = current == Root;
        key = 0;
        if (!_places.TryGetValue(print, out var places))
        {
            return false;
        }

        var best = 0;
        for (var p = 0; p < places.Count; p++)
        {
            // A window drops older messages: it never goes on from a place earlier on the request's own path (a canned
            // question and its answer sent again later, tool results whose call ids the provider reuses).
            var place = places[p];
            if (!_keys.Contains(place) || walked.Contains(place))
            {
                continue;
            }

            var length = 1;
            var at = place;
            for (var i = index + 1; i < messages.Length; i++)
            {
                if (IsSystem(messages[i]))
                {
                    continue;
                }

                var next = Chain(at, MessageFingerprint.Of(messages[i]));
                if (!_keys.Contains(next))
                {
                    break;
                }

                at = next;
                length++;
            }

            // One equal message is enough as the request's first, or when it descends from where the request is: a
            // history reducer that dropped the tool messages between a question and its answer (MessageCountingChatReducer).
            if (length > best && (length > 1 || first || Descends(place, current)))
            {
                best = length;
                key = place;
            }
        }

        return best > 0;
    }

    // Whether the key was recorded after the ancestor, a few messages up at most.
    private bool Descends(ulong key, ulong ancestor)
    {
        for (var step = 0; step < MaxDescent && _parents.TryGetValue(key, out var parent); step++)
        {
            if (parent == ancestor)
            {
                return true;
            }

            key = parent;
        }

        return false;
    }

    // The service holds the history: every message is new, and goes on from where the conversation was left.
    private int OnServer(ReadOnlySpan<ChatMessage> messages, string conversationId, out ulong last)
    {
        // Held for the session's life: a provider's megabyte id as its capped form (RecordedIdentifiers).
        conversationId = RecordedIdentifiers.ConversationId(conversationId);
        if (!_serverConversations.TryGetValue(conversationId, out var key))
        {
            key = AnsweredCall(messages) ?? Root;
        }

        foreach (var message in messages)
        {
            if (!IsSystem(message))
            {
                key = Record(key, message, MessageFingerprint.Of(message));
            }
        }

        LeaveServerConversation(conversationId, key);
        last = key;
        return 0;
    }

    // The chain key of the message of the call the request's first tool result answers, if remembered.
    private ulong? AnsweredCall(ReadOnlySpan<ChatMessage> messages)
    {
        foreach (var message in messages)
        {
            if (IsSystem(message))
            {
                continue;
            }

            var contents = message.Contents;
            for (var c = 0; c < contents.Count; c++)
            {
                if (contents[c] is FunctionResultContent result && _callKeys.TryGetValue(RecordedIdentifiers.CallId(result.CallId), out var key))
                {
                    return key;
                }
            }

            return null;
        }

        return null;
    }

    private void LeaveServerConversation(string conversationId, ulong key)
    {
        conversationId = RecordedIdentifiers.ConversationId(conversationId);
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_serverConversations, conversationId, out var exists);
        slot = key;
        if (!exists)
        {
            _serverConversationIds.Enqueue(conversationId);
            if (_serverConversationIds.Count > MaxServerConversations)
            {
                _serverConversations.Remove(_serverConversationIds.Dequeue());
            }
        }
    }

    // Remembers a message recorded after the path whose last key is parent, and returns its chain key.
    private ulong Record(ulong parent, ChatMessage message, ulong print)
    {
        var key = Chain(parent, print);
        if (!_keys.Add(key))
        {
            return key;
        }

        _keyOrder.Enqueue((key, print));
        _parents[key] = parent;
        ref var places = ref CollectionsMarshal.GetValueRefOrAddDefault(_places, print, out _);
        places.Add(key);
        var contents = message.Contents;
        for (var c = 0; c < contents.Count; c++)
        {
            // The id as recorded: a call never answered keeps no more than that for the session's life.
            if (contents[c] is FunctionCallContent call && RecordedIdentifiers.CallId(call.CallId) is var callId && _callKeys.TryAdd(callId, key))
            {
                _callKeyIds.Enqueue(callId);
                if (_callKeyIds.Count > MaxToolCalls)
                {
                    _callKeys.Remove(_callKeyIds.Dequeue());
                }
            }
        }

        if (_keyOrder.Count > MaxKeys)
        {
            var (oldKey, oldPrint) = _keyOrder.Dequeue();
            _keys.Remove(oldKey);
            _parents.Remove(oldKey);
            _evictions++;
            if (_places.TryGetValue(oldPrint, out var oldPlaces) && !oldPlaces.AnyIn(_keys))
            {
                _places.Remove(oldPrint);
            }
        }

        return key;
    }

    // The chain key of a message with the given fingerprint after the path whose last key is parent.
    private static ulong Chain(ulong parent, ulong print)
    {
        var key = (parent * 0x9E3779B97F4A7C15) ^ print;
        key ^= key >> 31;
        key *= 0xBF58476D1CE4E5B9;
        key ^= key >> 29;
        key *= 0x94D049BB133111EB;
        return key ^ (key >> 32);
    }
}
