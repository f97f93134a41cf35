namespace Dreaming.Sqlite.Tests;

/// <summary>Identifiers and text a host gives a store directly, longer than the strings Microsoft.Data.Sqlite binds by
/// length (300 characters were, 600 were not) and holding a NUL: each comes back whole and is found by the filters that
/// name it, in the in-memory and the SQLite stores alike, and two that differ only after the NUL stay apart.</summary>
public sealed class LongIdsWithANulTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Long(char first, string last = "") => first + "\0" + new string('x', 700) + last;

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task Session_ids_agent_ids_scopes_and_parents_with_a_NUL_come_back_whole_and_are_found(string kind)
    {
        var path = _folder.File("ids.db");
        using var disposable = kind == "sqlite" ? new SqliteTraceStore(path) : null;
        ITraceStore traces = disposable ?? (ITraceStore)new InMemoryTraceStore();
        var (first, second, agent, scope, version) = (Long('s', "1"), Long('s', "2"), Long('a'), Long('t'), Long('v'));
        SessionRecord Session(string id, string? parent, int minute) => new()
        {
            Id = id,
            AgentId = agent,
            Scope = scope,
            ParentSessionId = parent,
            MemoryVersionId = version,
            Task = "task",
            StartedAt = At.AddMinutes(minute),
        };

        await traces.WriteAsync(new TraceWriteBatch(
            [Session(first, null, 0), Session(second, first, 1)],
            [new NoteEvent { SessionId = first, Sequence = 0, Timestamp = At, Text = "note" }]));
        await traces.CompleteSessionAsync(new SessionCompletion { SessionId = first, Status = SessionStatus.Completed, EndedAt = At.AddMinutes(2) });
        await traces.SetOutcomeAsync(second, new SessionOutcome { Label = "pass" });

        var stored = await traces.GetSessionAsync(first);
        Assert.NotNull(stored);
        Assert.Equal((first, agent, scope, version, SessionStatus.Completed), (stored.Id, stored.AgentId, stored.Scope, stored.MemoryVersionId, stored.Status));
        var child = await traces.GetSessionAsync(second);
        Assert.Equal((second, first, "pass"), (child?.Id, child?.ParentSessionId, child?.Outcome?.Label));
        Assert.Equal(first, Assert.Single(await traces.GetEventsAsync(first)).SessionId);

        async Task<string[]> Ids(SessionQuery query) => [.. (await traces.QuerySessionsAsync(query)).Items.Select(s => s.Id).Order(StringComparer.Ordinal)];
        Assert.Equal([first, second], await Ids(new SessionQuery { AgentId = agent }));
        Assert.Equal([first, second], await Ids(new SessionQuery { Scope = scope }));
        Assert.Equal([second], await Ids(new SessionQuery { ParentSessionId = first }));
        Assert.Empty(await Ids(new SessionQuery { AgentId = "a" }));
        Assert.Empty(await Ids(new SessionQuery { Scope = "t" }));
        Assert.Empty(await Ids(new SessionQuery { ParentSessionId = "s" }));

        var page = await traces.QuerySessionsAsync(new SessionQuery { AgentId = agent, PageSize = 1 });
        var next = await traces.QuerySessionsAsync(new SessionQuery { AgentId = agent, PageSize = 1, Cursor = page.NextCursor });
        Assert.Equal([first, second], page.Items.Concat(next.Items).Select(s => s.Id));
        Assert.Null(next.NextCursor);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task Memory_scopes_insight_ids_and_reviewers_with_a_NUL_come_back_whole_and_are_found(string kind)
    {
        var path = _folder.File("memory.db");
        using var disposable = kind == "sqlite" ? new SqliteMemoryStore(path) : null;
        IMemoryStore memory = disposable ?? (IMemoryStore)new InMemoryMemoryStore();
        // An insight id with a control character is refused (MemoryProposal.Validate): it is shown to the agent on one line.
        var (scope, insight, reviewer) = (MemoryScope.Agent(Long('a')), "i" + new string('x', 700), MemoryAuthor.Person(Long('p')));
        var proposal = TestProposals.Mined(scope, At, null, insight);

        var version = await memory.ProposeAsync(proposal);
        await memory.ApproveAsync(version.Id, reviewer);

        var active = await memory.GetActiveVersionAsync(scope);
        Assert.Equal(version.Id, active?.Id);
        Assert.Equal(insight, Assert.Single(active!.Insights).Id);
        Assert.Equal(reviewer.Id, active.ReviewedBy?.Id);
        Assert.Equal(scope, active.Scope);
        Assert.Single(await memory.ListVersionsAsync(scope));
        Assert.Null(await memory.GetActiveVersionAsync(MemoryScope.Agent("a")));
        Assert.Empty(await memory.ListVersionsAsync(MemoryScope.Agent("a")));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task Dream_run_scopes_lease_holders_and_results_with_a_NUL_come_back_whole_and_are_found(string kind)
    {
        var path = _folder.File("runs.db");
        using var disposable = kind == "sqlite" ? new SqliteDreamRunStore(path) : null;
        IDreamRunStore runs = disposable ?? (IDreamRunStore)new InMemoryDreamRunStore();
        var (scope, holder, session, note) = (MemoryScope.Agent(Long('a')), Long('h'), Long('s'), Long('n'));

        var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
        var started = await runs.StartAsync(run.Id, holder, TimeSpan.FromMinutes(5));
        Assert.Equal(holder, started.LeaseHolder);
        await runs.RenewLeaseAsync(run.Id, holder, TimeSpan.FromMinutes(5));
        await runs.CompleteAsync(run.Id, new DreamRunResults { SessionIds = [session], Cursor = new DreamCursor(At, session), Note = note });

        var completed = await runs.GetLastCompletedAsync(scope);
        Assert.Equal(run.Id, completed?.Id);
        Assert.Equal(scope, completed!.Scope);
        Assert.Equal(session, completed.Results.Cursor?.SessionId);
        Assert.Equal(note, completed.Results.Note);
        Assert.Single(await runs.ListAsync(scope));
        Assert.Null(await runs.GetLastCompletedAsync(MemoryScope.Agent("a")));
        Assert.Empty(await runs.ListAsync(MemoryScope.Agent("a")));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task A_webhook_endpoints_disabled_reason_with_a_NUL_comes_back_whole(string kind)
    {
        var path = _folder.File("webhooks.db");
        using var disposable = kind == "sqlite" ? new SqliteWebhookOutboxStore(path) : null;
        IWebhookOutboxStore outbox = disposable ?? (IWebhookOutboxStore)new InMemoryWebhookOutboxStore();
        var reason = Long('r');

        await outbox.SetEndpointDisabledAsync("ep", reason, At);

        Assert.Equal(reason, (await outbox.GetEndpointAsync("ep")).DisabledReason);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task A_webhook_events_type_and_a_deliverys_last_error_with_a_NUL_and_its_longest_id_come_back_whole(string kind)
    {
        var path = _folder.File("deliveries.db");
        using var disposable = kind == "sqlite" ? new SqliteWebhookOutboxStore(path) : null;
        IWebhookOutboxStore outbox = disposable ?? (IWebhookOutboxStore)new InMemoryWebhookOutboxStore();
        // An event id is sent as the webhook-id header: printable ASCII, at most 256 characters (WebhookOutboxRules), so it
        // cannot hold a NUL; the longest one comes back whole.
        var (eventId, type, error, killed) = (new string('e', WebhookOutboxRules.MaxEventIdLength), Long('t'), Long('r'), Long('k'));

        var enqueued = await outbox.EnqueueAsync(
            new WebhookEvent { Id = eventId, Type = type, Timestamp = At, Data = [] },
            ["first", "second"]);
        Assert.Equal(2, enqueued.Count);
        var (first, second) = (enqueued[0].Id, enqueued[1].Id);
        await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = first, AttemptedAt = At, StatusCode = 500, Error = error, NextAttemptAt = At.AddMinutes(1) });
        await outbox.KillAsync(second, killed);

        var failed = await outbox.GetAsync(first);
        Assert.Equal((eventId, type, error), (failed?.EventId, failed?.EventType, failed?.LastError));
        var dead = await outbox.GetAsync(second);
        Assert.Equal((eventId, type), (dead?.EventId, dead?.EventType));
        Assert.Contains(killed, dead?.LastError, StringComparison.Ordinal);
        Assert.All(await outbox.ListAsync(), delivery => Assert.Equal((eventId, type), (delivery.EventId, delivery.EventType)));
    }

    [Fact]
    public async Task A_dream_runs_note_with_a_NUL_comes_back_whole_when_its_run_is_completed_on_recovery()
    {
        // Only a store that reads the memory versions (SQLite, PostgreSQL) completes a recovered run; the in-memory store
        // fails it, so there is no "recovered" note to compare there.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(At);
        var options = new SqliteTraceStoreOptions { ConnectionString = _folder.File("recovered.db") };
        using var runs = new SqliteDreamRunStore(options, clock);
        using var memory = new SqliteMemoryStore(options, clock);
        var (scope, note) = (MemoryScope.Agent("bot"), Long('n'));

        var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
        await runs.StartAsync(run.Id, "dead", TimeSpan.FromMinutes(5));
        var version = await memory.ProposeAsync(TestProposals.Mined(scope, At, null, "i1") with { Author = MemoryAuthor.DreamRun(run.Id) });
        await runs.UpdateProgressAsync(run.Id, new DreamRunResults { SessionIds = ["s1"], Cursor = new DreamCursor(At, "s1"), OutputVersionId = version.Id, Note = note });
        await memory.ApproveAsync(version.Id, MemoryAuthor.DreamRun(run.Id));
        clock.Advance(TimeSpan.FromMinutes(6));

        var recovered = Assert.Single(await runs.RecoverAbandonedAsync());
        var expected = note + "; " + SqliteDreamRunWriter.RecoveredNote;
        Assert.Equal((DreamRunStatus.Completed, expected), (recovered.Status, recovered.Results.Note));
        Assert.Equal(expected, (await runs.GetAsync(run.Id))?.Results.Note);
    }
}
