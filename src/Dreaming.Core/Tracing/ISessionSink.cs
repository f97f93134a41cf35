namespace Dreaming;

/// <summary>What the trace writer needs of the session an event belongs to.</summary>
internal interface ISessionSink
{
    /// <summary>Gets whether the store refused to create the session; its events are then dropped, not stored.</summary>
    SessionCreation Creation { get; }

    /// <summary>Counts events that were dropped instead of stored.</summary>
    void AddDropped(long count);

    /// <summary>Gives the next sequence number; called by the single writer thread in queue order.</summary>
    long NextSequence();

    /// <summary>Gets the last sequence number given; called by the single writer thread.</summary>
    long LastSequence { get; }

    /// <summary>Counts <paramref name="count"/> numbers as given, after the writer numbered events itself from <see cref="LastSequence"/>.</summary>
    void SkipSequences(int count);
}
