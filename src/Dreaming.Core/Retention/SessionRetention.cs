using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dreaming;

/// <summary>A hosted service that purges old sessions from the trace store at an interval, keeping those no dream has read
/// yet; <c>AddSessionRetention</c> adds it.</summary>
/// <remarks>
/// <para>Each run (at the host's start, then every <see cref="SessionRetentionOptions.Interval"/> by the host's
/// <see cref="TimeProvider"/>) first ends as abandoned the sessions running for longer than
/// <see cref="SessionRetentionOptions.AbandonRunningAfter"/>, when set (a crashed orchestration run among them gets its
/// <c>orchestration.failed</c> event, which the host's <see cref="IOrchestrationObserver"/>s hear, webhooks included, when
/// the job comes from <c>AddSessionRetention</c>), then purges the ended sessions that started more
/// than <see cref="SessionRetentionOptions.MaxAge"/> ago, with their events. With
/// <see cref="SessionRetentionOptions.KeepUnreadSessions"/> the cut-off stops at the oldest session a dream of the
/// scopes it looks at would still read, and goes back at least as far as the longest <see cref="DreamRunRequest.Lookback"/>
/// of the host's dream schedules.</para>
/// <para>A run that fails (the store cannot be reached) is logged, makes <see cref="DreamingHealthCheck"/> degraded until a
/// run goes through, and is tried again at the next interval; so do crashed orchestration runs a pass leaves running
/// because their <c>orchestration.failed</c> webhook could not be written to the outbox, until a pass ends them. Only the host's
/// stop ends the loop, and a purge it stops keeps what the store had not yet deleted. Memory, insights and dream runs are
/// never purged: an insight's evidence and a run's session ids may then name sessions that are gone.</para>
/// </remarks>
public sealed partial class SessionRetention : BackgroundService
{
    private readonly SessionRetentionOptions _options;
    private readonly ITraceStore _traces;
    private readonly IDreamRunStore? _runs;
    private readonly IReadOnlyList<MemoryScope> _scopes;
    private readonly TimeSpan _keepFor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private volatile SessionRetentionCheck? _lastRun;
    private volatile SessionRetentionLeftRunning? _leftRunning;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The settings; see <see cref="SessionRetentionOptions"/>.</param>
    /// <param name="traces">The store to purge.</param>
    /// <param name="runs">Tells where each scope's dreams stopped reading; <see langword="null"/> when there is no dream run
    /// store (every graded session of a scope looked at is then unread).</param>
    /// <param name="schedules">The host's dream schedules, whose scopes' unread sessions are kept.</param>
    /// <param name="timeProvider">The clock; the system clock when omitted.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="traces"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public SessionRetention(SessionRetentionOptions options, ITraceStore traces, IDreamRunStore? runs = null, IEnumerable<DreamSchedule>? schedules = null, TimeProvider? timeProvider = null, ILogger<SessionRetention>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (new SessionRetentionOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            throw new ArgumentException(invalid.FailureMessage, nameof(options));
        }

        _options = options;
        _traces = traces ?? throw new ArgumentNullException(nameof(traces));
        _runs = runs;
        var scheduled = options.KeepUnreadSessions ? (schedules ?? []).ToList() : [];
        _scopes = options.KeepUnreadSessions ? [.. scheduled.Select(static s => s.Scope).Concat(options.DreamScopes).Distinct()] : [];

        // A scheduled dream with a lookback mines again the sessions that started within it: they are kept that long.
        _keepFor = scheduled.Select(static s => s.Request?.Lookback ?? TimeSpan.Zero).Append(options.MaxAge).Max();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Runs the job once: abandons the sessions running too long (when configured), then purges the old ended ones
    /// that no dream still has to read.</summary>
    /// <param name="cancellationToken">Stops the run; what the store already deleted stays deleted.</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<SessionRetentionResult> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await RunCoreAsync(cancellationToken).ConfigureAwait(false);
            _lastRun = new SessionRetentionCheck(_timeProvider.GetUtcNow(), null, null);
            return result;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A failure stands (for DreamingHealthCheck) until a run goes through; the first failure's time is kept.
            var at = _timeProvider.GetUtcNow();
            _lastRun = new SessionRetentionCheck(at, (ex.GetType().FullName ?? ex.GetType().Name, ex.Message), _lastRun?.FailedAt ?? at);
            throw;
        }
    }

    private async Task<SessionRetentionResult> RunCoreAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var abandoned = 0;
        if (_options.AbandonRunningAfter is { } runningAfter)
        {
            IReadOnlyList<string> ended;
            SessionRetentionLeftRunning? leftRunning = null;
            try
            {
                ended = await _traces.AbandonRunningSessionsAsync(now - runningAfter, OrchestrationObservers.Select(o => o is IIdempotentOrchestrationObserver ? new LoggedIdempotentObserver(o, _logger) : (IOrchestrationObserver)new LoggedObserver(o, _logger)), _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (AbandonRunningSessionsException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Only an idempotent observer's failure gets here, logged already (event 100): its crashed runs stay
                // running, so that the next pass tells it again; the purge goes on.
                ended = ex.AbandonedSessionIds;
                if (ex.LeftRunningSessionIds.Count > 0)
                {
                    var cause = ex.InnerExceptions.Count > 0 ? ex.InnerExceptions[0] : ex;
                    leftRunning = new SessionRetentionLeftRunning(now, ex.LeftRunningSessionIds, (cause.GetType().FullName ?? cause.GetType().Name, cause.Message));
                    LogLeftRunning(_logger, ex.LeftRunningSessionIds.Count, IdList.Named(ex.LeftRunningSessionIds, IdList.Shown));
                }
            }

            // What this pass left running replaces what the last one did (for DreamingHealthCheck): none, once a pass ends them.
            _leftRunning = leftRunning;

            abandoned = ended.Count;
            if (abandoned > 0)
            {
                LogAbandoned(_logger, abandoned, runningAfter);
            }
        }

        var (cutOff, heldBy, heldFor) = await FindCutOffAsync(now, cancellationToken).ConfigureAwait(false);
        if (heldBy is not null)
        {
            LogHeld(_logger, heldBy, heldFor!.Key, cutOff, _options.MaxAge);
        }

        var purged = await _traces.PurgeAsync(cutOff, cancellationToken).ConfigureAwait(false);
        if (purged > 0)
        {
            DreamingTelemetry.SessionsPurged.Add(purged);
            LogPurged(_logger, purged, cutOff);
        }

        return new SessionRetentionResult(cutOff, purged, abandoned, heldBy, heldFor);
    }

    /// <summary>Tells what <see cref="RunOnceAsync"/> would purge now, without changing anything: the cut-off (held back by
    /// the oldest unread session, with <see cref="SessionRetentionOptions.KeepUnreadSessions"/>) and how many ended sessions
    /// started before it.</summary>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The cut-off and the count in <see cref="SessionRetentionResult.Purged"/>; <see cref="SessionRetentionResult.Abandoned"/>
    /// is 0 (sessions that <see cref="SessionRetentionOptions.AbandonRunningAfter"/> would end first are counted as running, so kept).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<SessionRetentionResult> PreviewAsync(CancellationToken cancellationToken = default)
    {
        var (cutOff, heldBy, heldFor) = await FindCutOffAsync(_timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var count = 0;
        var query = new SessionQuery { StartedBefore = cutOff, PageSize = SessionQuery.MaxPageSize };
        while (true)
        {
            var page = await _traces.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            count += page.Items.Count(static s => s.Status != SessionStatus.Running);
            if (page.NextCursor is null)
            {
                return new SessionRetentionResult(cutOff, count, 0, heldBy, heldFor);
            }

            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && HostedServiceStop.IsStop(ex, stoppingToken))
            {
                // The store disposed under the run: a host whose ShutdownTimeout was used up stops waiting for this loop
                // and disposes the provider. That is the stop, not a failure.
                HostedServiceStop.Log(_logger, nameof(SessionRetention), ex);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
            {
                // A store that fails or times out (even with an OperationCanceledException of its own) is tried again at
                // the next interval: only the host's stop ends the loop.
                LogFailed(_logger, ex);
            }

            await Task.Delay(_options.Interval, _timeProvider, stoppingToken).ConfigureAwait(false);
        }
    }

    // The maximum age's cut-off (or the longest lookback of a scheduled dream, when longer), held back to the start of the
    // oldest session a scope looked at has not read yet.
    private async Task<(DateTimeOffset CutOff, string? HeldBy, MemoryScope? HeldFor)> FindCutOffAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutOff = now - _keepFor;
        string? heldBy = null;
        MemoryScope? heldFor = null;
        foreach (var scope in _scopes)
        {
            if (await OldestUnreadAsync(scope, cutOff, cancellationToken).ConfigureAwait(false) is { } unread)
            {
                // It and everything that started after it are kept: the cut-off is exclusive.
                cutOff = unread.StartedAt;
                heldBy = unread.Id;
                heldFor = scope;
            }
        }

        return (cutOff, heldBy, heldFor);
    }

    // The oldest session of the scope, started before the cut-off, that the scope's next dreams would read: finished with
    // an outcome that passed or failed, after the cursor of its last completed dream or unread behind it.
    private async Task<SessionRecord?> OldestUnreadAsync(MemoryScope scope, DateTimeOffset startedBefore, CancellationToken cancellationToken)
    {
        var last = _runs is null ? null : await _runs.GetLastCompletedAsync(scope, cancellationToken).ConfigureAwait(false);
        var history = last is null ? null : await DreamReadHistory.LoadAsync(_runs!, scope, cancellationToken).ConfigureAwait(false);
        var query = new SessionQuery
        {
            StartedBefore = startedBefore,
            AgentId = scope.Kind == MemoryScopeKind.Agent ? scope.Id : null,
            Scope = scope.Kind == MemoryScopeKind.Team ? scope.Id : null,
            Order = SessionOrder.OldestFirst,
            PageSize = SessionQuery.MaxPageSize,
        };
        while (true)
        {
            var page = await _traces.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                if (DreamSessionSelector.IsInScope(session, scope) && DreamSessionSelector.IsCandidate(session, last?.Results.Cursor, history))
                {
                    return session;
                }
            }

            if (page.NextCursor is null)
            {
                return null;
            }

            query = query with { Cursor = page.NextCursor };
        }
    }

    /// <summary>Gets the observers told of the <c>orchestration.failed</c> event (status <c>abandoned</c>) written into each
    /// crashed run this job ends: the host's registered <see cref="IOrchestrationObserver"/>s (<c>AddSessionRetention</c> sets
    /// them), so that with <c>AddWebhooks</c> the <c>orchestration.failed</c> webhook goes out; none by default.</summary>
    internal IReadOnlyList<IOrchestrationObserver> OrchestrationObservers { get; init; } = [];

    /// <summary>Gets how the last run ended, or <see langword="null"/> before the first (a canceled run leaves it as it
    /// was); read from any thread, by <see cref="DreamingHealthCheck"/>.</summary>
    internal SessionRetentionCheck? LastRun => _lastRun;

    /// <summary>Gets the crashed orchestration runs the last pass that reached the recovery of running sessions left
    /// running (their <c>orchestration.failed</c> webhook could not be written), or <see langword="null"/> when it left
    /// none; a pass that fails before that step leaves it as it was. Read from any thread, by <see cref="DreamingHealthCheck"/>.</summary>
    internal SessionRetentionLeftRunning? LeftRunning => _leftRunning;

    [LoggerMessage(EventId = 93, Level = LogLevel.Information, Message = "Session retention purged {Count} ended sessions that started before {CutOff:O}.")]
    private static partial void LogPurged(ILogger logger, int count, DateTimeOffset cutOff);

    [LoggerMessage(EventId = 94, Level = LogLevel.Information, Message = "Session retention keeps the sessions that started from {CutOff:O}, more recent than its maximum age of {MaxAge}: session {SessionId} has not been read by a dream of {Scope} yet.")]
    private static partial void LogHeld(ILogger logger, string sessionId, string scope, DateTimeOffset cutOff, TimeSpan maxAge);

    [LoggerMessage(EventId = 95, Level = LogLevel.Warning, Message = "Session retention ended {Count} sessions as abandoned: they were still running {RunningAfter} after they started.")]
    private static partial void LogAbandoned(ILogger logger, int count, TimeSpan runningAfter);

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "The orchestration observer {Observer} failed on the orchestration.failed event (abandoned) of the crashed run {SessionId}; session retention goes on.")]
    private static partial void LogObserverFailed(ILogger logger, string observer, string sessionId, Exception exception);

    // A registered observer that fails (a dashboard down) is logged, as a run logs it, and neither keeps the others from
    // the event nor stops the job (the other crashed runs, the purge).
    private class LoggedObserver(IOrchestrationObserver observer, ILogger logger, bool rethrow = false) : IOrchestrationObserver
    {
        public async ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default)
        {
            try
            {
                await observer.OnEventAsync(sessionEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogObserverFailed(logger, observer.GetType().Name, sessionEvent.SessionId, ex);
                if (rethrow)
                {
                    throw;
                }
            }
        }
    }

    // Keeps the observer's promise to hear a recovery's event at most once, so recovery tells it before the end too; its
    // failure (the webhook's outbox write) is logged and thrown on, so that recovery keeps the run's session running and
    // tells it again at the next pass.
    private sealed class LoggedIdempotentObserver(IOrchestrationObserver observer, ILogger logger)
        : LoggedObserver(observer, logger, rethrow: true), IIdempotentOrchestrationObserver;

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Session retention left {Count} crashed orchestration runs running ({SessionIds}): the orchestration.failed webhook of each could not be written to the outbox (logged above, event 100). The next pass writes it and ends them; a day after their event was written, a pass ends them all the same and the webhook is lost.")]
    private static partial void LogLeftRunning(ILogger logger, int count, string sessionIds);

    [LoggerMessage(EventId = 96, Level = LogLevel.Error, Message = "Session retention failed; it runs again at the next interval.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>The retention job's last run: when it ended, and, when it failed, the exception's type and message
/// (unredacted: shown only through the trace content filter) and when the runs began failing (none has gone through since).</summary>
internal sealed record SessionRetentionCheck(DateTimeOffset At, (string Type, string Message)? Error, DateTimeOffset? FailedAt);

/// <summary>The crashed orchestration runs a pass of the retention job left running, when it started (the time the recovery
/// judged them by), their session ids (oldest first) and the first observer failure (the webhook's outbox write), unredacted.</summary>
internal sealed record SessionRetentionLeftRunning(DateTimeOffset At, IReadOnlyList<string> SessionIds, (string Type, string Message) Error);
