namespace Dreaming;

/// <summary>What the trace writer has taken from its queue and not yet written: one store transaction's worth.</summary>
internal sealed class PendingBatch
{
    public List<SessionRecord> Sessions { get; } = [];

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

    /// <summary>Groups the events by session, keeping their order within each session.</summary>
    public IEnumerable<(ISessionSink Sink, List<SessionEvent> Events)> RunsBySession()
    {
        var runs = new Dictionary<string, (ISessionSink Sink, List<SessionEvent> Events)>(StringComparer.Ordinal);
        for (var i = 0; i < Events.Count; i++)
        {
            if (!runs.TryGetValue(Events[i].SessionId, out var run))
            {
                run = (Sinks[i], []);
                runs.Add(Events[i].SessionId, run);
            }

            run.Events.Add(Events[i]);
        }

        return runs.Values;
    }

    public void Clear()
    {
        Sessions.Clear();
        Events.Clear();
        Sinks.Clear();
        Slots = 0;
    }
}
