namespace Dreaming;

/// <summary>Work that a caller stopped waiting for (<see cref="Task.WaitAsync(CancellationToken)"/> on a token the work
/// ignored) and that goes on running: whatever it throws later is observed here, so that collecting it does not raise
/// <see cref="TaskScheduler.UnobservedTaskException"/> for a failure nobody was waiting for any more.</summary>
internal static class AbandonedTask
{
    private static readonly Action<Task> s_observe = static task => _ = task.Exception;

    /// <summary>Observes <paramref name="task"/>'s eventual exception. Only on the cancellation path: the task was abandoned.</summary>
    public static void Observe(Task task)
    {
        if (task.IsCompleted)
        {
            _ = task.Exception;
            return;
        }

        _ = task.ContinueWith(s_observe, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for <paramref name="task"/> until <paramref name="cancellationToken"/> is cancelled, even when the work
    /// ignores the token; work left running then is abandoned, and what it throws later observed.</summary>
    /// <typeparam name="T">The result's type.</typeparam>
    /// <param name="task">The work.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The work's result.</returns>
    public static async Task<T> WaitAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Observe(task);
            throw;
        }
    }
}
