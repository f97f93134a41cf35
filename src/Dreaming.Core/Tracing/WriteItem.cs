namespace Dreaming;

/// <summary>One entry of the trace writer's queue: a session to create, an event or a chat call to append, or a flush marker.</summary>
/// <param name="Session">The session to create.</param>
/// <param name="Event">The event to append, stamped with its session id and time but not yet its sequence number.</param>
/// <param name="Call">The chat call to turn into events on the writer.</param>
/// <param name="Sink">The session the event or call belongs to.</param>
/// <param name="Flush">The flush marker to complete once everything before it is written.</param>
/// <param name="Slots">The room in the queue the item holds until it is written.</param>
/// <param name="Creation">Of a session to create: told when the store refuses it.</param>
internal readonly record struct WriteItem(SessionRecord? Session, SessionEvent? Event, ChatCall? Call, ISessionSink? Sink, TaskCompletionSource? Flush, int Slots, SessionCreation? Creation = null)
{
    /// <summary>Gets how many events the item stands for, counted when it is dropped: its <see cref="Slots"/> before the
    /// writer caps them at the queue's capacity, so a call larger than the whole queue is counted whole.</summary>
    public long Events => Call?.Slots ?? 1;

    public static WriteItem ForSession(SessionRecord session, SessionCreation creation) => new(session, null, null, null, null, 0, creation);

    public static WriteItem ForEvent(SessionEvent sessionEvent, ISessionSink sink) => new(null, sessionEvent, null, sink, null, 1);

    public static WriteItem ForCall(ChatCall call, ISessionSink sink, int slots) => new(null, null, call, sink, null, slots);

    public static WriteItem ForFlush(TaskCompletionSource flush) => new(null, null, null, null, flush, 0);
}
