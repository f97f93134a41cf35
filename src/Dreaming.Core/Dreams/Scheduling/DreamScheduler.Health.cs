namespace Dreaming;

/// <summary>The scheduler's health, for <see cref="DreamingHealthCheck"/>: how its last check of the schedules went.</summary>
public sealed partial class DreamScheduler
{
    private volatile DreamSchedulerCheck? _lastCheck;

    /// <summary>Gets how the last check of the schedules went, or <see langword="null"/> before the first; read from any thread.</summary>
    internal DreamSchedulerCheck? LastCheck => _lastCheck;

    private void RecordCheck(DateTimeOffset at, List<string>? failedScopes, Exception? error) =>
        _lastCheck = new DreamSchedulerCheck(at, failedScopes is null ? [] : [.. failedScopes], error is null ? null : (error.GetType().FullName ?? error.GetType().Name, error.Message));
}

/// <summary>One check of the schedules: when, the scopes whose check or dream failed (empty when every one went through,
/// or when the whole check failed), and the last failure's exception type and message (unredacted: shown only through the
/// trace content filter), or <see langword="null"/> when nothing failed.</summary>
internal sealed record DreamSchedulerCheck(DateTimeOffset At, IReadOnlyList<string> FailedScopes, (string Type, string Message)? Error);
