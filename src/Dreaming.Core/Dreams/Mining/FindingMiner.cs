namespace Dreaming;

/// <summary>
/// The model-free <em>Mine</em> stage of a dream: reads finished sessions once and finds what recurs in them (tool error
/// signatures, repeated failing calls, tool sequences, failing rubric criteria, limits hit, an agent (an outcome
/// loop's or an orchestration item's) blocked or asking for help with the same reason or question), with how strongly each is tied
/// to failure and the sessions that show it.
/// </summary>
/// <remarks>
/// <para>A session failed when its outcome label is <c>failure</c>, <c>failed</c>, <c>max_iterations_reached</c> or
/// <c>interrupted</c>, or its status is <see cref="SessionStatus.Failed"/> or <see cref="SessionStatus.Blocked"/>; it
/// succeeded when its label is <c>success</c> or <c>satisfied</c>. Other sessions are counted and skipped.</para>
/// <para>The sessions are streamed once; memory grows with the number of distinct patterns (bounded by
/// <see cref="MiningOptions.MaxPatterns"/>), not with the number of sessions or events.</para>
/// </remarks>
public sealed class FindingMiner
{
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="timeProvider">The clock that times the mining (<see cref="MiningReport.Elapsed"/>); by default the system clock.</param>
    public FindingMiner(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Mines a stream of finished sessions.</summary>
    /// <param name="sessions">The sessions with their events; read once.</param>
    /// <param name="options">What counts as a finding; by default <see cref="MiningOptions"/> as constructed. Read once, before the first session.</param>
    /// <param name="cancellationToken">Stops the mining.</param>
    /// <returns>The report: counts, the base failure rate, and the findings, strongest first.</returns>
    /// <exception cref="ArgumentException">An option is invalid, or the stream holds a <see langword="null"/> session.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public Task<MiningReport> MineAsync(IAsyncEnumerable<SessionWithEvents> sessions, MiningOptions? options = null, CancellationToken cancellationToken = default) =>
        MineAsync(sessions, earlier: null, options, cancellationToken);

    /// <summary>Mines a stream of sessions of which some were read by earlier dreams (a dream's lookback): they count in
    /// every pattern and statistic, but a pattern is reported only when it occurs in at least one session not in
    /// <paramref name="earlier"/>. Put the new sessions first, so that evidence prefers them.</summary>
    internal Task<MiningReport> MineAsync(IAsyncEnumerable<SessionWithEvents> sessions, IReadOnlySet<string>? earlier, MiningOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        options ??= new MiningOptions();
        options.Validate();

        // A copy, so that changing the options during the enumeration has no effect.
        var snapshot = options.Copy();
        return MineCoreAsync(sessions, earlier, snapshot, cancellationToken);
    }

    private async Task<MiningReport> MineCoreAsync(IAsyncEnumerable<SessionWithEvents> sessions, IReadOnlySet<string>? earlier, MiningOptions options, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var table = new PatternTable(options.MaxPatterns, options.MaxEvidence, options.MinScopes);
        var scanner = new SessionScanner(table, options.MinRepeatedFailures);
        long read = 0, mined = 0, failed = 0, withoutOutcome = 0, unknownLabel = 0;
        await foreach (var session in sessions.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (session is null)
            {
                throw new ArgumentException("The session stream holds a null session.", nameof(sessions));
            }

            read++;
            var isEarlier = earlier?.Contains(session.Session.Id) == true;
            switch (SessionVerdicts.Classify(session.Session))
            {
                case SessionVerdict.NoOutcome:
                    withoutOutcome++;
                    continue;
                case SessionVerdict.UnknownLabel:
                    unknownLabel++;
                    continue;
                case SessionVerdict.Failed:
                    failed++;
                    scanner.Scan(session, new SessionContext(mined++, session.Session.Id, Failed: true, isEarlier, SessionContext.ScopeOf(session.Session)));
                    break;
                default:
                    scanner.Scan(session, new SessionContext(mined++, session.Session.Id, Failed: false, isEarlier, SessionContext.ScopeOf(session.Session)));
                    break;
            }
        }

        var findings = FindingRanker.Rank(table, mined, failed, options);
        return new MiningReport
        {
            SessionsRead = read,
            SessionsMined = mined,
            SessionsWithoutOutcome = withoutOutcome,
            SessionsWithUnknownLabel = unknownLabel,
            FailedSessions = failed,
            BaseFailureRate = mined > 0 ? (double)failed / mined : 0,
            PatternsCounted = table.Count,
            PatternOccurrencesNotCounted = table.OccurrencesNotCounted,
            Findings = findings,
            Elapsed = _timeProvider.GetElapsedTime(started),
        };
    }
}
