namespace Dreaming;

// A count schedule's check: after a full read of its window, only the sessions changed since (SessionRecord.ChangeNumber).
public sealed partial class DreamScheduler
{
    // Per count schedule: what its last full read found, brought up to date at each poll with the sessions changed since,
    // or null when the next check reads the whole window (the first poll, after a dream of the scope completed, or with a
    // store that does not number its changes). Taken out while a check uses it, so a concurrent check reads in full.
    private readonly CountFeed?[] _feeds;

    // Counts the sessions a dream of the scope would read now, up to the threshold. A store that numbers its changes is
    // read in full once (its change horizon taken first); later polls, while the scope's last completed run is the same
    // (so the cursor and the read history, all the count depends on besides the sessions, are the same), read only the
    // sessions changed after the horizon (stopping when the ids reach the threshold) and keep the ids counted (fewer
    // than the threshold). A session counted twice (ended, then graded) is one id. When the ids reach the threshold, a
    // full read confirms it before the dream: a counted session purged since (retention) then counts no more, so a dream
    // is never started on a count that deletes made too high, and the count is always the one the full read gives.
    private async Task<int> CountNewSessionsAsync(int index, DreamRun? last, DreamReadHistory? history, int threshold, CancellationToken cancellationToken)
    {
        var scope = _schedules[index].Scope;
        var after = last?.Results.Cursor;
        var feed = Interlocked.Exchange(ref _feeds[index], null);
        if (feed is not null && feed.LastCompletedId == last?.Id
            && await _traces.GetSessionChangeHorizonAsync(cancellationToken).ConfigureAwait(false) is { } horizon && horizon >= feed.Horizon)
        {
            await foreach (var session in DreamSessionSelector.ScopeSessionsAsync(_traces, scope, cancellationToken, changedAfter: feed.Horizon).ConfigureAwait(false))
            {
                if (DreamSessionSelector.IsCandidate(session, after, history))
                {
                    // Enough: the full read below confirms the count, so the rest of a burst (older logs imported at
                    // once) is neither read page after page nor kept.
                    if (feed.Counted.Add(session.Id) && feed.Counted.Count >= threshold)
                    {
                        break;
                    }
                }
                else
                {
                    feed.Counted.Remove(session.Id);
                }
            }

            if (feed.Counted.Count < threshold)
            {
                _feeds[index] = feed with { Horizon = horizon };
                return feed.Counted.Count;
            }
        }

        // A full read of the window, as without change numbers. The horizon is taken before it: a change the read misses is
        // numbered above it and read at the next poll.
        var start = await _traces.GetSessionChangeHorizonAsync(cancellationToken).ConfigureAwait(false);
        var ids = start is null ? null : new HashSet<string>(StringComparer.Ordinal);
        var count = await DreamSessionSelector.CountNewAsync(_traces, scope, after, history, threshold, ids, cancellationToken).ConfigureAwait(false);
        if (start is { } from && ids is not null && count < threshold)
        {
            _feeds[index] = new CountFeed(last?.Id, from, ids);
        }

        return count;
    }

    // What a count schedule's last read found: the scope's last completed run then, the store's change horizon the read
    // covers, and the ids of the sessions counted (fewer than the threshold).
    private sealed record CountFeed(string? LastCompletedId, long Horizon, HashSet<string> Counted);
}
