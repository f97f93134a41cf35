using System.Runtime.CompilerServices;

namespace Dreaming.Cli.Reports;

/// <summary>The direct child sessions of a session (<see cref="SessionRecord.ParentSessionId"/>: an orchestration run's
/// items, a coordinator's sub-agents), read page by page, for <c>report</c> and <c>session show</c>.</summary>
internal static class ChildSessions
{
    /// <summary>Reads the direct children of <paramref name="sessionId"/>, oldest first, running or ended.</summary>
    public static async IAsyncEnumerable<SessionRecord> OfAsync(ITraceStore sessions, string sessionId, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new SessionQuery { ParentSessionId = sessionId, Order = SessionOrder.OldestFirst, PageSize = pageSize };
        do
        {
            var page = await sessions.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var child in page.Items)
            {
                yield return child;
            }

            query = query with { Cursor = page.NextCursor };
        }
        while (query.Cursor is not null);
    }
}
