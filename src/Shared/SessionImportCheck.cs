namespace Dreaming;

/// <summary>The check the durable trace stores make of an import before they write any of it, so a bad session fails the
/// whole import with the same words in each.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each). The in-memory store makes the same
/// checks, with the same words and parameter name, while it copies each session (<c>InMemorySession.ForImport</c>), in one
/// pass that honours the import's token.</remarks>
internal static class SessionImportCheck
{
    /// <summary>Checks an import before anything is written, so a bad session fails the whole import.</summary>
    /// <param name="sessions">The sessions to import.</param>
    /// <exception cref="ArgumentNullException">An item of <paramref name="sessions"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A session is still running, an event names another session, or two events of a
    /// session share a sequence number.</exception>
    public static void Check(IReadOnlyList<SessionWithEvents> sessions)
    {
        foreach (var item in sessions)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(sessions));
            var id = item.Session.Id;
            if (item.Session.Status == SessionStatus.Running)
            {
                throw new ArgumentException($"Session '{id}' is still running; only finished sessions can be imported.", nameof(sessions));
            }

            var sequences = new HashSet<long>();
            foreach (var sessionEvent in item.Events)
            {
                if (sessionEvent.SessionId.Length > 0 && !string.Equals(sessionEvent.SessionId, id, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Event {sessionEvent.Sequence} of session '{id}' names session '{sessionEvent.SessionId}'.", nameof(sessions));
                }

                if (!sequences.Add(sessionEvent.Sequence))
                {
                    throw new ArgumentException($"Session '{id}' has two events with sequence {sessionEvent.Sequence}.", nameof(sessions));
                }
            }
        }
    }
}
