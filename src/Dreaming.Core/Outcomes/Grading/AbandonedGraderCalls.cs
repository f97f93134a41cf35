namespace Dreaming;

/// <summary>Where a grader call that its caller's cancellation abandoned while it still runs (a grader client, or a custom
/// <see cref="IRubricEvaluator"/>, that ignores its token) is reported: an orchestration item with a rubric sets it around
/// its outcome loop, so that the call is held against the run's <see cref="OrchestrationPlan.MaxConcurrency"/> as an
/// abandoned agent call is.</summary>
/// <remarks>Ambient (an <see cref="AsyncLocal{T}"/>), as <see cref="LibraryModelCall"/> is, because the grader is called
/// behind public interfaces (<see cref="IOutcomeRunner"/>, <see cref="IRubricEvaluator"/>) that cannot carry it. It is set
/// only by items with a rubric, inside their own async method (so it is gone once the item's attempt returns), and read
/// only on the abandonment path: nothing is added to a call that completes.</remarks>
internal static class AbandonedGraderCalls
{
    private static readonly AsyncLocal<Action<Task>?> s_sink = new();

    /// <summary>Sets where the current flow reports an abandoned grader call; set it inside the async method whose flow
    /// it is for, so that it is restored when that method returns.</summary>
    /// <param name="sink">Takes the call still running.</param>
    public static void Enter(Action<Task> sink) => s_sink.Value = sink;

    /// <summary>Reports <paramref name="call"/>, which its caller stopped waiting for on a cancellation, when it still runs
    /// and the current flow has somewhere to report it. Only on the cancellation path.</summary>
    /// <param name="call">The grader call, or the evaluation, left running.</param>
    public static void Report(Task call)
    {
        if (!call.IsCompleted && s_sink.Value is { } sink)
        {
            sink(call);
        }
    }
}
