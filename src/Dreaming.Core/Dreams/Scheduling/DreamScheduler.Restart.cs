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
        if (run is not { StartedAt: { } started } || started < occurrence || !DidNotEnd(run))
        {
            return null;
        }

        // An earlier dream since the occurrence was killed too: this one made it up (or retried it by hand) and died the
        // same way. The dream may be what stops the host (out of memory), so it is made up once, not after every restart.
        if (latest.FirstOrDefault(r => r.Id != run.Id && r.StartedAt >= occurrence && DidNotEnd(r)) is { } earlier)
        {
            LogKilledDreamNotMadeUpAgain(_logger, schedule.Scope.Key, schedule.Cron, run.Id, earlier.Id);
            return null;
        }

        return run;
    }

    // Running (its lease held by a dead process, or a replica's) or failed as abandoned.
    private static bool DidNotEnd(DreamRun run) =>
        run is { Status: DreamRunStatus.Running } or { Status: DreamRunStatus.Failed, Error: DreamRunStoreRules.AbandonedError };

    // Whether the killed dream a schedule found is still to be made up: not once it ended other than abandoned, nor once the
    // scope has completed a dream that started at or after it (a replica's that was running at the restart, or the run
    // itself completed on recovery).
    // While its lease is held the dream is due but skipped as already running, and asked again at the next poll.
    private async Task<(bool Due, string Reason)> KilledDueAsync(int index, CancellationToken cancellationToken)
    {
        var killed = _killed[index]!;

        // Ended since by its process or a person (a replica's dream that was running at the restart, then canceled, or
        // failed with an error of its own): it was not killed, and a schedule retries no dream before its next occurrence.
        if (await _runs.GetAsync(killed.Id, cancellationToken).ConfigureAwait(false) is not { } current || !DidNotEnd(current) && current.Status != DreamRunStatus.Completed)
        {
            _killed[index] = null;
            return (false, string.Empty);
        }

        var last = await _runs.GetLastCompletedAsync(_schedules[index].Scope, cancellationToken).ConfigureAwait(false);
        if (last is { StartedAt: { } started } && started >= killed.StartedAt)
        {
            _killed[index] = null;
            return (false, string.Empty);
        }

        return (true, $"cron {_schedules[index].Cron}, making up run {killed.Id}, which did not end (its host stopped?)");
    }

    [LoggerMessage(EventId = 97, Level = LogLevel.Warning, Message = "Scheduled dream for {Scope} (cron {Cron}): run {RunId} did not end (its host stopped?), and neither did run {EarlierRunId} before it since the last occurrence; it is not made up again (the dream may be what stops the host), the next dream is at the next occurrence.")]
    private static partial void LogKilledDreamNotMadeUpAgain(ILogger logger, string scope, string? cron, string runId, string earlierRunId);

    [LoggerMessage(EventId = 92, Level = LogLevel.Warning, Message = "Scheduled dream for {Scope} (cron {Cron}): run {RunId}, started at {StartedAt:O} for the last occurrence, did not end (its host stopped?); it is made up once the scope is free.")]
    private static partial void LogKilledDreamFound(ILogger logger, string scope, string? cron, string runId, DateTimeOffset? startedAt);
}
