namespace Dreaming.Tests;

/// <summary>Awaits that a regression would turn into a hang rather than a failure, bounded so that the test fails and says
/// what did not finish. A recording left counted as in flight (a lost decrement of <c>AgentSession</c>'s recording count)
/// holds every completion of its session, its disposal, and the host's disposal behind them, for ever.</summary>
internal static class Bounded
{
    /// <summary>Gets how long a bounded await may take: far more than any of them needs on a loaded machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Waits for <paramref name="task"/>, failing the test if it has not finished within <see cref="Patience"/>.</summary>
    /// <param name="task">The task to wait for; its own exception, if any, is thrown as it is.</param>
    /// <param name="what">What the task is, for the failure message (e.g. "the completion").</param>
    public static async Task WithinAsync(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(Patience);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            Assert.Fail(Message(what));
        }
    }

    /// <inheritdoc cref="WithinAsync(Task, string)"/>
    public static Task WithinAsync(this ValueTask task, string what) => task.AsTask().WithinAsync(what);

    private static string Message(string what) =>
        $"{what} did not finish within {Patience.TotalSeconds:0} s: something it waits for never came (for instance a " +
        "recording left counted as in flight, which holds its session's completion and disposal, and the writer's disposal, for ever).";
}
