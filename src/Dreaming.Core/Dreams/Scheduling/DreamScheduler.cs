using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dreaming;

/// <summary>A hosted service that starts dreams on their schedules: at each cron occurrence, and when enough new finished
/// sessions have arrived since the last dream.</summary>
/// <remarks>
/// It checks every <see cref="PollInterval"/>. A due dream whose scope is already dreaming (another process holds the
/// lease) is skipped with a log line, never run twice, and without asking for a run when the scope's running run is among
/// its 20 latest (so no canceled run is recorded at each poll while another instance dreams); so is a cron occurrence whose scope's last completed dream
/// started at or after it (another instance of the app with the same schedule on the same store dreamt it first, or a
/// dream was started by hand; not a dream this scheduler's other schedule of the scope, due at the same time, started). A dream or a check that fails is logged and the schedule goes on,
/// even when the failure is an <see cref="OperationCanceledException"/> of a store or model that timed out: only the
/// host's stop ends the loop. Each schedule is checked on its own, so one that keeps failing does not hold back the others.
/// A cron occurrence missed while the host was down is not made up after its restart, unless its dream was killed with the
/// host: the scope's latest dream, started at or after the schedule's last occurrence, still running or failed as abandoned
/// at the schedule's first check, is dreamt again once the scope is free (its lease expired), once: not when it ends
/// canceled or failed by its process meanwhile, nor when an earlier dream since the occurrence did not end either (the
/// dream may be what stops the host); occurrences missed while the host
/// kept running (suspended, or its clock stepped forward) give one dream at the next check. A clock set back fires no
/// occurrence twice, nor the first one after it that this schedule's last dream started after (one night at most). Daylight saving time is the time zone's, as Cronos
/// reads it: a time the clocks skip fires once at the end of the gap, a time that happens twice fires once, at the first.
/// <para>A count schedule (<see cref="DreamSchedule.AfterNewSessions"/>) reads the sessions of its scope's window once (its
/// first poll, after a dream of the scope completes, after a restart, and to confirm a count that reached the threshold),
/// taking the store's change horizon first (<see cref="ITraceStore.GetSessionChangeHorizonAsync"/>); each later poll reads
/// only the sessions changed after the horizon it took (<see cref="SessionQuery.ChangedAfter"/>: ended, graded or
/// imported since) and keeps the ids it counted. A store that gives no horizon is read in full at every poll. A horizon
/// lower than the one taken (a store restored from an older backup) makes the next poll read in full; a restore followed,
/// before that poll, by changes that take the counter past the horizon taken is not seen, and the changes numbered in
/// between are counted only at the next full read: restart the hosts after restoring a trace store.</para>
/// </remarks>
public sealed partial class DreamScheduler : BackgroundService
{
    // How many of a scope's latest runs are looked through for one that is running before a due dream is asked for.
    private const int RunningLookBack = 20;

    private readonly List<DreamSchedule> _schedules;
    private readonly IDreamConsolidator _dreams;
    private readonly IDreamRunStore _runs;
    private readonly ITraceStore _traces;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly DateTimeOffset?[] _nextCron;
    private readonly DateTimeOffset[] _cronFrom;
    private readonly DateTimeOffset?[] _cronFired;

    // The id of the last run each schedule of this instance started: such a run is no reason for another schedule of
    // the scope due at the same time to skip its occurrence.
    private readonly string?[] _startedRuns;

    // The run of _startedRuns that has already excused an occurrence after a clock was set back: it excuses no other, so a
    // clock set back by days skips one night at most instead of every night until it catches up with that run's start
    // (the store still lists it as the scope's last completed run then, and it is not taken for another instance's).
    private readonly string?[] _excusedBy;
    private readonly ScheduleFailure?[] _failures;
    // Each scope's read history with the id of the scope's last completed run when it was loaded (GetLastCompletedAsync:
    // the run that completed last, which need not be the newest completed run of the list the history is made from).
    private readonly Dictionary<MemoryScope, (string LastCompletedId, DreamReadHistory History)> _histories = [];
    private TimeSpan _pollInterval = TimeSpan.FromMinutes(1);

    /// <summary>Initializes a new instance.</summary>
    /// <param name="schedules">The schedules.</param>
    /// <param name="dreams">Runs the dreams.</param>
    /// <param name="runs">Tells when each scope last dreamt.</param>
    /// <param name="traces">Counts the new sessions.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">The logger.</param>
    public DreamScheduler(IEnumerable<DreamSchedule> schedules, IDreamConsolidator dreams, IDreamRunStore runs, ITraceStore traces, TimeProvider? timeProvider = null, ILogger<DreamScheduler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        _schedules = schedules.ToList();
        _nextCron = new DateTimeOffset?[_schedules.Count];
        _cronFrom = new DateTimeOffset[_schedules.Count];
        _cronFired = new DateTimeOffset?[_schedules.Count];
        _startedRuns = new string?[_schedules.Count];
        _excusedBy = new string?[_schedules.Count];
        _failures = new ScheduleFailure?[_schedules.Count];
        _lookedForKilled = new bool[_schedules.Count];
        _killed = new DreamRun?[_schedules.Count];
        _feeds = new CountFeed?[_schedules.Count];
        foreach (var schedule in _schedules)
        {
            schedule.Validate();
        }

        _dreams = dreams ?? throw new ArgumentNullException(nameof(dreams));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _traces = traces ?? throw new ArgumentNullException(nameof(traces));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets or sets how often the schedules are checked.</summary>
    /// <value>The default is one minute; more than zero and at most 49.17:02:47.2940000 (the longest a timer waits). The
    /// scheduler <c>AddDreamSchedule</c> registers takes it from <see cref="DreamSchedulerOptions.PollInterval"/> (set with
    /// <c>Configure</c> or bound from configuration, checked when the host starts); set here, before the host starts, it
    /// replaces that value.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative, or longer than a timer waits.</exception>
    public TimeSpan PollInterval
    {
        get => _pollInterval;
        set
        {
            if (value <= TimeSpan.Zero || value > TimerLimits.LongestWait)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, string.Create(CultureInfo.InvariantCulture, $"DreamScheduler.PollInterval is {value}; it must be more than zero and at most {TimerLimits.LongestWait}."));
            }

            _pollInterval = value;
        }
    }

    /// <summary>Checks every schedule once and runs the dreams that are due, one after another.</summary>
    /// <param name="cancellationToken">Stops the check and any dream it started.</param>
    /// <returns>The runs started.</returns>
    /// <remarks>A schedule whose check or dream throws (a store or model that fails or times out, even with an
    /// <see cref="OperationCanceledException"/> of its own) is logged and skipped until the next check, and the schedules
    /// after it are still checked; only <paramref name="cancellationToken"/> ends the check early.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<IReadOnlyList<DreamRun>> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var started = new List<DreamRun>();
        var now = _timeProvider.GetUtcNow();
        for (var i = 0; i < _schedules.Count; i++)
        {
            var schedule = _schedules[i];
            var dreaming = false;
            try
            {
                var (due, reason) = await IsDueAsync(i, now, cancellationToken).ConfigureAwait(false);
                ScheduleChecked(i);
                if (!due)
                {
                    continue;
                }

                // A dream of the scope that holds its lease (in another instance, or started by hand) would refuse this
                // one; asking anyway would record a canceled run (and raise dream.canceled) at every poll while it runs.
                if (await FindRunningAsync(schedule.Scope, cancellationToken).ConfigureAwait(false) is { } running)
                {
                    LogAlreadyRunning(_logger, schedule.Scope.Key, running.Id, running.LeaseHolder, running.LeaseExpiresAt);
                    continue;
                }

                var request = (schedule.Request ?? new DreamRunRequest { Scope = schedule.Scope }) with { Scope = schedule.Scope };
                dreaming = true;
                _killed[i] = null;
                var run = await _dreams.DreamAsync(request, cancellationToken).ConfigureAwait(false);
                _startedRuns[i] = run.Id;
                DreamEnded(i, _timeProvider.GetUtcNow(), run);
                LogDreamStarted(_logger, schedule.Scope.Key, reason, run.Id);
                if (run.Results.BudgetReached)
                {
                    LogBudgetReached(_logger, schedule.Scope.Key, run.Id, run.Results.Note);
                }

                started.Add(run);
            }
            catch (DreamConflictException ex)
            {
                LogSkipped(_logger, schedule.Scope.Key, ex.Message);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
            {
                // One schedule's failure (a store or model timing out on a busy scope) must not hold back the schedules
                // after it, poll after poll: it is logged and checked again at the next poll.
                LogScheduleFailed(_logger, schedule.Scope.Key, ex);
                ScheduleFailed(i, _timeProvider.GetUtcNow(), ex, dreaming);
            }
        }

        RecordCheck(now);
        return started;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && HostedServiceStop.IsStop(ex, stoppingToken))
            {
                // A store disposed under the check: a host whose ShutdownTimeout was used up stops waiting for this loop
                // and disposes the provider. That is the stop, not a failure.
                HostedServiceStop.Log(_logger, nameof(DreamScheduler), ex);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
            {
                // Only the host's stop ends the loop: a store or model that timed out (a TaskCanceledException of its own)
                // is a failed check like any other, or it would end the schedule and, by default, stop the host.
                LogCheckFailed(_logger, ex);
                RecordCheckFailed(_timeProvider.GetUtcNow(), ex);
            }

            await Task.Delay(PollInterval, _timeProvider, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task<(bool Due, string Reason)> IsDueAsync(int index, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var schedule = _schedules[index];
        if (schedule.Expression() is { } cron)
        {
            if (!_lookedForKilled[index])
            {
                _killed[index] = await FindKilledAsync(schedule, cron, now, cancellationToken).ConfigureAwait(false);
                _lookedForKilled[index] = true;
                if (_killed[index] is { } found)
                {
                    LogKilledDreamFound(_logger, schedule.Scope.Key, schedule.Cron, found.Id, found.StartedAt);
                }
            }

            if (_killed[index] is not null && await KilledDueAsync(index, cancellationToken).ConfigureAwait(false) is { Due: true } makeUp)
            {
                return makeUp;
            }

            // Each schedule keeps its own next occurrence, so two schedules of one scope both fire. The first is the first
            // occurrence after the scheduler starts; a restart does not replay missed ones.
            // A clock set back before the time the next occurrence was reckoned from (it ran fast) reckons it again, so
            // the schedule is not held until the clock catches up; an occurrence that already fired does not fire again.
            if (_nextCron[index] is null || now < _cronFrom[index])
            {
                var next = cron.GetNextOccurrence(now, schedule.TimeZone);
                if (next is { } n && n == _cronFired[index])
                {
                    next = cron.GetNextOccurrence(n, schedule.TimeZone);
                }

                _nextCron[index] = next ?? DateTimeOffset.MaxValue;
                _cronFrom[index] = now;
            }

            if (now >= _nextCron[index])
            {
                var occurrence = _nextCron[index]!.Value;
                _cronFired[index] = occurrence;
                _nextCron[index] = cron.GetNextOccurrence(now, schedule.TimeZone) ?? DateTimeOffset.MaxValue;
                _cronFrom[index] = now;

                // Another instance with the same schedule on the same store (a replica) whose poll came first has dreamt
                // this occurrence already: a second dream would only read what arrived since, so the occurrence is
                // skipped. A dream of that instance that failed or was refused is no reason to skip, nor is one this
                // instance's other schedule of the scope due at the same time started (a daily and a weekly at 03:00).
                // So is this schedule's own dream, started at or after the occurrence by a clock since set back (by more
                // than a day: a smaller step is caught above): the night was dreamt, an hour ago in real time. It excuses
                // that one occurrence only: the nights after it are real ones, however far the clock went back.
                var last = await _runs.GetLastCompletedAsync(schedule.Scope, cancellationToken).ConfigureAwait(false);
                if (last is { StartedAt: { } lastStarted } && lastStarted >= occurrence && last.Id == _startedRuns[index] && last.Id != _excusedBy[index])
                {
                    _excusedBy[index] = last.Id;
                    DreamEnded(index, now, last);
                    LogOccurrenceDreamtBeforeClockSetBack(_logger, schedule.Scope.Key, schedule.Cron, occurrence, last.Id, lastStarted);
                }
                else if (last is { StartedAt: { } otherStarted } && otherStarted >= occurrence && Array.IndexOf(_startedRuns, last.Id) < 0 && Array.IndexOf(_excusedBy, last.Id) < 0)
                {
                    DreamEnded(index, now, last);
                    LogOccurrenceDreamt(_logger, schedule.Scope.Key, schedule.Cron, occurrence, last.Id, otherStarted);
                }
                else
                {
                    return (true, "cron " + schedule.Cron);
                }
            }
        }

        if (schedule.AfterNewSessions is { } threshold)
        {
            var last = await _runs.GetLastCompletedAsync(schedule.Scope, cancellationToken).ConfigureAwait(false);
            var history = last is null ? null : await HistoryAsync(schedule.Scope, last.Id, cancellationToken).ConfigureAwait(false);
            var fresh = await CountNewSessionsAsync(index, last, history, threshold, cancellationToken).ConfigureAwait(false);
            if (fresh >= threshold)
            {
                return (true, $"at least {fresh} new sessions");
            }
        }

        return (false, string.Empty);
    }

    // The scope's running run with a lease not yet expired, among its latest runs (at most one runs at a time; one further
    // back, behind many newer requests, is still found by the start's own check, which refuses the dream). The lease is
    // compared with the time now, not the poll's start: the schedules before this one may have dreamt for a long while.
    private async Task<DreamRun?> FindRunningAsync(MemoryScope scope, CancellationToken cancellationToken)
    {
        var latest = await _runs.ListAsync(scope, RunningLookBack, cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        return latest.FirstOrDefault(r => r.Status == DreamRunStatus.Running && r.LeaseExpiresAt > now);
    }

    // The sessions earlier dreams read change only when a dream completes: the history is kept until the scope's last
    // completed run changes, so a poll does not list the scope's runs each time. It is keyed by the run the store gave as
    // the last completed one when it was loaded, not by the newest completed run of the list: a run requested earlier
    // that completed later (two hosts, a slow dream, a dream started by hand) is the one but not the other, and comparing
    // the two had every poll list a thousand runs again.
    private async Task<DreamReadHistory> HistoryAsync(MemoryScope scope, string lastRunId, CancellationToken cancellationToken)
    {
        lock (_histories)
        {
            if (_histories.TryGetValue(scope, out var cached) && cached.LastCompletedId == lastRunId)
            {
                return cached.History;
            }
        }

        var history = await DreamReadHistory.LoadAsync(_runs, scope, cancellationToken).ConfigureAwait(false);
        lock (_histories)
        {
            _histories[scope] = (lastRunId, history);
        }

        return history;
    }

    [LoggerMessage(EventId = 63, Level = LogLevel.Information, Message = "Scheduled dream for {Scope} ({Reason}): run {RunId}.")]
    private static partial void LogDreamStarted(ILogger logger, string scope, string reason, string runId);

    [LoggerMessage(EventId = 64, Level = LogLevel.Information, Message = "Scheduled dream for {Scope} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string scope, string reason);

    [LoggerMessage(EventId = 68, Level = LogLevel.Information, Message = "Scheduled dream for {Scope} (cron {Cron}) skipped: run {RunId} already dreamt since the occurrence at {Occurrence:O} (it started at {StartedAt:O}, in another instance of the app on the same store or by hand).")]
    private static partial void LogOccurrenceDreamt(ILogger logger, string scope, string? cron, DateTimeOffset occurrence, string runId, DateTimeOffset startedAt);

    [LoggerMessage(EventId = 91, Level = LogLevel.Warning, Message = "Scheduled dream for {Scope} (cron {Cron}) skipped: this schedule's run {RunId} started at {StartedAt:O}, at or after the occurrence at {Occurrence:O}; the clock was set back since.")]
    private static partial void LogOccurrenceDreamtBeforeClockSetBack(ILogger logger, string scope, string? cron, DateTimeOffset occurrence, string runId, DateTimeOffset startedAt);

    [LoggerMessage(EventId = 69, Level = LogLevel.Information, Message = "Scheduled dream for {Scope} skipped: run {RunId} of the scope is already running (lease held by '{LeaseHolder}' until {LeaseExpiresAt:O}); no run is recorded for this one.")]
    private static partial void LogAlreadyRunning(ILogger logger, string scope, string runId, string? leaseHolder, DateTimeOffset? leaseExpiresAt);

    [LoggerMessage(EventId = 66, Level = LogLevel.Warning, Message = "Scheduled dream for {Scope} stopped at its token budget: run {RunId}, {Note}")]
    private static partial void LogBudgetReached(ILogger logger, string scope, string runId, string? note);

    [LoggerMessage(EventId = 67, Level = LogLevel.Error, Message = "Checking the dream schedule of {Scope} failed; it is checked again at the next interval, and the other schedules go on.")]
    private static partial void LogScheduleFailed(ILogger logger, string scope, Exception exception);

    [LoggerMessage(EventId = 65, Level = LogLevel.Error, Message = "Checking the dream schedules failed; they are checked again at the next interval.")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
