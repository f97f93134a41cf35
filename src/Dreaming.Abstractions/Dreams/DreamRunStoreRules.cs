using System.Globalization;

namespace Dreaming;

/// <summary>The state and lease rules every <see cref="IDreamRunStore"/> applies, with the messages it reports, so that stores agree.</summary>
/// <remarks>A store calls these inside the same lock or transaction that then changes the run, so the check and the change
/// cannot be separated by another writer.</remarks>
public static class DreamRunStoreRules
{
    /// <summary>The largest number of runs <see cref="IDreamRunStore.ListAsync"/> returns at once.</summary>
    public const int MaxListLimit = 1000;

    /// <summary>The error recorded on a run whose lease expired while it was running.</summary>
    public const string AbandonedError = "abandoned: lease expired (process stopped?)";

    /// <summary>Gets the longest lease accepted: a stopped process holds up its scope for at most this long.</summary>
    public static TimeSpan MaxLeaseDuration { get; } = TimeSpan.FromDays(1);

    /// <summary>Tells whether a run is running with a lease that has expired at <paramref name="now"/>.</summary>
    /// <param name="run">The run.</param>
    /// <param name="now">The current time.</param>
    /// <returns>Whether the run is abandoned.</returns>
    public static bool IsAbandoned(DreamRun run, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Status == DreamRunStatus.Running && run.LeaseExpiresAt <= now;
    }

    /// <summary>Throws unless a run may start, given the run of its scope that is running, if any.</summary>
    /// <param name="run">The run to start.</param>
    /// <param name="running">The run of the same scope that is running, if any. When it is abandoned the store marks it failed
    /// (with <see cref="AbandonedError"/>) in the same step as it starts <paramref name="run"/>.</param>
    /// <param name="now">The current time.</param>
    /// <exception cref="DreamRunStateException">The run is not pending.</exception>
    /// <exception cref="DreamConflictException">Another run of the scope is running and its lease has not expired.</exception>
    public static void CheckStart(DreamRun run, DreamRun? running, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status != DreamRunStatus.Pending)
        {
            throw new DreamRunStateException($"Dream run {run} cannot be started: {Describe(run)}, and only a pending run can be. Create a new run to dream again.");
        }

        if (running is not null && !string.Equals(running.Id, run.Id, StringComparison.Ordinal) && !IsAbandoned(running, now))
        {
            throw DreamConflictException.ForRunning(run.Id, running);
        }
    }

    /// <summary>Throws unless the lease of a run may be renewed by a holder.</summary>
    /// <param name="run">The run.</param>
    /// <param name="leaseHolder">Who asks to renew it.</param>
    /// <exception cref="DreamRunStateException">The run is not running, or another holder holds its lease.</exception>
    /// <remarks>A lease that expired may still be renewed while the run is running: a run is abandoned only once a start of
    /// another run or <see cref="IDreamRunStore.RecoverAbandonedAsync"/> marks it failed.</remarks>
    public static void CheckRenew(DreamRun run, string leaseHolder)
    {
        CheckRunning(run, "renewed");
        if (!string.Equals(run.LeaseHolder, leaseHolder, StringComparison.Ordinal))
        {
            throw new DreamRunStateException($"The lease of dream run {run} cannot be renewed by '{leaseHolder}': it is held by '{run.LeaseHolder}'.");
        }
    }

    /// <summary>Throws unless a run is running, as recording progress and completing require.</summary>
    /// <param name="run">The run.</param>
    /// <param name="action">What was to be done, as a past participle: <c>completed</c>, <c>updated</c>.</param>
    /// <exception cref="DreamRunStateException">The run is pending or finished.</exception>
    public static void CheckRunning(DreamRun run, string action)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status == DreamRunStatus.Pending)
        {
            throw new DreamRunStateException($"Dream run {run} cannot be {action}: it has not started. Start it first.");
        }

        if (run.Status != DreamRunStatus.Running)
        {
            throw new DreamRunStateException($"Dream run {run} cannot be {action}: {Describe(run)}, and a finished run never changes.");
        }
    }

    /// <summary>Throws unless a run may fail or be canceled: it must be pending or running.</summary>
    /// <param name="run">The run.</param>
    /// <param name="action">What was to be done, as a past participle: <c>failed</c>, <c>canceled</c>.</param>
    /// <exception cref="DreamRunStateException">The run is finished.</exception>
    public static void CheckUnfinished(DreamRun run, string action)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.IsFinished)
        {
            throw new DreamRunStateException($"Dream run {run} cannot be {action}: {Describe(run)}, and a finished run never changes.");
        }
    }

    /// <summary>Throws unless a lease holder and duration are valid.</summary>
    /// <param name="leaseHolder">Who takes the lease.</param>
    /// <param name="leaseDuration">How long the lease lasts unless renewed.</param>
    /// <exception cref="ArgumentException">The holder is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The duration is not positive or is longer than <see cref="MaxLeaseDuration"/>.</exception>
    public static void CheckLease(string leaseHolder, TimeSpan leaseDuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(leaseHolder);
        if (leaseDuration <= TimeSpan.Zero || leaseDuration > MaxLeaseDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(leaseDuration), leaseDuration, $"A lease must last more than zero and at most {MaxLeaseDuration}.");
        }
    }

    /// <summary>Throws unless a list limit is in range.</summary>
    /// <param name="limit">The limit.</param>
    /// <exception cref="ArgumentOutOfRangeException">The limit is not between 1 and <see cref="MaxListLimit"/>.</exception>
    public static void CheckListLimit(int limit)
    {
        if (limit is < 1 or > MaxListLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"The limit must be between 1 and {MaxListLimit}.");
        }
    }

    private static string Describe(DreamRun run) => run.Status switch
    {
        DreamRunStatus.Failed => $"it has already failed ({run.Error})",
        DreamRunStatus.Pending => "it is pending",
        _ => "it is already " + MemoryNames.Of(run.Status),
    };
}
