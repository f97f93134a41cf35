using Cronos;
using Microsoft.Extensions.Logging;

namespace Dreaming;

// A cron schedule's dream that was killed with its host (a redeploy, out of memory) and is made up after the restart.
public sealed partial class DreamScheduler
{
    // Per schedule: whether its first check has looked for a killed dream, and the run it found, made up once the scope is
    // free. Written only by the check, one at a time.
    private readonly bool[] _lookedForKilled;
    private readonly DreamRun?[] _killed;

    // At a cron schedule's first check: the scope's latest dream that started (refused requests never do) at or after the
    // schedule's last occurrence and did not end, because it is still running (its lease held by a dead process, or by a
    // replica dreaming) or was failed as abandoned. A restart does not replay occurrences the host was down for, but this
    // one was dreamt and lost: without it the scope would wait for the next occurrence, the next night, with the dead run
    // listed running until then.
    private async Task<DreamRun?> FindKilledAsync(DreamSchedule schedule, CronExpression cron, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (cron.GetPreviousOccurrence(now, schedule.TimeZone, inclusive: true) is not { } occurrence)
        {
            return null;
        }

        var latest = await _runs.ListAsync(schedule.Scope, RunningLookBack, cancellationToken).ConfigureAwait(false);
        var run = latest.FirstOrDefault(static r => r.StartedAt is not null);
        return run is { StartedAt: { } started } && started >= occurrence
            && run is { Status: DreamRunStatus.Running } or { Status: DreamRunStatus.Failed, Error: DreamRunStoreRules.AbandonedError }
            ? run
            : null;
    }

    // Whether the killed dream a schedule found is still to be made up: not once the scope has completed a dream that
    // started at or after it (a replica's that was running at the restart, or the run itself completed on recovery).
    // While its lease is held the dream is due but skipped as already running, and asked again at the next poll.
    private async Task<(bool Due, string Reason)> KilledDueAsync(int index, CancellationToken cancellationToken)
    {
        var killed = _killed[index]!;
        var last = await _runs.GetLastCompletedAsync(_schedules[index].Scope, cancellationToken).ConfigureAwait(false);
        if (last is { StartedAt: { } started } && started >= killed.StartedAt)
        {
            _killed[index] = null;
            return (false, string.Empty);
        }

        return (true, $"cron {_schedules[index].Cron}, making up run {killed.Id}, which did not end (its host stopped?)");
    }

    [LoggerMessage(EventId = 92, Level = LogLevel.Warning, Message = "Scheduled dream for {Scope} (cron {Cron}): run {RunId}, started at {StartedAt:O} for the last occurrence, did not end (its host stopped?); it is made up once the scope is free.")]
    private static partial void LogKilledDreamFound(ILogger logger, string scope, string? cron, string runId, DateTimeOffset? startedAt);
}
