namespace Dreaming;

/// <summary>The counts and bounded evidence of one pattern, updated as sessions stream past.</summary>
internal sealed class PatternAccumulator(PatternKey key, int maxEvidence, int minScopes = 1)
{
    private const int MaxEventsPerSession = 10;
    private const int MaxExampleLength = 300;

    // Both lists are kept so that, once it is known whether the pattern predicts failure, the right sessions come first.
    private readonly List<FindingEvidence> _failedEvidence = [];
    private readonly List<FindingEvidence> _succeededEvidence = [];
    private List<long>? _currentSequences;

    // The evidence sessions earlier dreams already read (a dream's lookback); made only when there is one.
    private HashSet<string>? _earlierEvidence;
    private long _lastSession = -1;

    // The distinct scopes of the pattern's sessions (null for those without one), counted up to MinScopes; only then.
    private List<string?>? _scopes;

    public PatternKey Key { get; } = key;

    public int Sessions { get; private set; }

    public int FailedSessions { get; private set; }

    /// <summary>Gets the sessions of the pattern that no earlier dream read: without one, it is not reported.</summary>
    public int NewSessions { get; private set; }

    public long Occurrences { get; private set; }

    /// <summary>Gets whether the pattern's sessions come from at least <see cref="MiningOptions.MinScopes"/> scopes.</summary>
    public bool EnoughScopes => minScopes <= 1 || _scopes?.Count >= minScopes;

    public long WastedCalls { get; private set; }

    public long WastedTokens { get; private set; }

    public string? Example { get; private set; }

    /// <summary>Gets or sets, for a rubric criterion, what its latest verdict that says recorded of whether it is required
    /// (<see langword="null"/> when none did).</summary>
    public RequiredRecord? Required { get; set; }

    public void Record(SessionContext session, long occurrences, long wastedCalls, long wastedTokens, string? example, params ReadOnlySpan<long> sequences)
    {
        if (_lastSession != session.Ordinal)
        {
            _lastSession = session.Ordinal;
            Sessions++;
            FailedSessions += session.Failed ? 1 : 0;
            NewSessions += session.Earlier ? 0 : 1;
            if (minScopes > 1 && (_scopes ??= []).Count < minScopes && !_scopes.Contains(session.Scope))
            {
                _scopes.Add(session.Scope);
            }
            var evidence = session.Failed ? _failedEvidence : _succeededEvidence;
            _currentSequences = null;
            if (evidence.Count < maxEvidence)
            {
                _currentSequences = [];
                evidence.Add(new FindingEvidence(session.SessionId, session.Failed, _currentSequences));
                if (session.Earlier)
                {
                    (_earlierEvidence ??= new HashSet<string>(StringComparer.Ordinal)).Add(session.SessionId);
                }
            }
        }

        if (_currentSequences is not null)
        {
            foreach (var sequence in sequences)
            {
                if (_currentSequences.Count < MaxEventsPerSession)
                {
                    _currentSequences.Add(sequence);
                }
            }
        }

        Occurrences += occurrences;
        WastedCalls += wastedCalls;
        WastedTokens = SaturatingSum.Add(WastedTokens, wastedTokens);
        if (Example is null && !string.IsNullOrWhiteSpace(example))
        {
            var trimmed = example.Trim();
            Example = TextCut.WithEllipsis(trimmed, MaxExampleLength, "…");
        }
    }

    public IReadOnlyList<FindingEvidence> Evidence(bool successesFirst)
    {
        var (first, second) = successesFirst ? (_succeededEvidence, _failedEvidence) : (_failedEvidence, _succeededEvidence);
        if (_earlierEvidence is not { } earlier)
        {
            return [.. first.Concat(second).Take(maxEvidence)];
        }

        // With earlier sessions, the new ones come first (in the same order), so a reported pattern always cites the new
        // session that made it reportable, however many old ones would fill the evidence before it.
        var all = first.Concat(second);
        return [.. all.Where(e => !earlier.Contains(e.SessionId)).Concat(all.Where(e => earlier.Contains(e.SessionId))).Take(maxEvidence)];
    }
}
