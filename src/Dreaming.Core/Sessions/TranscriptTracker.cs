using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Remembers which messages of a session's conversations it has already recorded.</summary>
/// <remarks>
/// <para>Chat clients are sent the history on every call, and <c>UseFunctionInvocation()</c> sends it again on every
/// tool round. The rule, whichever order the middlewares are in and whether or not the host keeps the same message
/// instances (messages are equal when they are the same instance or have the same role, text, tool call ids and names,
/// tool result ids and images, files or links; other content, such as reasoning, is not compared):</para>
/// <list type="bullet">
/// <item>System messages are instructions, not history: one is recorded unless an equal one was recorded recently in
/// the session (the last <see cref="MaxSystemMessages"/> distinct ones are remembered), so a prompt that changes every
/// turn is recorded each time it changes and never makes the conversation look new.</item>
/// <item>The other messages are matched against the conversations of the session, each as its last request and
/// response left it. What follows the longest match is new. A match runs from the start of a conversation (the history
/// sent again), or is a part of it that runs to its end, found anywhere in the request (a sliding window that dropped
/// the oldest messages, a history longer than what is kept of it).</item>
/// <item>A request that matches only the start of a conversation (another conversation that begins with the same
/// messages, or a turn retried or edited) goes on as a new conversation made of that start and its own messages; the
/// conversation it matched is kept as it was, so that it can go on too. A response goes to the conversation its request
/// made, even if another call has gone on with it meanwhile.</item>
/// <item>The last <see cref="MaxConversations"/> conversations are remembered, so calls taking turns between
/// conversations record none again. A request that matches none starts a new conversation; one made of instructions
/// alone starts one when its response arrives (the tool rounds of an agent started by its instructions go on with
/// it).</item>
/// <item>With a server-side conversation (<see cref="ChatOptions.ConversationId"/>) the request carries only new
/// messages: every one is recorded, even one equal to a message sent before.</item>
/// </list>
/// <para>Memory is bounded: the messages of the last request and response of a few conversations (which the host
/// holds anyway), at most <see cref="MaxServerSideMessages"/> per conversation when the service holds the history, a
/// few system messages, and the names of the last <see cref="MaxToolCalls"/> tool calls.</para>
/// </remarks>
internal sealed class TranscriptTracker
{
    /// <summary>How many conversations of a session are remembered.</summary>
    internal const int MaxConversations = 8;

    /// <summary>How many distinct system messages of a session are remembered.</summary>
    internal const int MaxSystemMessages = 8;

    /// <summary>How many messages of a conversation whose history the service holds are remembered.</summary>
    internal const int MaxServerSideMessages = 256;

    /// <summary>How many tool calls of a session are remembered, to name the tool of their results.</summary>
    internal const int MaxToolCalls = 4096;

    // How many places of the request a window is tried at: bounds the cost of a request that repeats a message.
    private const int MaxWindowCandidates = 8;

    // How many bytes of each end of an image (or other data) its fingerprint hashes, along with its length.
    private const int DataBytesHashed = 16 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _toolNames = new(StringComparer.Ordinal);
    private readonly Queue<string> _toolCallIds = new();

    // Both most recently used first.
    private readonly List<Conversation> _conversations = [];
    private readonly List<Seen> _systemMessages = [];

    /// <summary>Returns the messages of <paramref name="messages"/> not yet recorded, in order, and remembers them all.</summary>
    /// <param name="messages">The messages of the request.</param>
    /// <param name="historyOnServer">Whether the service holds the history (<see cref="ChatOptions.ConversationId"/> is set), so every message is new.</param>
    /// <param name="position">Where the request left its conversation, for <see cref="ObserveResponse"/>.</param>
    public IReadOnlyList<ChatMessage> ObserveRequest(IReadOnlyList<ChatMessage> messages, bool historyOnServer, out Position position)
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
            var systemsBefore = int.MaxValue;
            var firstNew = historyOnServer ? AppendToLatest(request, out position) : Align(request, out position, out systemsBefore);
            List<ChatMessage>? newSystemMessages = null;
            var count = 0;
            for (int i = 0, systems = 0; i < request.Length; i++)
            {
                var message = request[i];
                if (IsSystem(message))
                {
                    systems++;
                    count += IsNewSystemMessage(message, ref newSystemMessages) ? 1 : 0;
                }
                else if (i >= firstNew)
                {
                    count++;
                }
                else if (systems == systemsBefore)
                {
                    // The rest of the history matched and holds no system message: on to the new messages.
                    i = firstNew - 1;
                }
            }

            if (count == 0)
            {
                return [];
            }

            var result = new ChatMessage[count];
            for (int i = 0, next = 0; i < request.Length; i++)
            {
                var message = request[i];
                if (IsSystem(message) ? newSystemMessages?.Remove(message) == true : i >= firstNew)
                {
                    result[next++] = message;
                }
            }

            return result;
        }
    }

    /// <summary>Remembers the response of a call in the conversation its request made.</summary>
    /// <param name="position">Where the request left its conversation.</param>
    /// <param name="messages">The messages of the response.</param>
    public void ObserveResponse(Position position, ChatMessage[] messages)
    {
        lock (_lock)
        {
            var conversation = position.Conversation;
            var end = position.End - conversation.Offset;
            if (!position.OnServer && end != conversation.Messages.Count)
            {
                // Another call went on with the conversation meanwhile: the response goes on from the request's messages.
                conversation = Branch(conversation, (int)Math.Max(end, 0));
            }
            else if (_conversations.Count == 0 || !ReferenceEquals(_conversations[0], conversation) && !_conversations.Contains(conversation))
            {
                // Instructions alone (or a conversation pushed out meanwhile): remembered from its response on.
                if (messages.Length == 0)
                {
                    return;
                }

                Insert(conversation);
            }

            for (var i = 0; i < messages.Length; i++)
            {
                conversation.Messages.Add(new Seen(messages[i]));
            }

            if (conversation.OnServer)
            {
                conversation.Trim();
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

    // The service holds the history: every message is new. They are still remembered, so that a later request that
    // sends the history itself (a host that ignores the conversation id UseFunctionInvocation() used) is matched.
    private int AppendToLatest(ReadOnlySpan<ChatMessage> messages, out Position position)
    {
        var conversation = _conversations.Count > 0 ? _conversations[0] : Insert(new Conversation());
        conversation.OnServer = true;
        foreach (var message in messages)
        {
            if (!IsSystem(message))
            {
                conversation.Messages.Add(new Seen(message));
            }
        }

        conversation.Trim();
        position = new Position(conversation, End: -1);
        return 0;
    }

    // Finds the conversation the request goes on with and returns the index of its first new message; the conversation
    // then remembers the request's messages (system messages aside).
    private int Align(ReadOnlySpan<ChatMessage> messages, out Position position, out int systemsBefore)
    {
        // The common case: the latest conversation, sent again with new messages after it (or none).
        var prints = new RequestPrints(messages);
        if (_conversations.Count > 0)
        {
            var latest = _conversations[0];
            var (matched, firstNew, systems) = MatchFromStart(latest, ref prints);
            if (matched > 0 && matched == latest.Messages.Count)
            {
                systemsBefore = systems;
                position = GoOn(latest, messages, drop: 0, firstNew);
                return firstNew;
            }
        }

        // Otherwise the conversation with the longest match: from its start, or a part of it that runs to its end.
        systemsBefore = int.MaxValue;
        var nonSystem = NonSystemIndexes(messages);
        if (nonSystem.Length == 0)
        {
            // Instructions alone continue no conversation, and start one only once their response arrives (an agent
            // started by its instructions, whose tool rounds go on with that response), so that a call with no response
            // pushes no real conversation out.
            position = new Position(new Conversation(), End: 0);
            return messages.Length;
        }

        var best = -1;
        (int Drop, int Matched, int FirstNew, bool Branches) bestMatch = default;
        for (var c = 0; c < _conversations.Count; c++)
        {
            var candidate = _conversations[c];
            var (matched, firstNew, _) = MatchFromStart(candidate, ref prints);
            (int Drop, int Matched, int FirstNew, bool Branches) match = (0, matched, firstNew, matched < candidate.Messages.Count);
            var (length, windowFirstNew) = MatchWindow(candidate, nonSystem, messages.Length, ref prints, longerThan: matched);
            if (length > 0)
            {
                match = (candidate.Messages.Count - length, length, windowFirstNew, false);
            }

            if (match.Matched > bestMatch.Matched)
            {
                best = c;
                bestMatch = match;
            }
        }

        if (best < 0)
        {
            position = GoOn(Insert(new Conversation()), messages, drop: 0, firstNew: 0);
            return 0;
        }

        var conversation = _conversations[best];
        if (bestMatch.Branches)
        {
            // Only the start matched (another conversation that begins the same, or a turn retried or edited): the
            // conversation is kept as it is, for when it goes on, and the request goes on from a copy of that start.
            conversation = Branch(conversation, bestMatch.Matched);
        }
        else if (best > 0)
        {
            _conversations.RemoveAt(best);
            _conversations.Insert(0, conversation);
        }

        position = GoOn(conversation, messages, bestMatch.Drop, bestMatch.FirstNew);
        return bestMatch.FirstNew;
    }

    // Remembers a conversation as the latest, pushing the oldest out if there are too many.
    private Conversation Insert(Conversation conversation)
    {
        if (_conversations.Count == MaxConversations)
        {
            _conversations.RemoveAt(MaxConversations - 1);
        }

        _conversations.Insert(0, conversation);
        return conversation;
    }

    // A new latest conversation made of the first messages of another.
    private Conversation Branch(Conversation conversation, int length)
    {
        var branch = new Conversation();
        branch.Messages.AddRange(CollectionsMarshal.AsSpan(conversation.Messages)[..length]);
        return Insert(branch);
    }

    // How many of the request's messages (system messages aside) match the conversation from its start, the index of
    // the first that does not, and how many system messages come before it.
    private static (int Matched, int FirstNew, int Systems) MatchFromStart(Conversation conversation, ref RequestPrints prints)
    {
        var seen = conversation.Messages;
        var matched = 0;
        var systems = 0;
        var i = 0;
        for (; i < prints.Messages.Length; i++)
        {
            if (IsSystem(prints.Messages[i]))
            {
                systems++;
                continue;
            }

            if (matched == seen.Count || !(ReferenceEquals(seen[matched].Message, prints.Messages[i]) || Matches(seen, matched, i, ref prints)))
            {
                break;
            }

            matched++;
        }

        return (matched, i, systems);
    }

    // The longest part of the conversation that runs to its end and is found anywhere in the request (system messages
    // aside), if longer than longerThan: its length and the index of the request's first message after it. The places
    // tried are those of the conversation's last message, from the request's end, at most MaxWindowCandidates of them.
    // The shortest part found after other messages of a request that counts as a window of the conversation.
    private const int MinInnerWindow = 2;

    private static (int Length, int FirstNew) MatchWindow(Conversation conversation, int[] nonSystem, int messageCount, ref RequestPrints prints, int longerThan)
    {
        var seen = conversation.Messages;
        var last = seen.Count - 1;
        if (last < 0)
        {
            return default;
        }

        // Role and text length first: most messages differ in them, and the request's are not all fingerprinted.
        var lastMessage = seen[last].Message;
        var lastRole = lastMessage.Role.Value;
        var lastLength = TextLength(lastMessage);
        var best = longerThan;
        var bestEnd = -1;
        for (int end = nonSystem.Length - 1, tried = 0; end >= best && tried < MaxWindowCandidates; end--)
        {
            var message = prints.Messages[nonSystem[end]];
            if (!ReferenceEquals(message, lastMessage)
                && (!string.Equals(message.Role.Value, lastRole, StringComparison.Ordinal) || TextLength(message) != lastLength || !Matches(seen, last, nonSystem[end], ref prints)))
            {
                continue;
            }

            tried++;
            var length = 1;
            while (length <= end && length <= last && Matches(seen, last - length, nonSystem[end - length], ref prints))
            {
                length++;
            }

            // With messages before it in the request, one equal message is too weak a sign: it may be a coincidence
            // ("OK", a canned greeting) in another conversation, whose earlier messages would then go unrecorded.
            if (length < MinInnerWindow && end + 1 > length)
            {
                continue;
            }

            if (length > best)
            {
                best = length;
                bestEnd = end;
                if (length == seen.Count)
                {
                    break;
                }
            }
        }

        return bestEnd < 0 ? default : (best, bestEnd + 1 < nonSystem.Length ? nonSystem[bestEnd + 1] : messageCount);
    }

    // The length of ChatMessage.Text, without joining the text of several parts.
    private static int TextLength(ChatMessage message)
    {
        var length = 0;
        foreach (var content in message.Contents)
        {
            length += content is TextContent text ? text.Text.Length : 0;
        }

        return length;
    }

    private static int[] NonSystemIndexes(ReadOnlySpan<ChatMessage> messages)
    {
        var count = 0;
        foreach (var message in messages)
        {
            count += IsSystem(message) ? 0 : 1;
        }

        var indexes = new int[count];
        for (int i = 0, next = 0; i < messages.Length; i++)
        {
            if (!IsSystem(messages[i]))
            {
                indexes[next++] = i;
            }
        }

        return indexes;
    }

    // The conversation goes on with the request: its first drop messages are dropped (those before the part the
    // request matched), then the request's new messages (system messages aside) are added.
    private static Position GoOn(Conversation conversation, ReadOnlySpan<ChatMessage> messages, int drop, int firstNew)
    {
        conversation.OnServer = false;
        conversation.DropFirst(drop);
        for (var i = firstNew; i < messages.Length; i++)
        {
            if (!IsSystem(messages[i]))
            {
                conversation.Messages.Add(new Seen(messages[i]));
            }
        }

        return new Position(conversation, conversation.End);
    }

    // A system message is new unless one of the last ones recorded is the same instance or has the same content.
    private bool IsNewSystemMessage(ChatMessage message, ref List<ChatMessage>? newSystemMessages)
    {
        int? print = null;
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

    // The same instance is the common case (UseFunctionInvocation() and most hosts re-send their history), so content
    // is only fingerprinted when a host sends a different instance: one that rebuilt its history, say.
    private static bool Matches(List<Seen> seen, int index, int requestIndex, ref RequestPrints prints)
    {
        var known = seen[index];
        if (ReferenceEquals(prints.Messages[requestIndex], known.Message))
        {
            return true;
        }

        var print = known.Print ?? Fingerprint(known.Message);
        if (prints.Of(requestIndex) != print)
        {
            if (known.Print is null)
            {
                seen[index] = known with { Print = print };
            }

            return false;
        }

        // The request's instance from now on, so the next call matches it by reference.
        seen[index] = new Seen(prints.Messages[requestIndex], print);
        return true;
    }

    /// <summary>The messages of a request, with the fingerprints of their content once needed.</summary>
    private ref struct RequestPrints(ReadOnlySpan<ChatMessage> messages)
    {
        private int?[]? _prints;

        public readonly ReadOnlySpan<ChatMessage> Messages { get; } = messages;

        public int Of(int index)
        {
            _prints ??= new int?[Messages.Length];
            return _prints[index] ??= Fingerprint(Messages[index]);
        }
    }

    /// <summary>Where a request left its conversation: its response goes on from there.</summary>
    /// <param name="Conversation">The conversation.</param>
    /// <param name="End">The position after the request's messages, counted from the conversation's start (see
    /// <see cref="Conversation.Offset"/>); negative when the service holds the history, so the response is added after
    /// whatever came meanwhile.</param>
    internal readonly record struct Position(Conversation Conversation, long End)
    {
        public bool OnServer => End < 0;
    }

    /// <summary>One conversation of the session: the messages of its last request and response, system messages aside.</summary>
    internal sealed class Conversation
    {
        public List<Seen> Messages { get; } = [];

        /// <summary>How many messages were dropped from its start, so that a <see cref="Position"/> stays valid.</summary>
        public long Offset { get; private set; }

        /// <summary>The position after its last message.</summary>
        public long End => Offset + Messages.Count;

        /// <summary>Whether the service holds the history, so the messages accumulate and are trimmed.</summary>
        public bool OnServer { get; set; }

        public void DropFirst(int count)
        {
            if (count > 0)
            {
                Messages.RemoveRange(0, count);
                Offset += count;
            }
        }

        public void Trim() => DropFirst(Messages.Count - MaxServerSideMessages);
    }

    /// <summary>A message already recorded, with the fingerprint of its content once one was needed.</summary>
    internal readonly record struct Seen(ChatMessage Message, int? Print = null);

    // What makes messages equal: role, text (all of it, however it is split), tool call ids and names, tool result ids,
    // and images, files and links; reasoning and other content are not compared.
    private static int Fingerprint(ChatMessage message)
    {
        var hash = new HashCode();
        hash.Add(message.Role.Value, StringComparer.Ordinal);
        hash.Add(message.Text, StringComparer.Ordinal);
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case FunctionCallContent call:
                    hash.Add(1);
                    hash.Add(call.CallId, StringComparer.Ordinal);
                    hash.Add(call.Name, StringComparer.Ordinal);
                    break;
                case FunctionResultContent result:
                    hash.Add(2);
                    hash.Add(result.CallId, StringComparer.Ordinal);
                    break;
                case DataContent data:
                    // The bytes, not the instance: an image read back from storage is the same image. A large one is
                    // identified by its length and both of its ends.
                    var bytes = data.Data.Span;
                    hash.Add(3);
                    hash.Add(bytes.Length);
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
                    hash.Add(uri.Uri.OriginalString, StringComparer.Ordinal);
                    break;
                case HostedFileContent file:
                    hash.Add(5);
                    hash.Add(file.FileId, StringComparer.Ordinal);
                    break;
            }
        }

        return hash.ToHashCode();
    }
}
