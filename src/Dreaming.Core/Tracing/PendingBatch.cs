namespace Dreaming;

/// <summary>What the trace writer has taken from its queue and not yet written: one store transaction's worth.</summary>
internal sealed class PendingBatch
{
    public List<SessionRecord> Sessions { get; } = [];

    /// <summary>Gets the creation of each session, by position in <see cref="Sessions"/>.</summary>
    public List<SessionCreation> Creations { get; } = [];

    public List<SessionEvent> Events { get; } = [];

    /// <summary>Gets the session of each event, by position in <see cref="Events"/>.</summary>
    public List<ISessionSink> Sinks { get; } = [];

    /// <summary>Gets or sets the room in the queue the batch's items hold until it is written.</summary>
    public int Slots { get; set; }

    public void Add(SessionEvent sessionEvent, ISessionSink sink)
    {
        Events.Add(sessionEvent);
        Sinks.Add(sink);
    }

    public void AddSession(SessionRecord session, SessionCreation creation)
    {
        Sessions.Add(session);
        Creations.Add(creation);
    }

    /// <summary>Groups the events by session, keeping their order within each session.</summary>
    /// <remarks>By the session that recorded them, not by id: two sessions started with one explicit id are two runs, so
    /// the one the store refused cannot take the other's events down with its own.</remarks>
    public IEnumerable<(ISessionSink Sink, List<SessionEvent> Events)> RunsBySession()
    {
        var runs = new Dictionary<ISessionSink, (ISessionSink Sink, List<SessionEvent> Events)>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < Events.Count; i++)
        {
            if (!runs.TryGetValue(Sinks[i], out var run))
            {
                run = (Sinks[i], []);
                runs.Add(Sinks[i], run);
            }

            run.Events.Add(Events[i]);
        }

        return runs.Values;
    }

    public void Clear()
    {
        Sessions.Clear();
        Creations.Clear();
        Events.Clear();
        Sinks.Clear();
        Slots = 0;
    }
}
