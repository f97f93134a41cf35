using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Remembers which messages of a session's conversations it has already recorded.</summary>
/// <remarks>
/// <para>Chat clients are sent the history on every call, and <c>UseFunctionInvocation()</c> sends it again on every
/// tool round. The rule, whichever order the middlewares are in and whether or not the host keeps the same message
/// instances (messages are equal when they have the same 64-bit fingerprint of their role, text, tool call ids and
/// names, tool result ids and images, files or links; other content, such as reasoning, is not compared):</para>
/// <list type="bullet">
/// <item>System messages are instructions, not history: one is recorded unless an equal one was recorded recently in
/// the session (the last <see cref="MaxSystemMessages"/> distinct ones are remembered), so a prompt that changes every
/// turn is recorded each time it changes and never makes the conversation look new.</item>
/// <item>The other messages of a request are a path from the start of a conversation: a message is identified by its
/// own content and every message before it (its chain key). The session remembers the chain keys of every message it
/// recorded, requests and responses, so the conversations of a session form a tree: a history sent again, another
/// conversation that begins with the same messages (an agent and a judge given the same task), a turn retried or
/// edited, and calls made concurrently are each a path in it, and none disturbs another. A message whose path is
/// remembered is not recorded again; one whose path is not is new.</item>
/// <item>A request that does not start where a conversation does (a sliding window that dropped the oldest messages,
/// maybe keeping the first one; a fresh summary put before the messages kept) is matched where its path breaks: the
/// message there is looked for among the recent places where an equal message was recorded, and the path goes on from
/// the one followed by the most equal messages. It must be followed by at least one, unless it is the first message of
/// the request (a window that keeps one message it has sent before): a single equal message after others may be a
/// coincidence.</item>
/// <item>Instances sent again are recognised by reference on the remembered paths, without hashing them again: a
/// message changed in place after it was sent is taken for the one sent before.</item>
/// <item>With a server-side conversation (<see cref="ChatOptions.ConversationId"/>) the request carries only new
/// messages: every one is recorded, even one equal to a message sent before. They go on from where that conversation
/// was left (its last request or response, also one whose response named the conversation), or else from the call its
/// first tool result answers, so that a host that later sends the whole history without the id records only what is
/// new.</item>
/// </list>
/// <para>Memory is bounded: the chain keys of the last <see cref="MaxKeys"/> messages recorded (older ones are
/// forgotten first), the last place of <see cref="MaxServerConversations"/> server-side conversations, a few system
/// messages, and the names of the last <see cref="MaxToolCalls"/> tool calls.</para>
/// </remarks>
internal sealed class TranscriptTracker
{
    /// <summary>How many distinct system messages of a session are remembered.</summary>
    internal const int MaxSystemMessages = 8;

    /// <summary>How many chain keys (messages recorded) of a session are remembered.</summary>
    internal const int MaxKeys = 100_000;

    /// <summary>How many messages up a one-message window is looked for the request's own place.</summary>
    internal const int MaxDescent = 64;

    /// <summary>How many server-side conversations of a session are remembered.</summary>
    internal const int MaxServerConversations = 1024;

    /// <summary>How many paths taken (the message instances of a request and its response) are remembered.</summary>
    internal const int MaxPaths = 4;

    /// <summary>How many tool calls of a session are remembered, to name the tool of their results.</summary>
    internal const int MaxToolCalls = 4096;

    // How many bytes of each end of an image (or other data) its fingerprint hashes, along with its length.
    private const int DataBytesHashed = 16 * 1024;

    // The key of the empty path, which every conversation starts from.
    private const ulong Root = 0x6A09E667F3BCC908;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _toolNames = new(StringComparer.Ordinal);
    private readonly Queue<string> _toolCallIds = new();

    // The chain keys of the messages recorded, oldest first in _keyOrder (with the fingerprint of their message), and
    // for each fingerprint the last places (chain keys) where a message with it was recorded, for windows.
    private readonly HashSet<ulong> _keys = [];

    // The key each remembered key was recorded after.
    private readonly Dictionary<ulong, ulong> _parents = [];

    // How many keys have been evicted so far: a path checked when it was this many still holds every key it names.
    private long _evictions;
    private readonly Queue<(ulong Key, ulong Print)> _keyOrder = new();
    private readonly Dictionary<ulong, Places> _places = [];

    // Where each server-side conversation was left, and the chain key of the message of each tool call.
    private readonly Dictionary<string, ulong> _serverConversations = new(StringComparer.Ordinal);
    private readonly Queue<string> _serverConversationIds = new();
    private readonly Dictionary<string, ulong> _callKeys = new(StringComparer.Ordinal);
    private readonly Queue<string> _callKeyIds = new();

    // The last paths taken (message instances and their chain keys), most recently used first, so that a host that
    // sends the same instances again goes along its path without hashing them again.
    private readonly List<Path> _paths = [];

    // Most recently used first.
    private readonly List<Seen> _systemMessages = [];

    /// <summary>Returns the messages of <paramref name="messages"/> not yet recorded, in order, and remembers them all.</summary>
    /// <param name="messages">The messages of the request.</param>
    /// <param name="conversationId">The server-side conversation (<see cref="ChatOptions.ConversationId"/>), if the service holds the history, so every message is new.</param>
    /// <param name="position">Where the request left its conversation, for <see cref="ObserveResponse"/>.</param>
    public IReadOnlyList<ChatMessage> ObserveRequest(IReadOnlyList<ChatMessage> messages, string? conversationId, out Position position)
    {
        // Hosts and UseFunctionInvocation() send lists: read them without an interface call per message.
        var request = messages switch
        {
            ChatMessage[] array => array,
            List<ChatMessage> list => CollectionsMarshal.AsSpan(list),
            _ => messages.ToArray(),
        };

        lock (_lock)
        {
            List<ChatMessage>? newSystemMessages = null;
            var count = 0;
            for (var i = 0; i < request.Length; i++)
            {
                if (IsSystem(request[i]) && IsNewSystemMessage(request[i], ref newSystemMessages))
                {
                    count++;
                }
            }

            List<int>? seenAfterNew = null;
            var firstNew = conversationId is null ? Walk(request, out var last, out seenAfterNew) : OnServer(request, conversationId, out last);
            position = new Position(last, conversationId);
            for (var i = firstNew; i < request.Length; i++)
            {
                count += IsSystem(request[i]) ? 0 : 1;
            }

            count -= seenAfterNew?.Count ?? 0;

            if (count == 0)
            {
                return [];
            }

            var result = new ChatMessage[count];
            for (int i = 0, next = 0; i < request.Length; i++)
            {
                var message = request[i];
                if (IsSystem(message) ? newSystemMessages?.Remove(message) == true : i >= firstNew && seenAfterNew?.Contains(i) != true)
                {
                    result[next++] = message;
                }
            }

            return result;
        }
    }

    /// <summary>Remembers the response of a call after the messages of its request.</summary>
    /// <param name="position">Where the request left its conversation.</param>
    /// <param name="messages">The messages of the response.</param>
    /// <param name="conversationId">The server-side conversation the response belongs to (<see cref="ChatResponse.ConversationId"/>), if any.</param>
    public void ObserveResponse(Position position, ChatMessage[] messages, string? conversationId = null)
    {
        lock (_lock)
        {
            // The response goes on the path its request left (the common case: the next request sends the same
            // history, this response and a new message).
            var path = position.ConversationId is null ? PathEndingAt(position.Key) : null;
            var key = position.Key;
            foreach (var message in messages)
            {
                if (IsSystem(message))
                {
                    continue;
                }

                key = Record(key, message, Fingerprint(message));
                path?.Add(message, key);
            }

            if ((conversationId ?? position.ConversationId) is { } id)
            {
                LeaveServerConversation(id, key);
            }
        }
    }

    public void RememberToolName(string callId, string name)
    {
        lock (_lock)
        {
            if (_toolNames.TryAdd(callId, name))
            {
                _toolCallIds.Enqueue(callId);
                if (_toolCallIds.Count > MaxToolCalls)
                {
                    _toolNames.Remove(_toolCallIds.Dequeue());
                }
            }
            else
            {
                _toolNames[callId] = name;
            }
        }
    }

    public string? ToolName(string callId)
    {
        lock (_lock)
        {
            return _toolNames.GetValueOrDefault(callId);
        }
    }

    // Checked on every message of every call: the length first, as "user", "assistant" and "tool" differ in it.
    private static bool IsSystem(ChatMessage message)
    {
        var role = message.Role.Value;
        return role.Length == 6 && string.Equals(role, ChatRole.System.Value, StringComparison.OrdinalIgnoreCase);
    }

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
            var print = Fingerprint(message);
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

            var atRoot = index < 0 && _keys.Contains(Chain(Root, Fingerprint(first)));
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

                var next = Chain(at, Fingerprint(messages[i]));
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
        if (!_serverConversations.TryGetValue(conversationId, out var key))
        {
            key = AnsweredCall(messages) ?? Root;
        }

        foreach (var message in messages)
        {
            if (!IsSystem(message))
            {
                key = Record(key, message, Fingerprint(message));
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
                if (contents[c] is FunctionResultContent result && _callKeys.TryGetValue(result.CallId, out var key))
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
            if (contents[c] is FunctionCallContent call && _callKeys.TryAdd(call.CallId, key))
            {
                _callKeyIds.Enqueue(call.CallId);
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

    // A system message is new unless one of the last ones recorded is the same instance or has the same content.
    private bool IsNewSystemMessage(ChatMessage message, ref List<ChatMessage>? newSystemMessages)
    {
        ulong? print = null;
        for (var i = 0; i < _systemMessages.Count; i++)
        {
            var seen = _systemMessages[i];
            if (ReferenceEquals(seen.Message, message))
            {
                return false;
            }

            print ??= Fingerprint(message);
            if (seen.Print == print)
            {
                // The same prompt built anew: remember this instance, so the next call matches it by reference.
                _systemMessages[i] = seen with { Message = message };
                return false;
            }
        }

        if (_systemMessages.Count == MaxSystemMessages)
        {
            _systemMessages.RemoveAt(MaxSystemMessages - 1);
        }

        _systemMessages.Insert(0, new Seen(message, print ?? Fingerprint(message)));
        (newSystemMessages ??= []).Add(message);
        return true;
    }

    /// <summary>Where a request left its conversation: its response goes on from there.</summary>
    /// <param name="Key">The chain key of the request's last message (other than system messages).</param>
    /// <param name="ConversationId">The server-side conversation of the request, if any.</param>
    internal readonly record struct Position(ulong Key, string? ConversationId);

    /// <summary>A system message already recorded, with the fingerprint of its content.</summary>
    private readonly record struct Seen(ChatMessage Message, ulong Print);

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

    // What makes messages equal: role, text (all of it, however it is split), tool call ids and names, tool result ids,
    // and images, files and links; reasoning and other content are not compared.
    private static ulong Fingerprint(ChatMessage message)
    {
        var hash = new Hash64();
        hash.Add(message.Role.Value);
        string? onlyText = null;
        var textParts = 0;
        var contents = message.Contents;
        for (var c = 0; c < contents.Count; c++)
        {
            if (contents[c] is TextContent text)
            {
                onlyText = text.Text;
                textParts++;
            }
        }

        // All of the text however it is split: the parts are only joined when there are several.
        hash.Add(textParts > 1 ? message.Text : onlyText ?? string.Empty);
        for (var c = 0; c < contents.Count; c++)
        {
            switch (contents[c])
            {
                case FunctionCallContent call:
                    hash.Add(1);
                    hash.Add(call.CallId);
                    hash.Add(call.Name);
                    break;
                case FunctionResultContent result:
                    hash.Add(2);
                    hash.Add(result.CallId);
                    break;
                case DataContent data:
                    // The bytes, not the instance: an image read back from storage is the same image. A large one is
                    // identified by its media type, its length and both of its ends.
                    var bytes = data.Data.Span;
                    hash.Add(3);
                    hash.Add(data.MediaType);
                    hash.Add((ulong)bytes.Length);
                    if (bytes.Length <= 2 * DataBytesHashed)
                    {
                        hash.AddBytes(bytes);
                    }
                    else
                    {
                        hash.AddBytes(bytes[..DataBytesHashed]);
                        hash.AddBytes(bytes[^DataBytesHashed..]);
                    }

                    break;
                case UriContent uri:
                    hash.Add(4);
                    hash.Add(uri.MediaType);
                    hash.Add(uri.Uri.OriginalString);
                    break;
                case HostedFileContent file:
                    hash.Add(5);
                    hash.Add(file.FileId);
                    break;
            }
        }

        return hash.Value;
    }

    /// <summary>A 64-bit hash, eight bytes at a time (the rounds and final mix of xxHash64).</summary>
    private struct Hash64()
    {
        private const ulong Prime1 = 0x9E3779B185EBCA87;
        private const ulong Prime2 = 0xC2B2AE3D27D4EB4F;
        private const ulong Prime3 = 0x165667B19E3779F9;

        private ulong _state = 0x27D4EB2F165667C5;

        public readonly ulong Value
        {
            get
            {
                var h = _state;
                h ^= h >> 33;
                h *= Prime2;
                h ^= h >> 29;
                h *= Prime3;
                return h ^ (h >> 32);
            }
        }

        public void Add(ulong value) => _state = (BitOperations.RotateLeft(_state ^ (value * Prime2), 31) * Prime1) + Prime3;

        // With its length, so that consecutive strings cannot run into each other.
        public void Add(string? value)
        {
            if (value is null)
            {
                Add(ulong.MaxValue);
                return;
            }

            AddChars(value);
            Add((ulong)value.Length);
        }

        public void AddChars(string value) => AddBytes(MemoryMarshal.AsBytes(value.AsSpan()));

        public void AddBytes(ReadOnlySpan<byte> bytes)
        {
            while (bytes.Length >= 8)
            {
                Add(BinaryPrimitives.ReadUInt64LittleEndian(bytes));
                bytes = bytes[8..];
            }

            if (bytes.Length > 0)
            {
                Span<byte> tail = stackalloc byte[8];
                tail.Clear();
                bytes.CopyTo(tail);
                Add(BinaryPrimitives.ReadUInt64LittleEndian(tail) ^ ((ulong)bytes.Length << 56));
            }
        }
    }
}
