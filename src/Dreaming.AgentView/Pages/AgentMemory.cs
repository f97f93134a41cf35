namespace Dreaming.AgentView.Pages;

/// <summary>Tells which memory versions a session was given, as <c>dreaming report</c> does: the version its record names
/// (<see cref="SessionRecord.MemoryVersionId"/>), or else the versions of its <see cref="InsightsInjectedEvent"/>s (the
/// agent's own, its team's, the global one). The events are read only for sessions that ended after the first version
/// they could have been given was stored, and for at most <see cref="MaxEventReads"/> sessions a request; of each, only its
/// <c>memory.injected</c> events (<see cref="ITraceStore.QueryEventsAsync"/>).</summary>
/// <remarks>Not thread-safe: one request, one session at a time.</remarks>
internal sealed class AgentMemory(IMemoryStore memory, ITraceStore traces, string agentId)
{
    /// <summary>The most sessions whose events one request reads.</summary>
    public const int MaxEventReads = 2_000;

    /// <summary>The most versions of one scope listed (pages of <see cref="MemoryStoreRules.MaxListLimit"/>).</summary>
    public const int MaxVersionsListed = 10 * MemoryStoreRules.MaxListLimit;

    // Only the memory.injected events are read (and, in the durable stores, parsed) of a session.
    private static readonly SessionEventQuery s_injected = new() { Types = [EventTypes.MemoryInjected] };

    private readonly Dictionary<string, ScopeList> _scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MemoryVersionSummary?> _lookedUp = new(StringComparer.Ordinal);

    /// <summary>Gets the sessions whose events were read.</summary>
    public int EventReads { get; private set; }

    /// <summary>Gets the sessions whose versions were not read, past <see cref="MaxEventReads"/>.</summary>
    public int NotRead { get; private set; }

    /// <summary>The versions an ended session was given, ordered as UseDreaming() gives them (the agent's own, then its
    /// team's, then the global one); empty for none; <see langword="null"/> when its events would be needed past
    /// <see cref="MaxEventReads"/>.</summary>
    /// <param name="session">The session, of this agent.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public async Task<List<SeriesVersion>?> GivenAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        if (session.MemoryVersionId is { } named)
        {
            return [new SeriesVersion(named, null)];
        }

        if (!await MayHaveBeenGivenAsync(session, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        if (EventReads == MaxEventReads)
        {
            NotRead++;
            return null;
        }

        EventReads++;
        var given = new List<SeriesVersion>();
        foreach (var e in await traces.QueryEventsAsync(session.Id, s_injected, cancellationToken).ConfigureAwait(false))
        {
            if (e is InsightsInjectedEvent injected && !given.Exists(v => string.Equals(v.Id, injected.MemoryVersionId, StringComparison.Ordinal)))
            {
                given.Add(new SeriesVersion(injected.MemoryVersionId, injected.Scope));
            }
        }

        given.Sort(static (x, y) => KindRank(x.GivenScope).CompareTo(KindRank(y.GivenScope)) is var byKind and not 0 ? byKind
            : string.CompareOrdinal(x.GivenScope?.Key, y.GivenScope?.Key) is var byScope and not 0 ? byScope
            : string.CompareOrdinal(x.Id, y.Id));
        return given;
    }

    /// <summary>Finds a version as the memory store knows it: among the scopes listed, else by id (once an id).</summary>
    /// <param name="version">The version to fill in.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public async Task DescribeAsync(SeriesVersion version, CancellationToken cancellationToken)
    {
        var own = await ListAsync(AgentScope(), cancellationToken).ConfigureAwait(false);
        if (own.ById.TryGetValue(version.Id, out var ownVersion))
        {
            version.Version = ownVersion;
            return;
        }

        foreach (var scope in _scopes.Values)
        {
            if (scope.ById.TryGetValue(version.Id, out var listed))
            {
                version.Version = listed;
                version.OtherScope = true;
                return;
            }
        }

        if (!_lookedUp.TryGetValue(version.Id, out var found))
        {
            found = (await memory.GetVersionAsync(version.Id, cancellationToken).ConfigureAwait(false))?.ToSummary();
            _lookedUp.Add(version.Id, found);
        }

        version.Version = found;
        version.OtherScope = found is not null && !string.Equals(found.Scope.Key, AgentScope()?.Key, StringComparison.Ordinal);
    }

    private MemoryScope? AgentScope() =>
        string.IsNullOrWhiteSpace(agentId) || UnpairedSurrogates.IndexOf(agentId) >= 0 ? null : MemoryScope.Agent(agentId);

    // Whether the session ended after (or has not ended before) the earliest first version of its agent, its team and the
    // global scope: the first UseDreaming() could have given it. The team's versions are listed only when the agent's and
    // the global ones do not already say so, so sessions of many teams (tenants) cost one list per team only then.
    private async Task<bool> MayHaveBeenGivenAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        var first = Earliest((await ListAsync(AgentScope(), cancellationToken).ConfigureAwait(false)).FirstCreatedAt, (await ListAsync(MemoryScope.Global, cancellationToken).ConfigureAwait(false)).FirstCreatedAt);
        if (EndedAfter(session, first))
        {
            return true;
        }

        if (!string.IsNullOrWhiteSpace(session.Scope) && UnpairedSurrogates.IndexOf(session.Scope) < 0)
        {
            return EndedAfter(session, (await ListAsync(MemoryScope.Team(session.Scope), cancellationToken).ConfigureAwait(false)).FirstCreatedAt);
        }

        return false;
    }

    private static bool EndedAfter(SessionRecord session, DateTimeOffset? first) =>
        first is { } since && !(session.EndedAt is { } ended && ended < since);

    private static DateTimeOffset? Earliest(DateTimeOffset? x, DateTimeOffset? y) =>
        x is { } a && y is { } b ? (a < b ? a : b) : x ?? y;

    private static int KindRank(MemoryScope? scope) => scope?.Kind switch
    {
        null or MemoryScopeKind.Agent => 0,
        MemoryScopeKind.Team => 1,
        _ => 2,
    };

    // A scope's versions, newest first, a store page at a time, up to MaxVersionsListed. A scope with more is taken to
    // have had a version from the start (its first is not known), so its sessions' events are read.
    private async Task<ScopeList> ListAsync(MemoryScope? scope, CancellationToken cancellationToken)
    {
        if (scope is null)
        {
            return ScopeList.None;
        }

        if (_scopes.TryGetValue(scope.Key, out var known))
        {
            return known;
        }

        var versions = new Dictionary<string, MemoryVersionSummary>(StringComparer.Ordinal);
        int? before = null;
        var complete = false;
        while (versions.Count < MaxVersionsListed)
        {
            var page = await memory.ListVersionsAsync(scope, MemoryStoreRules.MaxListLimit, before, cancellationToken).ConfigureAwait(false);
            foreach (var version in page)
            {
                versions[version.Id] = version;
            }

            if (page.Count < MemoryStoreRules.MaxListLimit)
            {
                complete = true;
                break;
            }

            before = page[^1].Number;
        }

        known = new ScopeList(versions, complete ? (versions.Count == 0 ? null : versions.Values.Min(v => v.CreatedAt)) : DateTimeOffset.MinValue);
        _scopes.Add(scope.Key, known);
        return known;
    }

    private sealed record ScopeList(IReadOnlyDictionary<string, MemoryVersionSummary> ById, DateTimeOffset? FirstCreatedAt)
    {
        public static ScopeList None { get; } = new(new Dictionary<string, MemoryVersionSummary>(StringComparer.Ordinal), null);
    }
}

/// <summary>One memory version a series' sessions were given: its id, the scope its event named, and the version as the
/// memory store knows it.</summary>
/// <param name="id">The version id.</param>
/// <param name="givenScope">The scope its <c>memory.injected</c> event named, or <see langword="null"/> for the agent's
/// own (or a version the session's record names).</param>
internal sealed class SeriesVersion(string id, MemoryScope? givenScope)
{
    /// <summary>Gets the version id.</summary>
    public string Id => id;

    /// <summary>Gets the scope the event named.</summary>
    public MemoryScope? GivenScope => givenScope;

    /// <summary>Gets or sets the version as the memory store knows it; <see langword="null"/> for an id it does not know.</summary>
    public MemoryVersionSummary? Version { get; set; }

    /// <summary>Gets or sets whether the version is of a scope other than the agent's (a team's, the global one).</summary>
    public bool OtherScope { get; set; }

    /// <summary>Gets the version's name on the page: <c>v3</c> for the agent's own, <c>team:blue v2</c> or <c>global v1</c>
    /// for another scope's, the id for one the store does not know.</summary>
    /// <remarks>An id or scope key longer than <see cref="Rendering.AgentViewLayout.EchoLength"/> is cut (its start, an
    /// ellipsis and its length), as the label is written in every point's tooltip.</remarks>
    public string Label => Version is not { } known ? Rendering.AgentViewLayout.Echo(Id)
        : OtherScope ? Rendering.AgentViewLayout.Echo(known.Scope.Key) + " v" + known.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : "v" + known.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
