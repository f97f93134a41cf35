namespace Dreaming.Cli.Reports;

/// <summary>What <c>dreaming report</c> prints: for each agent, its ended sessions grouped by the memory version they were
/// given.</summary>
/// <param name="Agents">The agents, by id (ordinal order).</param>
internal sealed record SessionReport(IReadOnlyList<AgentReport> Agents);

/// <summary>One agent's part of the report.</summary>
/// <param name="AgentId">The agent id.</param>
/// <param name="Groups">Its groups: no memory first, then its own versions by number, then versions of other scopes, then
/// ids the memory store does not know.</param>
/// <param name="Running">Its sessions still running, which are not counted.</param>
internal sealed record AgentReport(string AgentId, IReadOnlyList<ReportGroup> Groups, long Running);

/// <summary>Builds a <see cref="SessionReport"/> by paging through the trace store's sessions, oldest first.</summary>
/// <remarks>
/// <para>A session counts under the memory version its record names (<see cref="SessionRecord.MemoryVersionId"/>, which a
/// host sets when it starts the session with a version) or, when it names none, the version whose insights
/// <c>UseDreaming()</c> gave it (its <see cref="InsightsInjectedEvent"/>, as dreaming's own credit assignment reads it).
/// Only that one event is looked for, and only in the sessions that ended after the agent's first memory version was
/// stored: a session that ended before cannot have been given one, so an agent without memory costs no event reads.
/// Sessions and events are read one page, or one session, at a time: the report holds its counters, never the sessions.</para>
/// </remarks>
internal static class SessionReportBuilder
{
    /// <summary>Builds the report.</summary>
    /// <param name="sessions">The trace store.</param>
    /// <param name="memory">The memory store, for the versions' numbers and states.</param>
    /// <param name="agentId">Only this agent's sessions, or <see langword="null"/> for every agent's.</param>
    /// <param name="since">Only sessions that started at or after this time, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the report between and during the store's calls.</param>
    /// <param name="pageSize">Sessions read at a time.</param>
    /// <returns>The report; no agents when no session matches.</returns>
    public static async Task<SessionReport> BuildAsync(ITraceStore sessions, IMemoryStore memory, string? agentId, DateTimeOffset? since, CancellationToken cancellationToken, int pageSize = SessionQuery.MaxPageSize)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(memory);
        var agents = new SortedDictionary<string, AgentGroups>(StringComparer.Ordinal);
        var query = new SessionQuery { AgentId = agentId, StartedFrom = since, Order = SessionOrder.OldestFirst, PageSize = pageSize };
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await sessions.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!agents.TryGetValue(session.AgentId, out var agent))
                {
                    agent = new AgentGroups(await AgentVersionsAsync(memory, session.AgentId, cancellationToken).ConfigureAwait(false));
                    agents.Add(session.AgentId, agent);
                }

                if (session.Status == SessionStatus.Running)
                {
                    agent.Running++;
                    continue;
                }

                var versionId = session.MemoryVersionId ?? await InjectedVersionAsync(sessions, session, agent.FirstVersionCreatedAt, cancellationToken).ConfigureAwait(false);
                agent.Group(versionId).Add(session);
            }

            query = query with { Cursor = page.NextCursor };
        }
        while (query.Cursor is not null);

        var report = new List<AgentReport>(agents.Count);
        foreach (var (id, agent) in agents)
        {
            report.Add(new AgentReport(id, await agent.OrderedAsync(memory, cancellationToken).ConfigureAwait(false), agent.Running));
        }

        return new SessionReport(report);
    }

    // The memory version UseDreaming() gave the session, from its memory.injected event, or null. A session that ended before
    // the agent's first version was stored was given none, and its events are not read.
    private static async Task<string?> InjectedVersionAsync(ITraceStore sessions, SessionRecord session, DateTimeOffset? firstVersionCreatedAt, CancellationToken cancellationToken)
    {
        if (firstVersionCreatedAt is not { } first || (session.EndedAt is { } ended && ended < first))
        {
            return null;
        }

        var events = await sessions.GetEventsAsync(session.Id, cancellationToken).ConfigureAwait(false);
        foreach (var e in events)
        {
            if (e is InsightsInjectedEvent injected)
            {
                return injected.MemoryVersionId;
            }
        }

        return null;
    }

    // Every version of the agent's own scope (the scope UseDreaming() gives memory from), by id.
    private static async Task<Dictionary<string, MemoryVersionSummary>> AgentVersionsAsync(IMemoryStore memory, string agentId, CancellationToken cancellationToken)
    {
        var versions = new Dictionary<string, MemoryVersionSummary>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(agentId))
        {
            return versions;
        }

        var scope = MemoryScope.Agent(agentId);
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
                return versions;
            }

            before = page[^1].Number;
        }
    }

    private sealed class AgentGroups(Dictionary<string, MemoryVersionSummary> versions)
    {
        private readonly Dictionary<string, ReportGroup> _byVersion = new(StringComparer.Ordinal);
        private ReportGroup? _noMemory;

        public long Running { get; set; }

        public DateTimeOffset? FirstVersionCreatedAt { get; } = versions.Count == 0 ? null : versions.Values.Min(v => v.CreatedAt);

        public ReportGroup Group(string? versionId)
        {
            if (versionId is null)
            {
                return _noMemory ??= new ReportGroup(null);
            }

            if (!_byVersion.TryGetValue(versionId, out var group))
            {
                group = new ReportGroup(versionId);
                _byVersion.Add(versionId, group);
            }

            return group;
        }

        // No memory first; the agent's own versions by number; other scopes' by scope and number; unknown ids by id.
        public async Task<IReadOnlyList<ReportGroup>> OrderedAsync(IMemoryStore memory, CancellationToken cancellationToken)
        {
            foreach (var group in _byVersion.Values)
            {
                if (versions.TryGetValue(group.VersionId!, out var own))
                {
                    group.Version = own;
                }
                else if (await memory.GetVersionAsync(group.VersionId!, cancellationToken).ConfigureAwait(false) is { } other)
                {
                    group.Version = other.ToSummary();
                    group.OtherScope = true;
                }
            }

            var ordered = new List<ReportGroup>(_byVersion.Count + 1);
            if (_noMemory is not null)
            {
                ordered.Add(_noMemory);
            }

            ordered.AddRange(_byVersion.Values
                .OrderBy(g => g.Version is null ? 2 : g.OtherScope ? 1 : 0)
                .ThenBy(g => g.Version?.Scope.Key, StringComparer.Ordinal)
                .ThenBy(g => g.Version?.Number ?? 0)
                .ThenBy(g => g.VersionId, StringComparer.Ordinal));
            return ordered;
        }
    }
}
