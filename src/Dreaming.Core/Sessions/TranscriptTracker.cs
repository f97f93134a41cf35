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
/// turn is recorded each time it changes and never makes the conversation look new; the one forgotten is the one unused
/// longest, so a prompt sent on every call is recorded once however many others come and go beside it. <see cref="ChatOptions.Instructions"/>
/// (how Agent Framework's <c>ChatClientAgent</c> gives its instructions) are such a system message, before the
/// request's messages.</item>
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
/// messages, and the names and places of the last <see cref="MaxToolCalls"/> tool calls. Every call id and conversation id
/// is held capped (<see cref="RecordedIdentifiers"/>), so a provider that answers with megabyte ids, and calls it never
/// answers, makes it hold no more than a few hundred bytes for each.</para>
/// </remarks>
internal sealed partial class TranscriptTracker
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
    public IReadOnlyList<ChatMessage> ObserveRequest(IReadOnlyList<ChatMessage> messages, string? conversationId, out Position position) =>
        ObserveRequest(messages, conversationId, instructions: null, out position);

    /// <summary>Returns the messages of <paramref name="messages"/> not yet recorded, in order, after the system message
    /// of <paramref name="instructions"/> when they are new, and remembers them all.</summary>
    /// <param name="messages">The messages of the request.</param>
    /// <param name="conversationId">The server-side conversation (<see cref="ChatOptions.ConversationId"/>), if the service holds the history, so every message is new.</param>
    /// <param name="instructions">The request's <see cref="ChatOptions.Instructions"/>, if any: a system message sent before <paramref name="messages"/>.</param>
    /// <param name="position">Where the request left its conversation, for <see cref="ObserveResponse"/>.</param>
    public IReadOnlyList<ChatMessage> ObserveRequest(IReadOnlyList<ChatMessage> messages, string? conversationId, string? instructions, out Position position)
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
            var newInstructions = string.IsNullOrEmpty(instructions) ? null : NewInstructions(instructions);
            var count = newInstructions is null ? 0 : 1;
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
            var next = 0;
            if (newInstructions is not null)
            {
                result[next++] = newInstructions;
            }

            for (var i = 0; i < request.Length; i++)
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

                key = Record(key, message, MessageFingerprint.Of(message));
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
        // Kept as recorded (RecordedIdentifiers): a provider's megabyte id or name is not held for the session's life.
        callId = RecordedIdentifiers.CallId(callId);
        name = RecordedIdentifiers.ToolName(name)!;
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
        callId = RecordedIdentifiers.CallId(callId);
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

    // A system message is new unless one of the last ones recorded is the same instance or has the same content.
    private bool IsNewSystemMessage(ChatMessage message, ref List<ChatMessage>? newSystemMessages)
    {
        // Every instance first, so an instance sent again is not hashed because another prompt was used after it.
        for (var i = 0; i < _systemMessages.Count; i++)
        {
            if (ReferenceEquals(_systemMessages[i].Message, message))
            {
                UsedSystemMessage(i);
                return false;
            }
        }

        var print = MessageFingerprint.Of(message);
        if (IndexOfPrint(print) is var index and >= 0)
        {
            // The same prompt built anew: remember this instance, so the next call matches it by reference.
            _systemMessages[index] = _systemMessages[index] with { Message = message };
            UsedSystemMessage(index);
            return false;
        }

        Remember(new Seen(message, print));
        (newSystemMessages ??= []).Add(message);
        return true;
    }

    // Instructions are new unless one of the last system messages recorded has the same content; the same string sent
    // again (an agent's instructions, on every call) is matched by reference, without hashing or a message made.
    private ChatMessage? NewInstructions(string instructions)
    {
        // Every string first, so an agent's instructions are not hashed because another agent of the session (or a
        // system message) was used after them.
        for (var i = 0; i < _systemMessages.Count; i++)
        {
            if (ReferenceEquals(_systemMessages[i].Instructions, instructions))
            {
                UsedSystemMessage(i);
                return null;
            }
        }

        var print = MessageFingerprint.OfSystemText(instructions);
        if (IndexOfPrint(print) is var index and >= 0)
        {
            _systemMessages[index] = _systemMessages[index] with { Instructions = instructions };
            UsedSystemMessage(index);
            return null;
        }

        var message = new ChatMessage(ChatRole.System, instructions);
        Remember(new Seen(message, print, instructions));
        return message;
    }

    // The index of the remembered system message with this content, or -1.
    private int IndexOfPrint(ulong print)
    {
        for (var i = 0; i < _systemMessages.Count; i++)
        {
            if (_systemMessages[i].Print == print)
            {
                return i;
            }
        }

        return -1;
    }

    // Remembers a new system message as the last used, forgetting the one used longest ago when the list is full.
    private void Remember(Seen seen)
    {
        if (_systemMessages.Count == MaxSystemMessages)
        {
            _systemMessages.RemoveAt(MaxSystemMessages - 1);
        }

        _systemMessages.Insert(0, seen);
    }

    // A system message (or instructions) found again moves to the front, so the one forgotten when a new one comes is the
    // one unused longest: a prompt sent on every call stays remembered beside another that changes every turn.
    private void UsedSystemMessage(int index)
    {
        if (index > 0)
        {
            var seen = _systemMessages[index];
            _systemMessages.RemoveAt(index);
            _systemMessages.Insert(0, seen);
        }
    }
}
