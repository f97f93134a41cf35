namespace Dreaming;

/// <summary>Which abandoned dream runs <see cref="IDreamRunStore.RecoverAsync"/> ends: those of one scope or of every scope,
/// and those whose lease expired at least some time ago, so an operator does not end the run of a host that is only slow
/// to renew its lease.</summary>
/// <remarks>A run is ended when it is <see cref="DreamRunStatus.Running"/> and its <see cref="DreamRun.LeaseExpiresAt"/> is
/// at or before <see cref="Now"/> minus <see cref="ExpiredFor"/> (<see cref="LeaseBound"/>); it ends at <see cref="Now"/>.
/// The default (every scope, expired for zero, the store's clock) ends what
/// <see cref="IDreamRunStore.RecoverAbandonedAsync"/> ends. Immutable, so thread-safe.</remarks>
public sealed record DreamRunRecovery
{
    /// <summary>The longest <see cref="ExpiredFor"/>: 36,500 days (about 100 years).</summary>
    public static readonly TimeSpan MaxExpiredFor = TimeSpan.FromDays(36_500);

    /// <summary>Gets the scope whose abandoned run to end, or <see langword="null"/> for every scope.</summary>
    public MemoryScope? Scope { get; init; }

    /// <summary>Gets how long ago a run's lease must have expired, at least, for the run to be ended: zero (the default) ends
    /// every run whose lease has expired.</summary>
    /// <value>Zero to <see cref="MaxExpiredFor"/>; the default is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan ExpiredFor { get; init; }

    /// <summary>Gets the time the runs end at, and from which <see cref="ExpiredFor"/> is counted back; the store's clock
    /// when <see langword="null"/> (the default).</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>Gets the latest lease expiry a run may have to be ended, given the time it ends at.</summary>
    /// <param name="now">The time the runs end at: <see cref="Now"/>, or the store's clock.</param>
    /// <returns><paramref name="now"/> minus <see cref="ExpiredFor"/>; <see cref="DateTimeOffset.MinValue"/> when that is
    /// before the first instant <see cref="DateTimeOffset"/> can hold (no lease is that old), and the instant in UTC when
    /// only <paramref name="now"/>'s offset cannot show it.</returns>
    public DateTimeOffset LeaseBound(DateTimeOffset now)
    {
        if (ExpiredFor <= TimeSpan.Zero)
        {
            return now - ExpiredFor;
        }

        var utcTicks = now.UtcTicks - ExpiredFor.Ticks;
        if (utcTicks <= DateTimeOffset.MinValue.UtcTicks)
        {
            return DateTimeOffset.MinValue;
        }

        return now.Ticks - ExpiredFor.Ticks >= DateTimeOffset.MinValue.Ticks ? now - ExpiredFor : new DateTimeOffset(utcTicks, TimeSpan.Zero);
    }

    /// <summary>Throws when <see cref="ExpiredFor"/> is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ExpiredFor"/> is negative or past <see cref="MaxExpiredFor"/>
    /// (the parameter name is <c>ExpiredFor</c>).</exception>
    public void Validate()
    {
        if (ExpiredFor < TimeSpan.Zero || ExpiredFor > MaxExpiredFor)
        {
            throw new ArgumentOutOfRangeException(nameof(ExpiredFor), ExpiredFor, $"DreamRunRecovery.ExpiredFor must be between zero and {MaxExpiredFor.TotalDays:0} days.");
        }
    }
}
