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
/// <item>The other messages are matched against the conversation they continue: the last request of that conversation
/// and its response. What follows the longest match is new. The request matches from the start of the conversation
/// (a history sent again, or cut short to retry or edit) or from a later message, as long as the match runs to the end
/// of what was recorded (a sliding window that dropped its oldest messages).</item>
/// <item>The last <see cref="MaxConversations"/> conversations are remembered, so calls taking turns between two
/// conversations record neither again. A request that matches none starts a new conversation.</item>
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
    /// <param name="conversation">The conversation the request belongs to, for <see cref="ObserveResponse"/>.</param>
    public IReadOnlyList<ChatMessage> ObserveRequest(IReadOnlyList<ChatMessage> messages, bool historyOnServer, out Conversation conversation)
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
            var firstNew = historyOnServer ? AppendToLatest(request, out conversation) : Align(request, out conversation, out systemsBefore);
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

    /// <summary>Remembers the response of a call in the conversation its request belonged to.</summary>
    public void ObserveResponse(Conversation conversation, ChatMessage[] messages)
    {
        lock (_lock)
        {
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
    private int AppendToLatest(ReadOnlySpan<ChatMessage> messages, out Conversation conversation)
    {
        conversation = _conversations.Count > 0 ? _conversations[0] : StartConversation();
        conversation.OnServer = true;
        foreach (var message in messages)
        {
            if (!IsSystem(message))
            {
                conversation.Messages.Add(new Seen(message));
            }
        }

        conversation.Trim();
        return 0;
    }

    // Finds the conversation the request continues and returns the index of its first new message; the conversation
    // then remembers the request's messages (system messages aside).
    private int Align(ReadOnlySpan<ChatMessage> messages, out Conversation conversation, out int systemsBefore)
    {
        // The common case: the latest conversation, sent again with new messages after it (or none).
        var prints = new RequestPrints(messages);
        if (_conversations.Count > 0)
        {
            var latest = _conversations[0];
            var (matched, firstNew, systems) = MatchFromStart(latest, ref prints);
            if (matched > 0 && (matched == latest.Messages.Count || firstNew == messages.Length))
            {
                systemsBefore = systems;
                conversation = latest;
                Remember(latest, messages, start: 0, matched, firstNew);
                return firstNew;
            }
        }

        // Otherwise the conversation with the longest match, from its start or as a window running to its end.
        systemsBefore = int.MaxValue;
        var nonSystem = NonSystemIndexes(messages);
        if (nonSystem.Length == 0)
        {
            // Instructions alone continue no conversation, and start none that could push a real one out.
            conversation = new Conversation();
            return messages.Length;
        }

        var best = -1;
        (int Start, int Matched, int FirstNew) bestMatch = default;
        for (var c = 0; c < _conversations.Count; c++)
        {
            var candidate = _conversations[c];
            var (matched, firstNew, _) = MatchFromStart(candidate, ref prints);
            (int Start, int Matched, int FirstNew) match = (0, matched, firstNew);
            var windowStart = MatchWindow(candidate, nonSystem, ref prints, longerThan: matched);
            if (windowStart > 0)
            {
                var length = candidate.Messages.Count - windowStart;
                match = (windowStart, length, length < nonSystem.Length ? nonSystem[length] : messages.Length);
            }

            if (match.Matched > 0 && match.Matched > bestMatch.Matched)
            {
                best = c;
                bestMatch = match;
            }
        }

        if (best < 0)
        {
            conversation = StartConversation();
            Remember(conversation, messages, start: 0, matched: 0, firstNew: 0);
            return 0;
        }

        conversation = _conversations[best];
        _conversations.RemoveAt(best);
        _conversations.Insert(0, conversation);
        Remember(conversation, messages, bestMatch.Start, bestMatch.Matched, bestMatch.FirstNew);
        return bestMatch.FirstNew;
    }

    private Conversation StartConversation()
    {
        if (_conversations.Count == MaxConversations)
        {
            _conversations.RemoveAt(MaxConversations - 1);
        }

        var conversation = new Conversation();
        _conversations.Insert(0, conversation);
        return conversation;
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

    // The start of the longest window of the conversation, from a later message to its end, that the request's
    // messages (system messages aside) begin with; 0 if there is none longer than longerThan.
    private static int MatchWindow(Conversation conversation, int[] nonSystem, ref RequestPrints prints, int longerThan)
    {
        var seen = conversation.Messages;
        for (var start = Math.Max(1, seen.Count - nonSystem.Length); seen.Count - start > longerThan; start++)
        {
            var length = seen.Count - start;
            var k = 0;
            while (k < length && Matches(seen, start + k, nonSystem[k], ref prints))
            {
                k++;
            }

            if (k == length)
            {
                return start;
            }
        }

        return 0;
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

    // The conversation becomes the request's messages (system messages aside): the matched ones, from start, then the
    // new ones.
    private static void Remember(Conversation conversation, ReadOnlySpan<ChatMessage> messages, int start, int matched, int firstNew)
    {
        var seen = conversation.Messages;
        conversation.OnServer = false;
        if (start > 0)
        {
            seen.RemoveRange(0, start);
        }

        seen.RemoveRange(matched, seen.Count - matched);
        for (var i = firstNew; i < messages.Length; i++)
        {
            if (!IsSystem(messages[i]))
            {
                seen.Add(new Seen(messages[i]));
            }
        }
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

    /// <summary>One conversation of the session: the messages of its last request and response, system messages aside.</summary>
    internal sealed class Conversation
    {
        public List<Seen> Messages { get; } = [];

        /// <summary>Whether the service holds the history, so the messages accumulate and are trimmed.</summary>
        public bool OnServer { get; set; }

        public void Trim()
        {
            if (Messages.Count > MaxServerSideMessages)
            {
                Messages.RemoveRange(0, Messages.Count - MaxServerSideMessages);
            }
        }
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
