using System.Globalization;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>Reads the sessions of a window for the agent pages, newest first, one page of the store at a time, up to
/// <see cref="Cap"/>.</summary>
internal static class AgentSessions
{
    /// <summary>The most sessions one request of an agent page reads.</summary>
    public const int Cap = 20_000;

    /// <summary>Reads the sessions that started in the window, newest first, handing each to <paramref name="each"/>.</summary>
    /// <param name="store">The trace store.</param>
    /// <param name="agentId">Only this agent's sessions, or <see langword="null"/> for every agent's.</param>
    /// <param name="window">The window.</param>
    /// <param name="each">Counts a session.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    /// <returns>How many sessions were read, and whether more were left unread at the cap.</returns>
    /// <exception cref="ArgumentException">The store refused the query (an agent id with half a surrogate pair).</exception>
    public static async Task<AgentSessionsRead> ReadAsync(ITraceStore store, string? agentId, AgentWindow window, Func<SessionRecord, ValueTask> each, CancellationToken cancellationToken)
    {
        var query = new SessionQuery
        {
            AgentId = agentId,
            StartedFrom = window.From,
            StartedBefore = window.Before,
            Order = SessionOrder.NewestFirst,
            PageSize = SessionQuery.MaxPageSize,
        };
        var read = 0;
        DateTimeOffset? oldest = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await store.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                if (read == Cap)
                {
                    return new AgentSessionsRead(read, true, oldest);
                }

                read++;
                oldest = session.StartedAt;
                await each(session).ConfigureAwait(false);
            }

            if (page.NextCursor is null)
            {
                return new AgentSessionsRead(read, false, oldest);
            }

            // At the cap, one more session tells whether the cap left any out.
            query = query with { Cursor = page.NextCursor, PageSize = read == Cap ? 1 : SessionQuery.MaxPageSize };
        }
    }
}

/// <summary>What <see cref="AgentSessions.ReadAsync"/> read.</summary>
/// <param name="Count">The sessions read.</param>
/// <param name="Capped">Whether sessions were left unread at <see cref="AgentSessions.Cap"/>: the oldest ones.</param>
/// <param name="Oldest">The start of the oldest session read, or <see langword="null"/> when none was.</param>
internal sealed record AgentSessionsRead(int Count, bool Capped, DateTimeOffset? Oldest)
{
    /// <summary>Writes the note a capped read shows, or nothing.</summary>
    /// <param name="html">The page.</param>
    public void WriteCapNote(HtmlWriter html)
    {
        if (Capped)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"Only the newest {AgentSessions.Cap:N0} sessions of the window are counted (the cap of this page): older ones, which started at or before {Oldest!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, are left out. Choose fewer days to see a whole window."), "cap-note");
        }
    }
}
