namespace Dreaming;

/// <summary>The scheduler's health, for <see cref="DreamingHealthCheck"/>: which schedules are failing, as of its last check.</summary>
public sealed partial class DreamScheduler
{
    private volatile DreamSchedulerCheck? _lastCheck;

    /// <summary>Gets how the schedules stood at the last check, or <see langword="null"/> before the first; read from any thread.</summary>
    internal DreamSchedulerCheck? LastCheck => _lastCheck;

    // A schedule's check that failed (reading the run or trace store) stands until one of its checks goes through; a dream
    // that failed (threw, or ended failed) until its next dream completes, so a nightly dream that failed at 03:00 is not
    // healthy again at 03:01 because the schedule is no longer due. Written only by the check, one at a time.
    private void ScheduleFailed(int index, DateTimeOffset at, Exception error, bool ofDream)
    {
        if (ofDream || _failures[index] is not { OfDream: true })
        {
            _failures[index] = new ScheduleFailure(at, error.GetType().FullName ?? error.GetType().Name, error.Message, ofDream);
        }
    }

    private void ScheduleChecked(int index)
    {
        if (_failures[index] is { OfDream: false })
        {
            _failures[index] = null;
        }
    }

    private void DreamEnded(int index, DateTimeOffset at, DreamRun run)
    {
        if (run.Status == DreamRunStatus.Failed)
        {
            _failures[index] = new ScheduleFailure(at, $"dream run {run.Id} failed", run.Error ?? "no error was recorded", OfDream: true);
        }
        else if (run.Status == DreamRunStatus.Completed)
        {
            _failures[index] = null;
        }
    }

    private void RecordCheck(DateTimeOffset at)
    {
        List<string>? scopes = null;
        ScheduleFailure? last = null;
        for (var i = 0; i < _failures.Length; i++)
        {
            if (_failures[i] is not { } failure)
            {
                continue;
            }

            scopes ??= [];
            if (!scopes.Contains(_schedules[i].Scope.Key, StringComparer.Ordinal))
            {
                scopes.Add(_schedules[i].Scope.Key);
            }

            if (last is null || failure.At >= last.At)
            {
                last = failure;
            }
        }

        _lastCheck = new DreamSchedulerCheck(at, scopes is null ? [] : scopes, last is null ? null : (last.Type, last.Message), last?.At);
    }

    private void RecordCheckFailed(DateTimeOffset at, Exception error) =>
        _lastCheck = new DreamSchedulerCheck(at, [], (error.GetType().FullName ?? error.GetType().Name, error.Message), at);

    private sealed record ScheduleFailure(DateTimeOffset At, string Type, string Message, bool OfDream);
}

/// <summary>The schedules at one check: when, the scopes whose schedule is failing (its last check failed, or its last
/// dream failed and none has completed since; empty when none is, or when the whole check failed), and the latest
/// failure's type (an exception's, or <c>dream run ID failed</c>), message (unredacted: shown only through the trace
/// content filter) and time, or <see langword="null"/> when nothing is failing.</summary>
internal sealed record DreamSchedulerCheck(DateTimeOffset At, IReadOnlyList<string> FailedScopes, (string Type, string Message)? Error, DateTimeOffset? FailedAt);
