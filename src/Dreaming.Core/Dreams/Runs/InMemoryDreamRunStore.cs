namespace Dreaming;

/// <summary>A dream run store that keeps runs in process memory, for tests, demos and short-lived hosts.</summary>
/// <remarks>
/// <para>Everything is lost when the process ends, so the lease only guards dreams within this process. Members are safe to
/// call from several threads at once: every check and the change it guards happen under one lock, so of two starts racing
/// for one scope exactly one wins.</para>
/// <para>Like the durable stores, it keeps its own read-only copies of what it is given, with times truncated to UTC
/// milliseconds, so that runs read back the same whichever store holds them.</para>
/// </remarks>
public sealed class InMemoryDreamRunStore : IDreamRunStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, DreamRun> _runs = new(StringComparer.Ordinal);

    // Creation order, which breaks ties between runs requested or ended in the same millisecond.
    private readonly Dictionary<string, long> _order = new(StringComparer.Ordinal);
    private readonly Dictionary<MemoryScope, string> _running = [];

    /// <summary>Initializes a new, empty instance.</summary>
    /// <param name="timeProvider">The clock that stamps runs and judges leases; the system clock when <see langword="null"/>.</param>
    public InMemoryDreamRunStore(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return Locked(
            () =>
            {
                var run = new DreamRun { Id = DreamRun.NewId(), Request = request with { }, Status = DreamRunStatus.Pending, RequestedAt = Now() };
                _order.Add(run.Id, _order.Count);
                return Store(run);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        DreamRunStoreRules.CheckLease(leaseHolder, leaseDuration);
        return Locked(
            () =>
            {
                var run = Find(runId);
                var now = Now();
                var running = _running.TryGetValue(run.Scope, out var runningId) ? _runs[runningId] : null;
                DreamRunStoreRules.CheckStart(run, running, now);
                if (running is not null)
                {
                    Store(Abandon(running, now));
                }

                return Store(run with { Status = DreamRunStatus.Running, StartedAt = now, LeaseHolder = leaseHolder, LeaseExpiresAt = Milliseconds(now + leaseDuration) });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        DreamRunStoreRules.CheckLease(leaseHolder, leaseDuration);
        return Locked(
            () =>
            {
                var run = Find(runId);
                DreamRunStoreRules.CheckRenew(run, leaseHolder);
                return Store(run with { LeaseExpiresAt = Milliseconds(Now() + leaseDuration) });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(results);
        return Locked(
            () =>
            {
                var run = Find(runId);
                DreamRunStoreRules.CheckRunning(run, "updated");
                results.Validate(run.Request);
                return Store(run with { Results = Freeze(results) });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(results);
        return Locked(
            () =>
            {
                var run = Find(runId);
                DreamRunStoreRules.CheckRunning(run, "completed");
                results.Validate(run.Request);
                return Store(run with { Status = DreamRunStatus.Completed, EndedAt = Now(), LeaseExpiresAt = null, Results = Freeze(results) });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return Locked(
            () =>
            {
                var run = Find(runId);
                DreamRunStoreRules.CheckUnfinished(run, "failed");
                results?.Validate(run.Request);
                var kept = results is null ? run.Results : Freeze(results);
                return Store(run with { Status = DreamRunStatus.Failed, EndedAt = Now(), LeaseExpiresAt = null, Error = reason, Results = kept });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return Locked(
            () =>
            {
                var run = Find(runId);
                DreamRunStoreRules.CheckUnfinished(run, "canceled");
                return Store(run with { Status = DreamRunStatus.Canceled, EndedAt = Now(), LeaseExpiresAt = null });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return Locked(() => _runs.GetValueOrDefault(runId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        DreamRunStoreRules.CheckListLimit(limit);
        return Locked<IReadOnlyList<DreamRun>>(
            () => _runs.Values
                .Where(run => run.Scope == scope)
                .OrderByDescending(run => run.RequestedAt)
                .ThenByDescending(run => _order[run.Id])
                .Take(limit)
                .ToList(),
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Reads every run it holds under its lock (a process's runs, which it never drops); the cursor is
    /// <see cref="DreamRunCursor"/>.</remarks>
    public Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var after = query.Cursor is { } cursor ? DreamRunCursor.Decode(cursor) : (DreamRunCursor?)null;
        return Locked(
            () =>
            {
                var page = _runs.Values
                    .Where(run => query.Status is not { } status || run.Status == status)
                    .Select(run => (Run: run, Key: new DreamRunCursor(run.RequestedAt.ToUnixTimeMilliseconds(), _order[run.Id])))
                    .Where(item => after is not { } before || IsOlder(item.Key, before))
                    .OrderByDescending(item => item.Key.RequestedAtUnixMilliseconds)
                    .ThenByDescending(item => item.Key.Sequence)
                    .Take(query.Limit + 1)
                    .ToList();
                var more = page.Count > query.Limit;
                var items = page.Take(query.Limit).Select(item => item.Run).ToList();
                return new DreamRunPage(items, more ? page[query.Limit - 1].Key.Encode() : null);
            },
            cancellationToken);

        static bool IsOlder(DreamRunCursor key, DreamRunCursor than) =>
            key.RequestedAtUnixMilliseconds < than.RequestedAtUnixMilliseconds
            || (key.RequestedAtUnixMilliseconds == than.RequestedAtUnixMilliseconds && key.Sequence < than.Sequence);
    }

    /// <inheritdoc />
    public Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return Locked(
            () => _runs.Values
                .Where(run => run.Scope == scope && run.Status == DreamRunStatus.Completed)
                .OrderByDescending(run => run.EndedAt)
                .ThenByDescending(run => _order[run.Id])
                .FirstOrDefault(),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) =>
        RecoverAsync(new DreamRunRecovery { Now = now }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        recovery.Validate();
        return Locked<IReadOnlyList<DreamRun>>(
            () =>
            {
                var asOf = Milliseconds(recovery.Now ?? _time.GetUtcNow());
                var bound = recovery.LeaseBound(asOf);
                return _running
                    .Where(running => recovery.Scope is null || running.Key == recovery.Scope)
                    .Select(running => _runs[running.Value])
                    .Where(run => DreamRunStoreRules.IsAbandoned(run, bound))
                    .OrderBy(run => _order[run.Id])
                    .ToList()
                    .ConvertAll(run => Store(Abandon(run, asOf)));
            },
            cancellationToken);
    }

    // Failures other than bad arguments travel in the task, as they would from an I/O-bound store.
    private Task<T> Locked<T>(Func<T> action, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            lock (_gate)
            {
                return Task.FromResult(action());
            }
        }
        catch (Exception exception) when (exception is DreamRunStateException or DreamConflictException or DreamRunNotFoundException or ArgumentException)
        {
            return Task.FromException<T>(exception);
        }
    }

    private static DateTimeOffset Milliseconds(DateTimeOffset value) => StoredTime.Of(value);

    private static DreamRun Abandon(DreamRun run, DateTimeOffset now) =>
        run with { Status = DreamRunStatus.Failed, EndedAt = now, LeaseExpiresAt = null, Error = DreamRunStoreRules.AbandonedError };

    /// <summary>Copies results into read-only collections, with times as the durable stores keep them.</summary>
    private static DreamRunResults Freeze(DreamRunResults results) => results with
    {
        SessionIds = Array.AsReadOnly(results.SessionIds.ToArray()),
        Cursor = results.Cursor is { } cursor ? cursor with { EndedAt = Milliseconds(cursor.EndedAt) } : null,
        StageUsage = Array.AsReadOnly(results.StageUsage.ToArray()),
        Report = results.Report with
        {
            Findings = Array.AsReadOnly(results.Report.Findings
                .Select(finding => finding with
                {
                    Evidence = Array.AsReadOnly(finding.Evidence.Select(item => item with { EventSequences = Array.AsReadOnly(item.EventSequences.ToArray()) }).ToArray()),
                })
                .ToArray()),
            Changes = Array.AsReadOnly(results.Report.Changes.ToArray()),
        },
    };

    private DateTimeOffset Now() => Milliseconds(_time.GetUtcNow());

    private DreamRun Find(string runId) => _runs.GetValueOrDefault(runId) ?? throw DreamRunNotFoundException.ForId(runId);

    private DreamRun Store(DreamRun run)
    {
        _runs[run.Id] = run;
        if (run.Status == DreamRunStatus.Running)
        {
            _running[run.Scope] = run.Id;
        }
        else if (_running.TryGetValue(run.Scope, out var id) && string.Equals(id, run.Id, StringComparison.Ordinal))
        {
            _running.Remove(run.Scope);
        }

        return run;
    }
}
