namespace Dreaming.Cli.Reports;

/// <summary>One memory version the sessions of a <see cref="ReportGroup"/> were given: its id, the scope its
/// <c>memory.injected</c> event named, and, once the report is ordered, the version as the memory store knows it.</summary>
/// <remarks>Not thread-safe: the report is built by one command, one session at a time.</remarks>
internal sealed class ReportVersion
{
    /// <summary>Creates the entry.</summary>
    /// <param name="id">The version id.</param>
    /// <param name="givenScope">The scope its event named (<c>team:&lt;id&gt;</c> or <c>global</c>), or
    /// <see langword="null"/> for the agent's own, or a version the session's record names.</param>
    public ReportVersion(string id, MemoryScope? givenScope)
    {
        Id = id;
        GivenScope = givenScope;
    }

    /// <summary>Gets the version id.</summary>
    public string Id { get; }

    /// <summary>Gets the scope the session's event named, or <see langword="null"/> for the agent's own (or a version the
    /// session's record names).</summary>
    public MemoryScope? GivenScope { get; }

    /// <summary>Gets or sets the version as the memory store knows it, or <see langword="null"/> when the store does not know
    /// the id (a version of another database, or an id the host made up).</summary>
    public MemoryVersionSummary? Version { get; set; }

    /// <summary>Gets or sets whether the version belongs to a scope other than the agent's own (a team's, the global one).</summary>
    public bool OtherScope { get; set; }

    /// <summary>Gets the version's scope key, as the memory store or else the event names it; <see langword="null"/> when
    /// neither does.</summary>
    public string? ScopeKey => Version?.Scope.Key ?? GivenScope?.Key;

    /// <summary>Orders a session's versions, before the store is asked about them: the agent's own first, then its team's,
    /// then the global one, as UseDreaming() gives them.</summary>
    public static int CompareGiven(ReportVersion x, ReportVersion y)
    {
        var byKind = KindRank(x.GivenScope).CompareTo(KindRank(y.GivenScope));
        return byKind != 0 ? byKind
            : string.CompareOrdinal(x.GivenScope?.Key, y.GivenScope?.Key) is var byScope and not 0 ? byScope
            : string.CompareOrdinal(x.Id, y.Id);
    }

    /// <summary>Orders versions the store has been asked about: the agent's own, then other scopes' (another agent's, a
    /// team's, the global one, each by key and number), then ids the store does not know (by id).</summary>
    public static int Compare(ReportVersion x, ReportVersion y)
    {
        var byPlace = Place(x).CompareTo(Place(y));
        if (byPlace != 0)
        {
            return byPlace;
        }

        var byKind = KindRank(x.Version?.Scope).CompareTo(KindRank(y.Version?.Scope));
        return byKind != 0 ? byKind
            : string.CompareOrdinal(x.Version?.Scope.Key, y.Version?.Scope.Key) is var byScope and not 0 ? byScope
            : (x.Version?.Number ?? 0).CompareTo(y.Version?.Number ?? 0) is var byNumber and not 0 ? byNumber
            : string.CompareOrdinal(x.Id, y.Id);
    }

    private static int Place(ReportVersion version) => version.Version is null ? 2 : version.OtherScope ? 1 : 0;

    private static int KindRank(MemoryScope? scope) => scope?.Kind switch
    {
        null or MemoryScopeKind.Agent => 0,
        MemoryScopeKind.Team => 1,
        _ => 2,
    };
}
