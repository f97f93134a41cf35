using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dreaming;

/// <summary>A delegating chat client that records every call into the ambient <see cref="IAgentSession"/>.</summary>
/// <remarks>
/// <para>For each call it records the messages not yet recorded in the session (<see cref="ChatOptions.Instructions"/>
/// among them, as the system message before the others), the response messages (a refusal, an
/// <see cref="ErrorContent"/> with <see cref="ErrorContent.ErrorCode"/> <c>Refusal</c>, as its message's text; an image, file
/// or link, <see cref="DataContent"/>, <see cref="UriContent"/> or <see cref="HostedFileContent"/>, as a line noting it after
/// the text, never its bytes; reasoning not at all), tool calls and
/// tool results (errors included), and a <see cref="ModelResponseEvent"/> with the model id, usage (its cost from
/// <see cref="DreamingOptions.CostOf"/>, when set), latency and finish reason. A failing call is recorded as an
/// <see cref="ErrorEvent"/> and the exception rethrown; an error the service reports in its response instead of throwing
/// (an <see cref="ErrorContent"/> other than a refusal: the OpenAI Responses API's <c>error</c> event in a stream) is
/// recorded as one too, after the text that came before it, with <see cref="ErrorEvent.ErrorType"/>
/// <c>Microsoft.Extensions.AI.ErrorContent</c>; a cancelled call is recorded as a cancellation, not a failure.
/// A stream that fails or is cancelled midway first records what it had delivered, with a <see cref="ModelResponseEvent"/>
/// of the usage it had reported, when it had (a finished tool round's, outside <c>UseFunctionInvocation()</c>); so does a
/// stream that ends without a finish reason (after its last tool results, under <c>UseFunctionInvocation()</c>) once its
/// token is cancelled, though nothing threw (OllamaSharp's).</para>
/// <para>Recording never fails the call: tracing problems are logged. The client is thread-safe; concurrent calls in
/// different sessions are recorded to their own sessions.</para>
/// <para>The library's own model calls — the grader's (<see cref="ModelGrader"/>) and the reflector's
/// (<see cref="ModelReflector"/>) — pass through untouched when their client has this middleware: they are not recorded,
/// are given no memory and start no one-call session.</para>
/// <para>A tool call a person refused to approve (Microsoft.Extensions.AI's <see cref="ApprovalRequiredAIFunction"/>) is
/// recorded as a <see cref="ToolResultEvent"/> with <see cref="ToolResultEvent.IsError"/> and
/// <see cref="ToolResultEvent.RejectedErrorType"/>, the reason given as its message; the approval requests and answers are
/// not recorded as messages.</para>
/// <para>Placed outside <c>UseFunctionInvocation()</c> it sees one call per user turn with every tool round in the
/// response; placed inside it sees each model round trip. Both record each tool call and result once.</para>
/// </remarks>
public sealed partial class DreamingChatClient : DelegatingChatClient
{
    private static readonly ConditionalWeakTable<IAgentSession, TranscriptTracker> s_foreignTranscripts = new();
    private readonly IAgentSessionAccessor _accessor;
    private readonly IAgentSessionFactory _factory;
    private readonly DreamingOptions _options;
    private readonly MemoryInjector? _memory;
    private readonly ILogger _logger;
    private readonly ChatClientTelemetry _telemetry;
    private readonly Func<ModelCallUsage, long>? _costOf;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="innerClient">The client to delegate to.</param>
    /// <param name="accessor">Gives the ambient session.</param>
    /// <param name="factory">Starts one-call sessions for calls made outside any session.</param>
    /// <param name="options">The tracing options.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    public DreamingChatClient(IChatClient innerClient, IAgentSessionAccessor accessor, IAgentSessionFactory factory, DreamingOptions options, ILogger<DreamingChatClient>? logger = null)
        : this(innerClient, accessor, factory, options, memory: null, logger)
    {
    }

    internal DreamingChatClient(IChatClient innerClient, IAgentSessionAccessor accessor, IAgentSessionFactory factory, DreamingOptions options, MemoryInjector? memory, ILogger<DreamingChatClient>? logger)
        : base(innerClient)
    {
        _memory = options?.InjectMemory == true ? memory : null;
        _accessor = accessor ?? throw new ArgumentNullException(nameof(accessor));
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _costOf = _options.CostOf;

        // Read once: every session span this client's calls reach is told the provider, model and endpoint from it.
        _telemetry = ChatClientTelemetry.Of(innerClient);
    }

    /// <summary>Gets or sets the agent id of the one-call sessions this client starts for calls made outside any session,
    /// so that each agent of a host with several (keyed clients, say) gets its own: <c>UseDreaming(c =&gt; c.AgentId = "billing")</c>.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="DreamingOptions.AgentId"/>. Calls inside a session are recorded
    /// under that session's agent whatever this is.</value>
    /// <exception cref="ArgumentException">The value is empty or white space, or has an unpaired surrogate (half a
    /// character), which a store keeping UTF-8 would turn into U+FFFD, merging the agent with another.</exception>
    public string? AgentId
    {
        get;
        set
        {
            if (value is not null && string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"DreamingChatClient.AgentId '{value}' is blank; give an agent id, or null for DreamingOptions.AgentId.", nameof(value));
            }

            // Checked when the pipeline is built, so a bad id fails the host at start, not its first call outside a session
            // (StartSession checks each session's id too: one vectorized search, no allocation).
            AgentIds.ThrowIfInvalid(value, "DreamingChatClient.AgentId", nameof(value));

            field = value;
        }
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        // The library's own calls (grader, reflector) pass through untouched; one volatile read while there are none.
        // Null messages take the usual path, which refuses them.
        if (LibraryModelCall.IsActive && messages is not null)
        {
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        // The common case, a call in a running session, answered without an async method of its own: when the model's
        // task has already completed and the call is queued without waiting, the model's task is returned as it is.
        if (messages is not IReadOnlyList<ChatMessage> list
            || _accessor.Current is not { Status: SessionStatus.Running } session
            || (_memory is not null && !MemoryInjector.HasNothingToInject(session)))
        {
            return GetResponseSlowAsync(messages, options, cancellationToken);
        }

        var call = BeginCall(session, list, options);
        Task<ChatResponse> response;
        try
        {
            response = base.GetResponseAsync(list, options, cancellationToken);
        }
        catch (Exception ex)
        {
            return FailedAsync(call, ExceptionDispatchInfo.Capture(ex), cancellationToken);
        }

        if (!response.IsCompletedSuccessfully)
        {
            return AwaitResponseAsync(call, response, options, cancellationToken);
        }

        Task recorded;
        try
        {
            recorded = RecordResponseAsync(call, response.Result, streaming: false, owned: false, options);
        }
        catch (Exception ex)
        {
            return Task.FromException<ChatResponse>(ex);
        }

        return recorded.IsCompletedSuccessfully ? response : AfterAsync(recorded, response);
    }

    private async Task<ChatResponse> FailedAsync(PendingCall call, ExceptionDispatchInfo failure, CancellationToken cancellationToken)
    {
        await RecordFailureAsync(call, owned: false, failure.SourceException, "chat", cancellationToken).ConfigureAwait(false);
        failure.Throw();
        return null!;
    }

    private async Task<ChatResponse> AwaitResponseAsync(PendingCall call, Task<ChatResponse> pending, ChatOptions? options, CancellationToken cancellationToken)
    {
        ChatResponse response;
        try
        {
            response = await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await RecordFailureAsync(call, owned: false, ex, "chat", cancellationToken).ConfigureAwait(false);
            throw;
        }

        await RecordResponseAsync(call, response, streaming: false, owned: false, options).ConfigureAwait(false);
        return response;
    }

    private static async Task<ChatResponse> AfterAsync(Task recorded, Task<ChatResponse> response)
    {
        await recorded.ConfigureAwait(false);
        return response.Result;
    }

    private async Task<ChatResponse> GetResponseSlowAsync(IEnumerable<ChatMessage>? messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var (session, owned) = ResolveSession(list);
        if (session is null)
        {
            return await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        }

        await using var ownedScope = owned ? session : null;
        var call = BeginCall(session, list, options);
        ChatResponse response;
        try
        {
            // Waiting for the session's memory lookup is part of the call: its token stops the wait.
            var (sent, sentOptions) = _memory is null ? (list, options) : await _memory.WithMemoryAsync(session, list, options, cancellationToken).ConfigureAwait(false);
            response = await base.GetResponseAsync(sent, sentOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await RecordFailureAsync(call, owned, ex, "chat", cancellationToken).ConfigureAwait(false);
            throw;
        }

        await RecordResponseAsync(call, response, streaming: false, owned, options).ConfigureAwait(false);
        return response;
    }

    private (IAgentSession? Session, bool Owned) ResolveSession(IReadOnlyList<ChatMessage> messages)
    {
        var current = _accessor.Current;
        if (current is not null && current.Status == SessionStatus.Running)
        {
            return (current, false);
        }

        if (_options.UnscopedCalls == UnscopedCallHandling.Ignore)
        {
            return (null, false);
        }

        var task = TaskOf(messages.LastOrDefault(m => m.Role == ChatRole.User));
        try
        {
            var session = _factory.StartSession(new AgentSessionOptions
            {
                AgentId = AgentId ?? _options.AgentId,
                ProviderName = _telemetry.ProviderName,
                Task = string.IsNullOrWhiteSpace(task) ? "(no user message)" : task,
                Metadata = { ["dreaming.unscoped"] = "true" },
            });
            return (session, true);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            LogRecordingFailed(_logger, "(new)", ex);
            return (null, false);
        }
    }

    // The message's text; for one of images or files alone, their notes, so its session does not read as given nothing.
    private static string? TaskOf(ChatMessage? message) =>
        message?.Text is not { } text ? null : string.IsNullOrWhiteSpace(text) ? AttachmentNote.WithNotes(text.Trim(), message.Contents) : text;

    private static TranscriptTracker TranscriptOf(IAgentSession session) =>
        session is AgentSession known ? known.Transcript : s_foreignTranscripts.GetValue(session, static _ => new TranscriptTracker());

    private PendingCall BeginCall(IAgentSession session, IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        if (session is AgentSession known)
        {
            // The first call of a session tells its span the provider, model and endpoint; later ones pay a volatile read.
            known.NoteModelClient(_telemetry, options?.ModelId);
        }

        var transcript = TranscriptOf(session);
        var newMessages = transcript.ObserveRequest(messages, options?.ConversationId, options?.Instructions, out var position);
        var requestedAt = Now(session);
        return new PendingCall(session, transcript, position, newMessages, requestedAt, Stopwatch.GetTimestamp());
    }

    // Completes synchronously when the call was queued without waiting and nothing else is left to do: no memory to
    // cite, no one-call session to end.
    private Task RecordResponseAsync(PendingCall call, ChatResponse response, bool streaming, bool owned, ChatOptions? options)
    {
        var latency = Stopwatch.GetElapsedTime(call.StartedTimestamp);

        // A snapshot: UseFunctionInvocation() and hosts may add to these lists once the call has returned.
        var responseMessages = response.Messages.ToArray();
        call.Transcript.ObserveResponse(call.Position, responseMessages, response.ConversationId);

        // A service holding the conversation keeps the memory a call sent among its messages.
        if (response.ConversationId is { } conversationId && _memory is not null)
        {
            _memory.NoteResponse(call.Session, call.Position.ConversationId, conversationId);
        }
        var modelResponse = ResponseOf(call, response, latency, streaming, options);

        // On the system clock the return time is the request time plus the measured latency: one clock read fewer.
        var returnedAt = call.Session is AgentSession { UsesSystemClock: true } ? call.RequestedAt + latency : Now(call.Session);
        var recorded = RecordCallAsync(call, returnedAt, responseMessages, modelResponse, error: null);
        if (recorded.IsCompletedSuccessfully && !owned && (_memory is null || MemoryInjector.HasNothingToInject(call.Session)))
        {
            return Task.CompletedTask;
        }

        return FinishResponseAsync(call, recorded, responseMessages, owned);
    }

    /// <summary>Returns what the model response event of <paramref name="response"/> is made of, priced.</summary>
    private ChatCallResponse ResponseOf(in PendingCall call, ChatResponse response, TimeSpan latency, bool streaming, ChatOptions? options)
    {
        var usage = response.Usage;
        var modelResponse = new ChatCallResponse(
            // Capped here, before the price table and the log see it (the writer's sanitizer would cap it for the store).
            ModelId: RecordedIdentifiers.ModelId(response.ModelId ?? options?.ModelId ?? _telemetry.DefaultModelId),
            ResponseId: RecordedIdentifiers.ResponseId(response.ResponseId),
            Latency: latency,
            InputTokens: usage?.InputTokenCount ?? 0,
            OutputTokens: usage?.OutputTokenCount ?? 0,
            CachedInputTokens: usage?.CachedInputTokenCount ?? 0,
            FinishReason: RecordedIdentifiers.FinishReason(response.FinishReason?.Value),
            Streaming: streaming);
        return _costOf is null ? modelResponse : modelResponse with { CostMinorUnits = PriceOf(call.Session, modelResponse, usage) };
    }

    private async Task FinishResponseAsync(PendingCall call, ValueTask recorded, ChatMessage[] responseMessages, bool owned)
    {
        await recorded.ConfigureAwait(false);
        if (_memory is not null)
        {
            await _memory.RecordCitationsAsync(call.Session, responseMessages).ConfigureAwait(false);
        }

        if (owned)
        {
            await EndOwnedAsync(call.Session, SessionStatus.Completed).ConfigureAwait(false);
        }
    }

    private readonly record struct PendingCall(IAgentSession Session, TranscriptTracker Transcript, TranscriptTracker.Position Position, IReadOnlyList<ChatMessage> NewMessages, DateTimeOffset RequestedAt, long StartedTimestamp);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "A chat call could not be recorded to session {SessionId}.")]
    private static partial void LogRecordingFailed(ILogger logger, string sessionId, Exception exception);
}
