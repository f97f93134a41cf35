using System.Globalization;

namespace Dreaming.Cli.Reports;

/// <summary>What <c>dreaming report</c> prints: for each agent, its ended sessions grouped by the memory versions they were
/// given.</summary>
/// <param name="Agents">The agents, by id (ordinal order).</param>
internal sealed record SessionReport(IReadOnlyList<AgentReport> Agents);

/// <summary>One agent's part of the report.</summary>
/// <param name="AgentId">The agent id.</param>
/// <param name="Groups">Its groups: no memory first, then its own versions by number (each alone, then each with the team
/// and global versions given beside it), then versions of other scopes (a team's before the global one), then ids the
/// memory store does not know.</param>
/// <param name="Running">Its sessions still running, which are not counted.</param>
internal sealed record AgentReport(string AgentId, IReadOnlyList<ReportGroup> Groups, long Running);

/// <summary>Builds a <see cref="SessionReport"/> by paging through the trace store's sessions, oldest first.</summary>
/// <remarks>
/// <para>A session counts under the memory version its record names (<see cref="SessionRecord.MemoryVersionId"/>, which a
/// host sets when it starts the session with a version) or, when it names none, the versions whose insights
/// <c>UseDreaming()</c> gave it (its <see cref="InsightsInjectedEvent"/>s, one a version: its agent's, its team's, the
/// global one, as dreaming's own credit assignment reads them); a session given several counts under their combination.
/// The events are read only for the sessions that ended after the first version that could have been given to them was
/// stored: the earliest of their agent's, their team's (<see cref="SessionRecord.Scope"/>) and the global scope's, each
/// scope's versions listed once. A session that ended before cannot have been given one, so sessions without any memory
/// cost no event reads. Sessions and events are read one page, or one session, at a time: the report holds its counters,
/// never the sessions.</para>
/// <para>The ended child sessions of a counted session (<see cref="SessionRecord.ParentSessionId"/>: an orchestration's
/// items) are also counted beside its group (<see cref="ReportGroup.ChildSessions"/>), never in its totals. Without an
/// agent filter they are read with the others and each parent is looked up once (its group kept for its other children);
/// with one, each counted session's children are queried, since they are mostly other agents'.</para>
/// </remarks>
internal static class SessionReportBuilder
{
    private static readonly SessionEventQuery s_injected = new() { Types = [EventTypes.MemoryInjected] };

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
        var known = new ReportMemory(memory);
        var agents = new SortedDictionary<string, AgentGroups>(StringComparer.Ordinal);
        // Without --agent every child session is read here, and its usage is added to the group its parent counts in
        // (each parent looked up once); with --agent the children, mostly other agents', are not read, so each counted
        // session's children are queried instead.
        var parents = agentId is null ? new Dictionary<string, ReportGroup?>(StringComparer.Ordinal) : null;
        var query = new SessionQuery { AgentId = agentId, StartedFrom = since, Order = SessionOrder.OldestFirst, PageSize = pageSize };
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await sessions.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var agent = await AgentOfAsync(session.AgentId).ConfigureAwait(false);
                if (session.Status == SessionStatus.Running)
                {
                    agent.Running++;
                    continue;
                }

                var group = await GroupOfAsync(session, agent).ConfigureAwait(false);
                group.Add(session);
                if (parents is null)
                {
                    await AddChildrenAsync(sessions, session.Id, group, pageSize, cancellationToken).ConfigureAwait(false);
                }
                else if (session.ParentSessionId is { } parentId && await ParentGroupAsync(parentId).ConfigureAwait(false) is { } parentGroup)
                {
                    parentGroup.AddChild(session);
                }
            }

            query = query with { Cursor = page.NextCursor };
        }
        while (query.Cursor is not null);

        var report = new List<AgentReport>(agents.Count);
        foreach (var (id, agent) in agents)
        {
            report.Add(new AgentReport(id, await agent.OrderedAsync(known, cancellationToken).ConfigureAwait(false), agent.Running));
        }

        return new SessionReport(report);

        async Task<AgentGroups> AgentOfAsync(string id)
        {
            if (!agents.TryGetValue(id, out var agent))
            {
                agent = new AgentGroups(await known.OfAgentAsync(id, cancellationToken).ConfigureAwait(false));
                agents.Add(id, agent);
            }

            return agent;
        }

        async Task<ReportGroup> GroupOfAsync(SessionRecord session, AgentGroups agent)
        {
            var given = session.MemoryVersionId is { } named
                ? [new ReportVersion(named, null)]
                : await InjectedVersionsAsync(sessions, session, await known.FirstGivableAsync(session, agent.Own, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return agent.Group(given);
        }

        // The group the parent session counts in, or null when the report does not count it (gone, still running, or
        // started before --since). A parent that starts at the same time as its child may be read after it: the group is
        // the one it will be counted in then.
        async Task<ReportGroup?> ParentGroupAsync(string parentId)
        {
            if (parents!.TryGetValue(parentId, out var cached))
            {
                return cached;
            }

            var parent = await sessions.GetSessionAsync(parentId, cancellationToken).ConfigureAwait(false);
            var group = parent is null || parent.Status == SessionStatus.Running || (since is { } from && parent.StartedAt < from)
                ? null
                : await GroupOfAsync(parent, await AgentOfAsync(parent.AgentId).ConfigureAwait(false)).ConfigureAwait(false);
            parents.Add(parentId, group);
            return group;
        }
    }

    // Adds the usage of the session's ended children to the group it counts in (the --agent path).
    private static async Task AddChildrenAsync(ITraceStore sessions, string sessionId, ReportGroup group, int pageSize, CancellationToken cancellationToken)
    {
        await foreach (var child in ChildSessions.OfAsync(sessions, sessionId, pageSize, cancellationToken).ConfigureAwait(false))
        {
            if (child.Status != SessionStatus.Running)
            {
                group.AddChild(child);
            }
        }
    }

    // The memory versions UseDreaming() gave the session, from its memory.injected events (one a version), the agent's own
    // first, then its team's, then the global one; none for a session that ended before the first version it could have
    // been given was stored, whose events are not read.
    private static async Task<List<ReportVersion>> InjectedVersionsAsync(ITraceStore sessions, SessionRecord session, DateTimeOffset? firstGivable, CancellationToken cancellationToken)
    {
        var given = new List<ReportVersion>();
        if (firstGivable is not { } first || (session.EndedAt is { } ended && ended < first))
        {
            return given;
        }

        // The stores read only these events: parsing every event of every session was most of the report's time (a year's
        // file: 200,000 sessions, 4 million events), and in the SQLite and PostgreSQL stores an event this build cannot read
        // does not fail it.
        var events = await sessions.QueryEventsAsync(session.Id, s_injected, cancellationToken).ConfigureAwait(false);
        foreach (var e in events)
        {
            if (e is InsightsInjectedEvent injected && !given.Exists(v => string.Equals(v.Id, injected.MemoryVersionId, StringComparison.Ordinal)))
            {
                given.Add(new ReportVersion(injected.MemoryVersionId, injected.Scope));
            }
        }

        given.Sort(ReportVersion.CompareGiven);
        return given;
    }

    private sealed class AgentGroups(ScopeVersions own)
    {
        private readonly Dictionary<string, ReportGroup> _byVersions = new(StringComparer.Ordinal);
        private ReportGroup? _noMemory;

        public long Running { get; set; }

        /// <summary>Gets the agent's own versions.</summary>
        public ScopeVersions Own => own;

        public ReportGroup Group(List<ReportVersion> versions)
        {
            if (versions.Count == 0)
            {
                return _noMemory ??= new ReportGroup([]);
            }

            // The ids, in order and each after its length, name the group: no two lists of ids give the same key.
            var key = string.Concat(versions.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Id.Length}:{v.Id}")));
            if (!_byVersions.TryGetValue(key, out var group))
            {
                group = new ReportGroup(versions);
                _byVersions.Add(key, group);
            }

            return group;
        }

        // No memory first; then the groups by their versions, each version ordered as ReportVersion.Compare orders them (the
        // agent's own by number, then other scopes', then unknown ids), a group before the longer ones it begins.
        public async Task<IReadOnlyList<ReportGroup>> OrderedAsync(ReportMemory memory, CancellationToken cancellationToken)
        {
            foreach (var group in _byVersions.Values)
            {
                foreach (var version in group.Versions)
                {
                    if (own.ById.TryGetValue(version.Id, out var ownVersion))
                    {
                        version.Version = ownVersion;
                    }
                    else if (await memory.FindAsync(version.Id, cancellationToken).ConfigureAwait(false) is { } other)
                    {
                        version.Version = other;
                        version.OtherScope = true;
                    }
                }
            }

            var ordered = new List<ReportGroup>(_byVersions.Count + 1);
            if (_noMemory is not null)
            {
                ordered.Add(_noMemory);
            }

            ordered.AddRange(_byVersions.Values.Order(Comparer<ReportGroup>.Create(CompareGroups)));
            return ordered;
        }

        private static int CompareGroups(ReportGroup x, ReportGroup y)
        {
            for (var i = 0; i < x.Versions.Count && i < y.Versions.Count; i++)
            {
                var byVersion = ReportVersion.Compare(x.Versions[i], y.Versions[i]);
                if (byVersion != 0)
                {
                    return byVersion;
                }
            }

            return x.Versions.Count.CompareTo(y.Versions.Count);
        }
    }
}
