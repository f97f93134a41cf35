using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Dreaming;

// Queuing a call's record into its session, and ending the one-call sessions the client started.
public sealed partial class DreamingChatClient
{
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
}
