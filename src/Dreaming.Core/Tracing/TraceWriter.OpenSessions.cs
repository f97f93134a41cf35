using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>The sessions started through the factory and not yet ended, so that a writer disposed (the host stopping)
/// while some are still open says so once: they stay <c>running</c> in the store.</summary>
/// <remarks>Touched once when a session starts (one dictionary node, about 50 bytes, and a striped-lock insert) and once
/// when it ends or its disposal is over (a removal); never by <c>RecordAsync</c>, nor by the chat middleware within a
/// session (a call outside any session starts and ends a one-call session, and pays for that one's entry). A session that is
/// never disposed keeps its entry (its id, not the session) until the writer is disposed.</remarks>
internal sealed partial class TraceWriter
{
    /// <summary>How many open sessions' ids the warning names.</summary>
    internal const int OpenSessionsShown = 5;

    private const int ShownIdLength = 64;

    private readonly ConcurrentDictionary<long, string> _openSessions = new();
    private long _openSessionTokens;

    /// <summary>Notes a session started; returns the token its end gives to <see cref="SessionClosed"/>.</summary>
    internal long SessionOpened(string sessionId)
    {
        var token = Interlocked.Increment(ref _openSessionTokens);
        _openSessions[token] = sessionId;
        return token;
    }

    /// <summary>Notes a session ended, or disposed (whether or not it could be recorded as abandoned, which it logs);
    /// a second call for the same token does nothing.</summary>
    internal void SessionClosed(long token) => _openSessions.TryRemove(token, out _);

    /// <summary>Gets how many sessions started through the factory are neither ended nor disposed; for tests.</summary>
    internal int OpenSessionCount => _openSessions.Count;

    // Once, when disposal is over (drained or given up): a session still open now cannot be ended through this writer.
    private void LogOpenSessions()
    {
        if (_openSessions.IsEmpty)
        {
            return;
        }

        var open = _openSessions.ToArray();
        if (open.Length == 0)
        {
            return;
        }

        Array.Sort(open, static (a, b) => a.Key.CompareTo(b.Key));
        var shown = new StringBuilder();
        for (var i = 0; i < open.Length && i < OpenSessionsShown; i++)
        {
            shown.Append(i == 0 ? "'" : ", '").Append(TextCut.WithEllipsis(open[i].Value, ShownIdLength, "…")).Append('\'');
        }

        if (open.Length > OpenSessionsShown)
        {
            shown.Append(", and ").Append(open.Length - OpenSessionsShown).Append(" more");
        }

        LogSessionsLeftOpen(_logger, open.Length, shown.ToString());
    }

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "The trace writer was disposed (the host stopping?) while {Count} sessions started through IAgentSessionFactory were neither completed nor disposed ({SessionIds}): they stay running in the trace store, since nothing can end them now (a request still in flight past the host's shutdown timeout, or a session never disposed). End them at the next start with ITraceStore.AbandonRunningSessionsAsync (see stores.md, 'Recovery after a crash') or 'dreaming sessions abandon --older-than DURATION'; complete or dispose sessions before the host stops.")]
    private static partial void LogSessionsLeftOpen(ILogger logger, int count, string sessionIds);
}
