namespace Dreaming;

/// <summary>Settings of the <see cref="SessionRetention"/> job that <c>AddSessionRetention</c> adds: how old a session
/// may grow before it is purged, how often the job runs, and what it keeps.</summary>
/// <remarks>Validated when the host starts (<c>ValidateOnStart</c>); a bad value fails the start with an
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming the option.</remarks>
public sealed class SessionRetentionOptions
{
    /// <summary>The longest <see cref="MaxAge"/> and <see cref="AbandonRunningAfter"/> taken: 36,500 days (about 100
    /// years), so every cut-off is a valid time.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(36_500);

    /// <summary>Gets or sets how long a session is kept: an ended session that started more than this before the job
    /// runs is purged with its events (<see cref="ITraceStore.PurgeAsync"/>). Required: more than zero.</summary>
    public TimeSpan MaxAge { get; set; }

    /// <summary>Gets or sets how often the job runs; the first run is at the host's start.</summary>
    /// <value>The default is one hour. More than zero and at most 49 days (the longest a .NET timer waits).</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets a value indicating whether sessions no dream has read yet are kept, whatever their age.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    /// <remarks>
    /// <para>A session a dream would still read (ended with an outcome that passed or failed, after the cursor of its
    /// scope's last completed dream or left unread behind it, as <c>AddDreamSchedule</c>'s count of new sessions reckons
    /// it) holds the purge's cut-off at its start, so it and every session that started after it are kept until a dream
    /// has read it. Purging it would lose what it could teach, silently: no dream ever reads it.</para>
    /// <para>The scopes looked at are those of the host's dream schedules (<c>AddDreamSchedule</c>) and
    /// <see cref="DreamScopes"/>. A scope that has never completed a dream has read none of its sessions, so all its graded
    /// sessions are kept until its first dream, and a scope whose dreams find fewer new sessions than their
    /// <see cref="DreamRunRequest.MinSessions"/> reads none of them until more arrive; a scope listed but never dreamt
    /// holds the purge back for ever (the job logs the session that holds it at each run, at information level). The
    /// cut-off is one for the whole store: a scope that holds it keeps every other scope's sessions too. Set
    /// <see langword="false"/> to purge by age alone.</para>
    /// <para>A host's dream schedule whose request has a <see cref="DreamRunRequest.Lookback"/> longer than
    /// <see cref="MaxAge"/> mines again, at each dream, the sessions that started within that lookback: so sessions are
    /// kept for the longest such lookback instead of <see cref="MaxAge"/>. A scope in <see cref="DreamScopes"/> has no
    /// request here: give it a <see cref="MaxAge"/> at least as long as the lookback its dreams use.</para>
    /// <para>A session is unread only once it has an outcome: an ungraded one older than <see cref="MaxAge"/> is purged,
    /// and so may be one graded (<see cref="ITraceStore.SetOutcomeAsync"/>) while a run is between looking and deleting.</para>
    /// </remarks>
    public bool KeepUnreadSessions { get; set; } = true;

    /// <summary>Gets the memory scopes whose unread sessions are kept besides those of the host's dream schedules: scopes
    /// dreamt by hand, by the <c>dreaming dream</c> command or by another process on the same store.</summary>
    public IList<MemoryScope> DreamScopes { get; } = [];

    /// <summary>Gets or sets, when not <see langword="null"/>, how long a session may stay running: before each purge,
    /// sessions still running that started more than this long ago are ended as <see cref="SessionStatus.Abandoned"/>
    /// (<see cref="TraceStoreExtensions.AbandonRunningSessionsAsync(ITraceStore, DateTimeOffset, TimeProvider?, CancellationToken)"/>), so those a killed process left behind are
    /// purged in their turn instead of kept for ever.</summary>
    /// <value>The default is <see langword="null"/>: running sessions are left alone (and never purged). When set, more
    /// than zero: choose more than the longest any live session runs, in this or any process on the store; a live
    /// session ended this way records no more events.</value>
    public TimeSpan? AbandonRunningAfter { get; set; }
}
