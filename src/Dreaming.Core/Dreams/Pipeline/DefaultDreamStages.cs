namespace Dreaming;

/// <summary>The default stages of <see cref="DreamConsolidator"/>, each a thin adapter over the library's implementation.</summary>
internal sealed class DefaultDreamStages(ITraceStore traces, IDreamRunStore runs, TimeProvider timeProvider, CurationOptions? curation = null, MiningOptions? mining = null)
    : IDreamSessionSelector, IDreamMiner, IDreamReflector, IDreamCurator
{
    /// <summary>Gets the fewest scopes a finding's sessions must come from in the dream of this request: the request's
    /// <see cref="DreamRunRequest.MinScopes"/>, else the options', for an agent's or the global memory; 1 for a team's
    /// (whose dream reads one scope).</summary>
    public int MinScopesFor(DreamRunRequest request) =>
        request.Scope.Kind == MemoryScopeKind.Team ? 1 : request.MinScopes ?? mining?.MinScopes ?? 1;

    /// <summary>Mines as <see cref="MineAsync(IReadOnlyList{SessionWithEvents}, IReadOnlyList{SessionWithEvents}, CancellationToken)"/>
    /// with the options as they apply to the dream of the request.</summary>
    public Task<MiningReport> MineAsync(IReadOnlyList<SessionWithEvents> sessions, IReadOnlyList<SessionWithEvents> earlier, DreamRunRequest request, CancellationToken cancellationToken)
    {
        var minScopes = MinScopesFor(request);
        var options = mining is not null ? Copy(mining, minScopes) : minScopes == 1 ? null : new MiningOptions { MinScopes = minScopes };
        var all = earlier.Count == 0 ? sessions : sessions.Concat(earlier);
        var earlierIds = earlier.Count == 0 ? null : earlier.Select(static s => s.Session.Id).ToHashSet(StringComparer.Ordinal);
        return new FindingMiner(timeProvider).MineAsync(all.ToAsyncEnumerable(), earlierIds, options, cancellationToken);
    }

    private static MiningOptions Copy(MiningOptions options, int minScopes)
    {
        var copy = options.Copy();
        copy.MinScopes = minScopes;
        return copy;
    }

    public async Task<IReadOnlyList<SessionWithEvents>> SelectAsync(DreamRunRequest request, DreamCursor? after, CancellationToken cancellationToken)
    {
        var history = after is null ? null : await DreamReadHistory.LoadAsync(runs, request.Scope, cancellationToken).ConfigureAwait(false);
        return await DreamSessionSelector.SelectAsync(traces, request, after, history, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SessionWithEvents>> SelectLookbackAsync(DreamRunRequest request, DreamCursor? after, IReadOnlyList<SessionWithEvents> selected, CancellationToken cancellationToken)
    {
        // No room left under MaxSessions (the new sessions fill it): nothing earlier is read, so the runs are not listed.
        if (request.Lookback is null || after is null || selected.Count >= request.MaxSessions)
        {
            return [];
        }

        var history = await DreamReadHistory.LoadAsync(runs, request.Scope, cancellationToken).ConfigureAwait(false);
        return await DreamSessionSelector.LookbackAsync(traces, request, after, history, selected, timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    public Task<MiningReport> MineAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken) =>
        new FindingMiner(timeProvider).MineAsync(sessions.ToAsyncEnumerable(), mining, cancellationToken);

    public Task<MiningReport> MineAsync(IReadOnlyList<SessionWithEvents> sessions, IReadOnlyList<SessionWithEvents> earlier, CancellationToken cancellationToken) =>
        earlier.Count == 0
            ? MineAsync(sessions, cancellationToken)
            : new FindingMiner(timeProvider).MineAsync(sessions.Concat(earlier).ToAsyncEnumerable(), earlier.Select(static s => s.Session.Id).ToHashSet(StringComparer.Ordinal), mining, cancellationToken);

    public Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new ReflectionResult(TemplateLessonWriter.ForDream(request.Findings, request.BaseFailureRate, request.Sessions), SessionUsage.Zero, null));

    public CurationResult Curate(IReadOnlyList<Insight> current, IReadOnlyList<LessonCandidate> candidates, IReadOnlyList<InsightCredit> credits, MemoryScope scope, Func<LessonCandidate, IEnumerable<string>> untrustedEvidence, DateTimeOffset now, TextEmbeddings? embeddings) =>
        MemoryCurator.Curate(current, candidates, credits, scope, untrustedEvidence, now, curation, embeddings);

    public CurationResult Curate(IReadOnlyList<Insight> current, IReadOnlyList<LessonCandidate> candidates, IReadOnlyList<InsightCredit> credits, MemoryScope scope, Func<LessonCandidate, IEnumerable<string>> untrustedEvidence, DateTimeOffset now, TextEmbeddings? embeddings, CancellationToken cancellationToken) =>
        MemoryCurator.Curate(current, candidates, credits, scope, untrustedEvidence, now, curation, embeddings, cancellationToken);
}
