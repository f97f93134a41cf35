namespace Dreaming.Cli.Reports;

/// <summary>The memory versions <c>dreaming report</c> knows of: each scope's versions, listed once (an agent's when its
/// first session is read, a team's when the first session of that team is, the global scope's when the first ended
/// session is), and the versions looked up by id.</summary>
/// <remarks>Not thread-safe: the report is built by one command, one session at a time.</remarks>
internal sealed class ReportMemory(IMemoryStore memory)
{
    private readonly Dictionary<string, ScopeVersions> _scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MemoryVersionSummary?> _lookedUp = new(StringComparer.Ordinal);

    /// <summary>Lists an agent's own versions (none for an agent id no scope can be made of).</summary>
    public Task<ScopeVersions> OfAgentAsync(string agentId, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(agentId) ? Task.FromResult(ScopeVersions.None) : ListAsync(MemoryScope.Agent(agentId), cancellationToken);

    /// <summary>Returns when the first version that UseDreaming() could have given the session was stored: the earliest
    /// of its agent's, its team's (<see cref="SessionRecord.Scope"/>) and the global scope's; <see langword="null"/> when
    /// none of them has a version.</summary>
    public async Task<DateTimeOffset?> FirstGivableAsync(SessionRecord session, ScopeVersions agent, CancellationToken cancellationToken)
    {
        var first = Earliest(agent.FirstCreatedAt, (await ListAsync(MemoryScope.Global, cancellationToken).ConfigureAwait(false)).FirstCreatedAt);
        if (!string.IsNullOrWhiteSpace(session.Scope))
        {
            first = Earliest(first, (await ListAsync(MemoryScope.Team(session.Scope), cancellationToken).ConfigureAwait(false)).FirstCreatedAt);
        }

        return first;
    }

    /// <summary>Finds a version of any scope by id: in the scopes listed, else from the store (once an id).</summary>
    public async Task<MemoryVersionSummary?> FindAsync(string versionId, CancellationToken cancellationToken)
    {
        foreach (var scope in _scopes.Values)
        {
            if (scope.ById.TryGetValue(versionId, out var listed))
            {
                return listed;
            }
        }

        if (!_lookedUp.TryGetValue(versionId, out var found))
        {
            found = (await memory.GetVersionAsync(versionId, cancellationToken).ConfigureAwait(false))?.ToSummary();
            _lookedUp.Add(versionId, found);
        }

        return found;
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? x, DateTimeOffset? y) =>
        x is { } a && y is { } b ? (a < b ? a : b) : x ?? y;

    private async Task<ScopeVersions> ListAsync(MemoryScope scope, CancellationToken cancellationToken)
    {
        if (_scopes.TryGetValue(scope.Key, out var known))
        {
            return known;
        }

        var versions = new Dictionary<string, MemoryVersionSummary>(StringComparer.Ordinal);
        int? before = null;
        while (true)
        {
            var page = await memory.ListVersionsAsync(scope, MemoryStoreRules.MaxListLimit, before, cancellationToken).ConfigureAwait(false);
            foreach (var version in page)
            {
                versions[version.Id] = version;
            }

            if (page.Count < MemoryStoreRules.MaxListLimit)
            {
                break;
            }

            before = page[^1].Number;
        }

        known = new ScopeVersions(versions);
        _scopes.Add(scope.Key, known);
        return known;
    }
}

/// <summary>The versions of one scope, by id, and when the first was stored.</summary>
/// <param name="ById">The versions, by id.</param>
internal sealed record ScopeVersions(IReadOnlyDictionary<string, MemoryVersionSummary> ById)
{
    /// <summary>Gets a scope without versions.</summary>
    public static ScopeVersions None { get; } = new(new Dictionary<string, MemoryVersionSummary>(StringComparer.Ordinal));

    /// <summary>Gets when the scope's first version was stored, or <see langword="null"/> when it has none.</summary>
    public DateTimeOffset? FirstCreatedAt { get; } = ById.Count == 0 ? null : ById.Values.Min(v => v.CreatedAt);
}
