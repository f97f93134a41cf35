namespace Dreaming.Tests;

/// <summary>A trace store that runs <c>meanwhile</c> once, just before the first session is completed, then completes it:
/// a way to make another recovery (the tool's, a second store's) run between a recovery's read of the running sessions and
/// its first end. The SQLite, PostgreSQL and tool tests link this file.</summary>
internal sealed class BeforeFirstCompletion(ITraceStore inner, Func<Task> meanwhile) : ForwardingTraceStore(inner)
{
    private int _ran;

    public override async Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _ran, 1) == 0)
        {
            await meanwhile();
        }

        await Inner.CompleteSessionAsync(completion, cancellationToken);
    }
}
