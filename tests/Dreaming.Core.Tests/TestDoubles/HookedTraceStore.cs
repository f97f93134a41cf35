namespace Dreaming.Tests;

/// <summary>An in-memory store whose writes, completions and reads of a session's events (<see cref="GetEventsAsync"/>
/// only) can be slowed down or made to fail.</summary>
internal sealed class HookedTraceStore() : ForwardingTraceStore(new InMemoryTraceStore())
{
    public Func<TraceWriteBatch, CancellationToken, Task>? BeforeWrite { get; set; }

    public Func<SessionCompletion, CancellationToken, Task>? BeforeComplete { get; set; }

    public Func<string, CancellationToken, Task>? BeforeGetEvents { get; set; }

    public int WriteCalls;

    public override async Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref WriteCalls);
        if (BeforeWrite is not null)
        {
            await BeforeWrite(batch, cancellationToken);
        }

        await base.WriteAsync(batch, cancellationToken);
    }

    public override async Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
    {
        if (BeforeComplete is not null)
        {
            await BeforeComplete(completion, cancellationToken);
        }

        await base.CompleteSessionAsync(completion, cancellationToken);
    }

    public override async Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        if (BeforeGetEvents is not null)
        {
            await BeforeGetEvents(sessionId, cancellationToken);
        }

        return await base.GetEventsAsync(sessionId, cancellationToken);
    }
}
