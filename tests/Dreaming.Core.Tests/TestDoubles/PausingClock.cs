namespace Dreaming.Tests;

/// <summary>The system clock, except that the first reading taken on a flow that called <see cref="PauseHere"/> waits until
/// <see cref="Release"/>: a way to hold a session's <c>RecordAsync</c> after its check that the session is running and
/// before its event is queued (it reads the clock in between, to stamp the event).</summary>
internal sealed class PausingClock : TimeProvider, IDisposable
{
    private readonly AsyncLocal<bool> _pause = new();
    private readonly ManualResetEventSlim _release = new(false);
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a task that completes when the paused reading has been reached.</summary>
    public Task Reached => _reached.Task;

    /// <summary>Makes the next reading on the calling flow wait for <see cref="Release"/>.</summary>
    public void PauseHere() => _pause.Value = true;

    public void Release() => _release.Set();

    public override DateTimeOffset GetUtcNow()
    {
        if (_pause.Value)
        {
            _pause.Value = false;
            _reached.TrySetResult();
            if (!_release.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("The paused clock reading was never released.");
            }
        }

        return base.GetUtcNow();
    }

    public void Dispose() => _release.Dispose();
}
