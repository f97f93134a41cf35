namespace Dreaming;

// The calls a person refused: a host's ToolApprovalResponseContent with Approved = false is in the request, and
// UseFunctionInvocation() (inside UseDreaming()) answers the call with a result that says only that it was rejected.
// The calls waiting for a person: recorded from the approval request, so the call rebuilt from the answer is not.
internal sealed partial class TranscriptTracker
{
    // The tools' items without an id recorded so far (RawItemEvents).
    private int _idlessToolItems;

    /// <summary>Returns the number of the session's next tool item without an id, 1 first: its call id is made of it
    /// (<see cref="ConversationMapper.NextIdlessToolItem"/>), so two such items stay apart.</summary>
    public int NextIdlessToolItem() => Interlocked.Increment(ref _idlessToolItems);

    // Made on the first rejection: a session without approvals pays a null check on each tool result.
    private Dictionary<string, string?>? _rejections;

    // Made on the first approval request: a session without approvals pays a null check on each informational call.
    private HashSet<string>? _approvalRequests;

    /// <summary>Remembers that the call <paramref name="callId"/>, recorded from its approval request, waits for a person.</summary>
    public void RememberApprovalRequest(string callId)
    {
        // As recorded: a request never answered keeps no more than the capped id (RecordedIdentifiers).
        callId = RecordedIdentifiers.CallId(callId);
        lock (_lock)
        {
            var requests = _approvalRequests ??= new(StringComparer.Ordinal);

            // Requests never answered (a person who never came back) are forgotten in bulk, not kept forever.
            if (requests.Count >= MaxToolCalls)
            {
                requests.Clear();
            }

            requests.Add(callId);
        }
    }

    /// <summary>Returns whether the call <paramref name="callId"/> was recorded from its approval request, and forgets it:
    /// the call rebuilt from the answer is not recorded again.</summary>
    public bool TryTakeApprovalRequest(string callId)
    {
        if (Volatile.Read(ref _approvalRequests) is null)
        {
            return false;
        }

        callId = RecordedIdentifiers.CallId(callId);
        lock (_lock)
        {
            return _approvalRequests is not null && _approvalRequests.Remove(callId);
        }
    }

    /// <summary>Remembers that the call <paramref name="callId"/> was refused, with the reason given, until its result.</summary>
    public void RememberRejection(string callId, string? reason)
    {
        callId = RecordedIdentifiers.CallId(callId);
        lock (_lock)
        {
            var rejections = _rejections ??= new(StringComparer.Ordinal);

            // Refusals whose result never came (a host that gave up on the turn) are forgotten in bulk, not kept forever.
            if (rejections.Count >= MaxToolCalls)
            {
                rejections.Clear();
            }

            rejections[callId] = string.IsNullOrWhiteSpace(reason) ? null : reason;
        }
    }

    /// <summary>Returns whether the call <paramref name="callId"/> was refused, and forgets it: its result is recorded once.</summary>
    public bool TryTakeRejection(string callId, out string? reason)
    {
        reason = null;
        if (Volatile.Read(ref _rejections) is null)
        {
            return false;
        }

        callId = RecordedIdentifiers.CallId(callId);
        lock (_lock)
        {
            return _rejections is not null && _rejections.Remove(callId, out reason);
        }
    }
}
