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

    /// <summary>The most characters the reasons of refused calls whose results have not come yet add up to (16 Mi, 32 MiB): a
    /// host that refuses calls with long reasons and never sends their results has them forgotten in bulk past it, as past
    /// <see cref="MaxToolCalls"/> reasons (one longer reason is held alone, until its result or the next refusal).</summary>
    internal const long MaxRejectionReasonsLength = 1 << 24;

    // Made on the first rejection: a session without approvals pays a null check on each tool result.
    private Dictionary<string, string?>? _rejections;

    // The characters of the reasons in _rejections, under _lock.
    private long _rejectionReasonsLength;

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
            if (rejections.Remove(callId, out var replaced))
            {
                _rejectionReasonsLength -= replaced?.Length ?? 0;
            }

            // Refusals whose result never came (a host that gave up on the turn) are forgotten in bulk, not kept forever,
            // nor their reasons past a total length.
            var kept = string.IsNullOrWhiteSpace(reason) ? null : reason;
            if (rejections.Count >= MaxToolCalls || _rejectionReasonsLength + (kept?.Length ?? 0) > MaxRejectionReasonsLength)
            {
                rejections.Clear();
                _rejectionReasonsLength = 0;
            }

            rejections[callId] = kept;
            _rejectionReasonsLength += kept?.Length ?? 0;
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
            if (_rejections is null || !_rejections.Remove(callId, out reason))
            {
                return false;
            }

            _rejectionReasonsLength -= reason?.Length ?? 0;
            return true;
        }
    }
}
