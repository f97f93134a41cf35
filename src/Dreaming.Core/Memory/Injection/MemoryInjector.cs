using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Gives a session the active memory of its agent, its team (its scope) and the global scope: looks them up,
/// renders them, puts them after the host's leading system (or <c>developer</c>) messages, before its first other message
/// (in a server-side conversation, only where its history does not hold them yet, else after its instructions), and
/// records what was given and what the model cited.</summary>
/// <remarks>Called once per session (the result is kept on the session), so an approval or a dream reaches every session
/// that starts after it without any cache to go stale. A lookup that fails is not retried: that session runs without that
/// scope's memory.</remarks>
internal sealed partial class MemoryInjector
{
    private static readonly ChatRole s_developer = new("developer");

    private readonly IMemoryStore _memory;
    private readonly ILogger _logger;
    private readonly int _tokenBudget;

    public MemoryInjector(IMemoryStore memory, IOptions<DreamingOptions> options, ILogger<MemoryInjector>? logger = null)
    {
        _memory = memory;
        _tokenBudget = options.Value.MemoryTokenBudget;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Returns the memory to give the session, or <see langword="null"/> when there is none: the active insights
    /// of its agent's scope, of its team's (when the session has a <see cref="SessionRecord.Scope"/>) and of the global
    /// scope, ranked together under the one budget. Never throws for a store problem: a scope whose lookup fails is left
    /// out (the others are given) and the log says why. Only the cancellation of <paramref name="cancellationToken"/>
    /// itself is thrown; a store's own cancellation (an HTTP client's timeout) is a store problem.</summary>
    /// <param name="session">The session to give the memory to.</param>
    /// <param name="toolNames">The tools of the call, which rank the insights about them higher.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The memory, or <see langword="null"/>.</returns>
    public async Task<InjectedMemory?> GetAsync(IAgentSession session, IEnumerable<string> toolNames, CancellationToken cancellationToken)
    {
        // The scopes are looked up together; each on its own, so one that fails does not take the others with it.
        var team = (session as AgentSession)?.Scope is { } scopeId && !string.IsNullOrWhiteSpace(scopeId) ? MemoryScope.Team(scopeId) : null;
        var agentLookup = LookupAsync(MemoryScope.Agent(session.AgentId), cancellationToken);
        var teamLookup = team is null ? Task.FromResult<MemoryVersion?>(null) : LookupAsync(team, cancellationToken);
        var globalLookup = LookupAsync(MemoryScope.Global, cancellationToken);
        await Task.WhenAll(agentLookup, teamLookup, globalLookup).ConfigureAwait(false);
        if (agentLookup.Result is null && teamLookup.Result is null && globalLookup.Result is null)
        {
            return null;
        }

        var versions = new List<(MemoryVersion Version, MemoryScope? EventScope)>(3);
        if (agentLookup.Result is { } agent)
        {
            versions.Add((agent, null));
        }

        if (teamLookup.Result is { } teamVersion)
        {
            versions.Add((teamVersion, team));
        }

        if (globalLookup.Result is { } global)
        {
            versions.Add((global, MemoryScope.Global));
        }

        return InsightRanker.Render(versions, session.Task, toolNames, _tokenBudget);
    }

    private async Task<MemoryVersion?> LookupAsync(MemoryScope scope, CancellationToken cancellationToken)
    {
        try
        {
            return await _memory.GetActiveVersionAsync(scope, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogLookupFailed(_logger, scope.Key, ex);
            return null;
        }
    }

    // The memory is a system message after the host's leading system messages (first when there are none); it is
    // recorded once, as an InsightsInjectedEvent, not as a message of the conversation. With a server-side conversation
    // (ChatOptions.ConversationId) the service keeps every message it is sent: the memory is not sent again into a
    // conversation whose history already holds it (NoteResponse), and into any other it goes as ChatOptions.Instructions
    // (after the host's), which the service does not keep (the Responses API's instructions). The call's token stops the
    // call's wait for the lookup, never the lookup itself, which the session's later calls share.
    public ValueTask<(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)> WithMemoryAsync(IAgentSession session, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        // Once the session's lookup has found no memory there is nothing to inject: answered without an async method.
        return HasNothingToInject(session) || session is not AgentSession known
            ? new((messages, options))
            : new(InjectAsync(known, messages, options, cancellationToken));
    }

    /// <summary>Tells whether the session's memory lookup has completed and found nothing, so a call goes out as it is.</summary>
    public static bool HasNothingToInject(IAgentSession session) =>
        session is not AgentSession known || known.Memory is { IsCompletedSuccessfully: true, Result: null };

    private async Task<(IReadOnlyList<ChatMessage>, ChatOptions?)> InjectAsync(AgentSession known, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        // Not the call's token: the lookup is kept for the whole session, and a cancelled one would fail every later call.
        var lookup = known.Memory ?? known.MemoryOnce(() => GetAsync(known, options?.Tools?.Select(t => t.Name).ToArray() ?? [], CancellationToken.None), out _);
        var memory = await lookup.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (memory is null)
        {
            return (messages, options);
        }

        // Recorded by the first call that sends it, not by the one that started the lookup: that call may have stopped
        // waiting (its token was cancelled) and sent nothing.
        if (known.ClaimMemoryRecord())
        {
            try
            {
                // One event per version given (the agent's alone, for a session given only its agent's memory, as always),
                // so a dream credits each scope's insights from its own events.
                foreach (var given in memory.Given)
                {
                    await known.RecordAsync(given, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is SessionStateException or ObjectDisposedException)
            {
                LogRecordFailed(_logger, known.Id, ex);
            }
        }

        // Given also when the conversation's history holds it (this session's earlier call, or an earlier session's, put
        // it there): the model reads it there.
        var conversationId = options?.ConversationId;
        return conversationId is null ? (WithMemoryMessage(messages, memory.Text), options)
            : Holds(conversationId, memory.Text) ? (messages, options)
            : (messages, WithMemoryInstructions(options!, memory.Text));
    }

    // After the host's instructions, which stay the prefix every request shares; the host's options are not changed.
    private static ChatOptions WithMemoryInstructions(ChatOptions options, string text)
    {
        var sent = options.Clone();
        sent.Instructions = string.IsNullOrEmpty(options.Instructions) ? text : options.Instructions + "\n\n" + text;
        return sent;
    }

    // After the host's leading system messages, not before them: providers cache a prompt by its exact prefix, and the
    // host's static system prompt stays a prefix every request shares only while nothing that varies comes before it.
    // One scan of the leading system messages and the one array the call sends; no other allocation.
    private static ChatMessage[] WithMemoryMessage(IReadOnlyList<ChatMessage> messages, string text)
    {
        var at = 0;
        while (at < messages.Count && IsInstructions(messages[at].Role))
        {
            at++;
        }

        var sent = new ChatMessage[messages.Count + 1];
        for (var i = 0; i < at; i++)
        {
            sent[i] = messages[i];
        }

        sent[at] = new ChatMessage(ChatRole.System, text);
        for (var i = at; i < messages.Count; i++)
        {
            sent[i + 1] = messages[i];
        }

        return sent;
    }

    // OpenAI's "developer" role (Microsoft.Extensions.AI.OpenAI sends it as such) is the system prompt of its reasoning
    // models. ChatRole compares its value ignoring case.
    private static bool IsInstructions(ChatRole role) => role == ChatRole.System || role == s_developer;

    // Only ids the session was given count: a model that invents an id has not cited anything.
    public async Task RecordCitationsAsync(IAgentSession session, IReadOnlyList<ChatMessage> responseMessages)
    {
        if (session is not AgentSession { Memory: { IsCompletedSuccessfully: true } lookup } known || lookup.Result is not { } memory)
        {
            return;
        }

        // In the order the answer cites them (InsightsCitedEvent.InsightIds), not the order they were given in.
        var cited = new List<string>();
        List<(int At, string Id)>? found = null;
        foreach (var message in responseMessages)
        {
            var text = message.Text;
            foreach (var id in memory.InsightIds)
            {
                if (!cited.Contains(id) && FirstCitation(text, id) is var at and >= 0)
                {
                    (found ??= []).Add((at, id));
                }
            }

            if (found is { Count: > 0 })
            {
                found.Sort(static (a, b) => a.At.CompareTo(b.At));
                foreach (var (_, id) in found)
                {
                    cited.Add(id);
                }

                found.Clear();
            }
        }

        if (cited.Count > 0)
        {
            try
            {
                await known.RecordAsync(new InsightsCitedEvent { InsightIds = cited }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SessionStateException ex)
            {
                LogRecordFailed(_logger, known.Id, ex);
            }
        }
    }

    // An id counts only where it stands whole: "[refund-10]" cites refund-10, not refund-1, and "xrefund-2" cites nothing.
    // Returns where it first does, or -1.
    internal static int FirstCitation(string text, string id)
    {
        for (var at = text.IndexOf(id, StringComparison.Ordinal); at >= 0; at = text.IndexOf(id, at + 1, StringComparison.Ordinal))
        {
            var end = at + id.Length;
            if ((at == 0 || !IsIdCharacter(text[at - 1])) && (end == text.Length || !IsIdCharacter(text[end])))
            {
                return at;
            }
        }

        return -1;
    }

    private static bool IsIdCharacter(char c) => char.IsLetterOrDigit(c) || c is '-' or '_';

    [LoggerMessage(EventId = 46, Level = LogLevel.Warning, Message = "The memory given to session {SessionId}, or cited by it, could not be recorded.")]
    private static partial void LogRecordFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "The active memory of {Scope} could not be read; the session runs without it.")]
    private static partial void LogLookupFailed(ILogger logger, string scope, Exception exception);
}
