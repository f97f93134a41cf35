using System.Diagnostics;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Dreaming;

// Pricing a call, recording a failed one, queuing its record into its session, and ending the one-call sessions the client started.
public sealed partial class DreamingChatClient
{
    // The types of pricing failures already logged by this client: made on the first failure, so a call pays nothing for it.
    private ConcurrentDictionary<Type, bool>? _pricingFailures;

    /// <summary>Returns the cost <see cref="DreamingOptions.CostOf"/> gives the call (set) recorded in <paramref name="session"/>,
    /// whose <paramref name="usage"/> also says the input tokens written to the provider's prompt cache and the output
    /// tokens spent reasoning.</summary>
    private long PriceOf(IAgentSession session, in ChatCallResponse response, UsageDetails? usage) =>
        PriceOf(
            new ModelCallUsage(session.AgentId, _telemetry.ProviderName, response.ModelId, response.InputTokens, response.OutputTokens, response.CachedInputTokens)
            {
                CacheWriteInputTokens = ModelUsage.CacheWritesOf(usage),
                ReasoningOutputTokens = ModelUsage.ReasoningOf(usage),
            },
            session.Id);

    /// <summary>Returns the usage of <paramref name="response"/> as one model call, priced as this client prices the calls
    /// it records (<see cref="DreamingOptions.CostOf"/>, under <paramref name="agentId"/>; cost 0 without one): for the
    /// orchestrator, which charges its chat agents' and coordinator's calls to its budgets and results, and the grader,
    /// whose calls pass through unrecorded (<paramref name="agentId"/> <see langword="null"/>: the ambient session's agent,
    /// else that of this client's one-call sessions).</summary>
    internal SessionUsage UsageOf(string? agentId, ChatResponse response, ChatOptions? options)
    {
        var usage = ModelUsage.Of(response.Usage);
        if (_costOf is null)
        {
            return usage;
        }

        var modelId = RecordedIdentifiers.ModelId(response.ModelId ?? options?.ModelId ?? _telemetry.DefaultModelId);
        agentId ??= _accessor.Current?.AgentId ?? AgentId ?? _options.AgentId;
        var call = new ModelCallUsage(agentId, _telemetry.ProviderName, modelId, usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens)
        {
            CacheWriteInputTokens = ModelUsage.CacheWritesOf(response.Usage),
            ReasoningOutputTokens = ModelUsage.ReasoningOf(response.Usage),
        };
        return usage with { CostMinorUnits = PriceOf(call, _accessor.Current?.Id ?? "(none)") };
    }

    /// <summary>Returns the cost <see cref="DreamingOptions.CostOf"/> (set) gives <paramref name="call"/>; 0, logged once per
    /// type of failure, when it throws or returns a negative cost, so pricing never fails the agent's call.</summary>
    private long PriceOf(in ModelCallUsage call, string sessionId)
    {
        Exception failure;
        try
        {
            var cost = _costOf!(call);
            if (cost >= 0)
            {
                return cost;
            }

            failure = new InvalidOperationException($"DreamingOptions.CostOf returned {cost}; a cost must not be negative.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failure = ex;
        }

        var logged = LazyInitializer.EnsureInitialized(ref _pricingFailures, static () => new ConcurrentDictionary<Type, bool>());
        if (logged.TryAdd(failure.GetType(), true))
        {
            LogPricingFailed(_logger, call.ModelId, call.AgentId, sessionId, failure);
        }

        return 0;
    }

    // A stream that failed midway passes what it had delivered: its messages are recorded, and the usage it reported
    // (a finished tool round's, under UseFunctionInvocation()) was spent, so it is recorded too, as a model.response.
    private async Task RecordFailureAsync(PendingCall call, bool owned, Exception exception, string operation, CancellationToken cancellationToken, ChatResponse? received = null, ChatOptions? options = null)
    {
        var cancelled = exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
        var error = new ErrorEvent
        {
            ErrorType = exception.GetType().FullName ?? exception.GetType().Name,
            Message = exception.Message,
            IsCancellation = cancelled,
            Operation = operation,
        };
        var messages = received is null ? [] : received.Messages.ToArray();
        if (messages.Length > 0)
        {
            call.Transcript.ObserveResponse(call.Position, messages);
        }

        ChatCallResponse? spent = received?.Usage is null ? null : ResponseOf(call, received, Stopwatch.GetElapsedTime(call.StartedTimestamp), streaming: true, options);
        await RecordCallAsync(call, Now(call.Session), messages, spent, error).ConfigureAwait(false);
        if (owned)
        {
            await EndOwnedAsync(call.Session, cancelled ? SessionStatus.Abandoned : SessionStatus.Failed).ConfigureAwait(false);
        }
    }

    // A stream that ended without an exception: its response, or, when its token was cancelled before it finished (no
    // finish reason in its last round), a cancellation, as if it had thrown: a provider that ends its stream quietly when
    // cancelled (OllamaSharp 5.5), or a consumer that stopped reading once it had cancelled.
    private Task RecordStreamEndAsync(PendingCall call, List<ChatResponseUpdate> updates, bool owned, ChatOptions? options, CancellationToken cancellationToken)
    {
        var response = updates.ToChatResponse();
        return cancellationToken.IsCancellationRequested && !LastRoundFinished(updates)
            ? RecordFailureAsync(call, owned, new OperationCanceledException(cancellationToken), "chat.stream", cancellationToken, updates.Count == 0 ? null : response, options)
            : RecordResponseAsync(call, response, streaming: true, owned, options);
    }

    // Whether a finish reason came after the last tool results: under UseFunctionInvocation() a tool round's finish
    // reason (the response's, once merged) is followed by its results and the next round, which may not have finished.
    private static bool LastRoundFinished(List<ChatResponseUpdate> updates)
    {
        for (var i = updates.Count - 1; i >= 0; i--)
        {
            var update = updates[i];
            if (update.FinishReason is not null)
            {
                return true;
            }

            foreach (var content in update.Contents)
            {
                if (content is FunctionResultContent)
                {
                    return false;
                }
            }
        }

        return false;
    }

    private ValueTask RecordCallAsync(PendingCall pending, DateTimeOffset timestamp, IReadOnlyList<ChatMessage> responseMessages, ChatCallResponse? modelResponse, ErrorEvent? error)
    {
        var session = pending.Session;
        var call = new ChatCall
        {
            SessionId = session.Id,
            // Stamped as the stores keep times, so a store never copies an event to cut its time.
            RequestedAt = StoredTime.Of(pending.RequestedAt),
            Timestamp = StoredTime.Of(timestamp),
            Transcript = pending.Transcript,
            ToolErrorPrefix = _options.ToolErrorPrefix,
            RequestMessages = pending.NewMessages,
            ResponseMessages = responseMessages,
            Response = modelResponse,
            Error = error,
        };

        try
        {
            var queued = session is AgentSession known ? known.RecordCallAsync(call) : new ValueTask(RecordAllAsync(session, call.ToEvents()));
            return queued.IsCompletedSuccessfully ? default : AwaitQueuedAsync(queued, session.Id);
        }
        catch (Exception ex) when (ex is SessionStateException or ObjectDisposedException)
        {
            // The host ended the session while this call was in flight; the call itself must not fail for it.
            LogRecordingFailed(_logger, session.Id, ex);
            return default;
        }
    }

    private async ValueTask AwaitQueuedAsync(ValueTask queued, string sessionId)
    {
        try
        {
            await queued.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SessionStateException or ObjectDisposedException)
        {
            // The host ended the session while this call was in flight; the call itself must not fail for it.
            LogRecordingFailed(_logger, sessionId, ex);
        }
    }

    private static DateTimeOffset Now(IAgentSession session) => session is AgentSession clock ? clock.Now() : DateTimeOffset.UtcNow;

    private async Task RecordAllAsync(IAgentSession session, IReadOnlyList<SessionEvent> events)
    {
        try
        {
            foreach (var sessionEvent in events)
            {
                await session.RecordAsync(sessionEvent).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SessionStateException or ObjectDisposedException)
        {
            // The host ended the session while this call was in flight; the call itself must not fail for it.
            LogRecordingFailed(_logger, session.Id, ex);
        }
    }

    private async Task EndOwnedAsync(IAgentSession session, SessionStatus status)
    {
        try
        {
            await session.CompleteAsync(status).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordingFailed(_logger, session.Id, ex);
        }
    }

    [LoggerMessage(EventId = 85, Level = LogLevel.Warning, Message = "DreamingOptions.CostOf failed to price a call of model {ModelId} by agent {AgentId} in session {SessionId}; the call is recorded with cost 0. Later failures of this type are not logged.")]
    private static partial void LogPricingFailed(ILogger logger, string? modelId, string agentId, string sessionId, Exception exception);
}
