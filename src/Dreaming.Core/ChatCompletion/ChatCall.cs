using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>What one chat call leaves to record: the messages the session had not seen, the response or the failure.</summary>
/// <remarks>
/// Built on the caller's thread from snapshots (the host or <c>UseFunctionInvocation()</c> may add to the lists it passed
/// once the call returns) and turned into events on the writer's thread, so the agent does not wait for that work.
/// </remarks>
internal sealed class ChatCall
{
    public required string SessionId { get; init; }

    /// <summary>Gets when the call was made: the time of the request messages.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>Gets when the call returned or failed: the time of everything else.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public required TranscriptTracker Transcript { get; init; }

    public string? ToolErrorPrefix { get; init; }

    public IReadOnlyList<ChatMessage> RequestMessages { get; init; } = [];

    public IReadOnlyList<ChatMessage> ResponseMessages { get; init; } = [];

    public ModelResponseEvent? Response { get; init; }

    public ErrorEvent? Error { get; init; }

    /// <summary>Gets the room the call holds in the write queue: roughly one event a message, plus the outcome.</summary>
    public int Slots => RequestMessages.Count + ResponseMessages.Count + 1;

    public List<SessionEvent> ToEvents()
    {
        var events = ChatMessageEvents.From(RequestMessages, Transcript, ToolErrorPrefix);
        var requestCount = events.Count;
        events.AddRange(ChatMessageEvents.From(ResponseMessages, Transcript, ToolErrorPrefix));
        if (Response is not null)
        {
            events.Add(Response);
        }

        if (Error is not null)
        {
            events.Add(Error);
        }

        for (var i = 0; i < events.Count; i++)
        {
            events[i] = events[i] with { SessionId = SessionId, Timestamp = i < requestCount ? RequestedAt : Timestamp };
        }

        return events;
    }
}
