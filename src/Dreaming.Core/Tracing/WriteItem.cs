namespace Dreaming;

/// <summary>One entry of the trace writer's queue: a session to create, an event to append, or a flush marker.</summary>
internal readonly record struct WriteItem(SessionRecord? Session, SessionEvent? Event, IDropCounter? Owner, TaskCompletionSource? Flush)
{
    public static WriteItem ForSession(SessionRecord session) => new(session, null, null, null);

    public static WriteItem ForEvent(SessionEvent sessionEvent, IDropCounter owner) => new(null, sessionEvent, owner, null);

    public static WriteItem ForFlush(TaskCompletionSource flush) => new(null, null, null, flush);
}

/// <summary>Something that counts the events of one session that were dropped instead of stored.</summary>
internal interface IDropCounter
{
    void AddDropped(long count);
}
