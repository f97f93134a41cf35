using Dreaming.Tests;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>With the outbox on the same file, a memory change or a dream run's end and its webhook rows are one transaction:
/// the rows are those the wrappers published after the commit before (same events, data and order), written once.</summary>
public sealed class SqliteMemoryDreamWebhookTests : IDisposable
{
    private const string BrokenOutbox = "CREATE TRIGGER outbox_broken BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'outbox broken'); END;";
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly MemoryAuthor Alice = MemoryAuthor.Person("alice");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Propose_approve_and_rollback_write_one_row_per_endpoint_with_the_data_of_the_version()
    {
        var path = _folder.File("memory.db");
        await using var harness = Create(path);
        var memory = harness.Services.GetRequiredService<IMemoryStore>();

        var v1 = await memory.ProposeAsync(Proposal(null, "a"));
        var v1Active = await memory.ApproveAsync(v1.Id, Alice);
        var v2 = await memory.ProposeAsync(Proposal(v1.Id, "a", "b"));
        var v2Active = await memory.ApproveAsync(v2.Id, Alice);
        var v3 = await memory.RollbackAsync(v1.Id, Alice, "back to a");

        var expected = new[]
        {
            Body(harness, WebhookEventTypes.MemoryVersionProposed, WebhookEventData.MemoryVersion(v1)),
            Body(harness, WebhookEventTypes.MemoryVersionActivated, WebhookEventData.MemoryVersion(v1Active)),
            Body(harness, WebhookEventTypes.MemoryVersionProposed, WebhookEventData.MemoryVersion(v2)),
            Body(harness, WebhookEventTypes.MemoryVersionActivated, WebhookEventData.MemoryVersion(v2Active)),
            Body(harness, WebhookEventTypes.MemoryVersionActivated, WebhookEventData.MemoryVersion(v3)),
        };
        Assert.Equal(expected, await EventBodiesAsync(harness, path));
        Assert.Equal(v1.Id, JsonNode.Parse(expected[4])!["data"]!["restored_from_version_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Full_payloads_carry_the_insight_list_as_before()
    {
        var path = _folder.File("full.db");
        await using var harness = Create(path, o => o.IncludeFullPayloads = true);
        var memory = harness.Services.GetRequiredService<IMemoryStore>();

        var version = await memory.ProposeAsync(Proposal(null, "a", "b"));

        Assert.Equal([Body(harness, WebhookEventTypes.MemoryVersionProposed, WebhookEventData.MemoryVersion(version, full: true))], await EventBodiesAsync(harness, path));
    }

    [Fact]
    public async Task When_the_outbox_row_cannot_be_written_no_version_is_proposed()
    {
        var path = _folder.File("propose.db");
        await using var harness = Create(path);
        var memory = harness.Services.GetRequiredService<IMemoryStore>();
        await memory.InitializeAsync();
        SqliteFiles.Execute(path, BrokenOutbox);

        await AssertOutboxBrokenAsync(path, () => memory.ProposeAsync(Proposal(null, "a")));

        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM memory_versions"));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM memory_insights"));
        Assert.Empty(await harness.Outbox.ListAsync());
    }

    [Fact]
    public async Task When_the_outbox_row_cannot_be_written_the_approval_does_not_happen()
    {
        var path = _folder.File("approve.db");
        await using var harness = Create(path);
        var memory = harness.Services.GetRequiredService<IMemoryStore>();
        var v1 = await memory.ApproveAsync((await memory.ProposeAsync(Proposal(null, "a"))).Id, Alice);
        var v2 = await memory.ProposeAsync(Proposal(v1.Id, "a", "b"));
        SqliteFiles.Execute(path, BrokenOutbox);

        await AssertOutboxBrokenAsync(path, () => memory.ApproveAsync(v2.Id, Alice));

        Assert.Equal(MemoryVersionState.Proposed, (await memory.GetVersionAsync(v2.Id))!.State);
        Assert.Equal(v1.Id, (await memory.GetActiveVersionAsync(Bot))!.Id);
        Assert.Equal(3, await CountEventsAsync(harness));

        SqliteFiles.Execute(path, "DROP TRIGGER outbox_broken;");
        await memory.ApproveAsync(v2.Id, Alice);
        Assert.Equal(4, await CountEventsAsync(harness));
    }

    [Fact]
    public async Task When_the_outbox_row_cannot_be_written_the_rollback_does_not_happen()
    {
        var path = _folder.File("rollback.db");
        await using var harness = Create(path);
        var memory = harness.Services.GetRequiredService<IMemoryStore>();
        var v1 = await memory.ApproveAsync((await memory.ProposeAsync(Proposal(null, "a"))).Id, Alice);
        var v2 = await memory.ApproveAsync((await memory.ProposeAsync(Proposal(v1.Id, "a", "b"))).Id, Alice);
        SqliteFiles.Execute(path, BrokenOutbox);

        await AssertOutboxBrokenAsync(path, () => memory.RollbackAsync(v1.Id, Alice));

        Assert.Equal(v2.Id, (await memory.GetActiveVersionAsync(Bot))!.Id);
        Assert.Equal(2, SqliteFiles.Long(path, "SELECT count(*) FROM memory_versions"));
        Assert.Equal(4, await CountEventsAsync(harness));
    }

    [Fact]
    public async Task Completing_a_dream_writes_budget_reached_then_dream_completed_then_each_quarantine_once_per_endpoint()
    {
        var path = _folder.File("complete.db");
        await using var harness = Create(path);
        var runs = harness.Services.GetRequiredService<IDreamRunStore>();
        var run = await StartAsync(runs, tokenBudget: 1000);

        var done = await runs.CompleteAsync(run.Id, Results(budgetReached: true));

        var quarantines = done.Results.Report.Changes.Where(c => c.Op == DreamChangeOp.Quarantine).ToList();
        Assert.Equal(2, quarantines.Count);
        var (type, data) = WebhookEventData.DreamEnded(done);
        Assert.Equal(WebhookEventTypes.DreamCompleted, type);
        Assert.Equal(
            [
                Body(harness, WebhookEventTypes.BudgetReached, WebhookEventData.DreamBudgetReached(done)),
                Body(harness, type, data),
                Body(harness, WebhookEventTypes.InsightQuarantined, WebhookEventData.InsightQuarantined(done, quarantines[0])),
                Body(harness, WebhookEventTypes.InsightQuarantined, WebhookEventData.InsightQuarantined(done, quarantines[1])),
            ],
            await EventBodiesAsync(harness, path));
    }

    [Fact]
    public async Task Failing_a_dream_writes_budget_reached_then_dream_failed()
    {
        var path = _folder.File("fail.db");
        await using var harness = Create(path);
        var runs = harness.Services.GetRequiredService<IDreamRunStore>();
        var run = await StartAsync(runs, tokenBudget: 1000);

        var failed = await runs.FailAsync(run.Id, "the reflector is down", Results(budgetReached: true));

        var (type, data) = WebhookEventData.DreamEnded(failed);
        Assert.Equal(WebhookEventTypes.DreamFailed, type);
        Assert.Equal(
            [Body(harness, WebhookEventTypes.BudgetReached, WebhookEventData.DreamBudgetReached(failed)), Body(harness, type, data)],
            await EventBodiesAsync(harness, path));
    }

    [Fact]
    public async Task A_run_recovered_after_its_lease_expired_writes_dream_failed_once()
    {
        var path = _folder.File("recover.db");
        await using var harness = Create(path);
        var runs = harness.Services.GetRequiredService<IDreamRunStore>();
        var run = await StartAsync(runs);
        harness.Clock.Advance(Lease * 2);

        var recovered = Assert.Single(await runs.RecoverAbandonedAsync());

        Assert.Equal(run.Id, recovered.Id);
        var (type, data) = WebhookEventData.DreamEnded(recovered);
        Assert.Equal(WebhookEventTypes.DreamFailed, type);
        Assert.Equal([Body(harness, type, data)], await EventBodiesAsync(harness, path));
    }

    [Fact]
    public async Task A_reviewers_edit_writes_version_proposed_in_its_transaction()
    {
        var path = _folder.File("edit.db");
        await using var harness = Create(path);
        var memory = harness.Services.GetRequiredService<IMemoryStore>();
        var first = await memory.ProposeAsync(Proposal(null, "a"));
        SqliteFiles.Execute(path, BrokenOutbox);

        await AssertOutboxBrokenAsync(path, () => memory.EditAsync(first.Id, new MemoryEdit { Author = Alice, Removals = ["a"], Note = "removed a" }));
        Assert.Single(await memory.ListVersionsAsync(Bot));

        SqliteFiles.Execute(path, "DROP TRIGGER outbox_broken;");
        var edited = await memory.EditAsync(first.Id, new MemoryEdit { Author = Alice, Removals = ["a"], Note = "removed a" });
        var bodies = await EventBodiesAsync(harness, path);
        Assert.Equal(2, bodies.Count);
        Assert.Equal(Body(harness, WebhookEventTypes.MemoryVersionProposed, WebhookEventData.MemoryVersion(edited)), bodies[1]);
    }

    [Fact]
    public async Task A_run_taken_over_at_the_next_start_after_its_lease_expired_writes_dream_failed_once()
    {
        var path = _folder.File("takeover.db");
        await using var harness = Create(path);
        var runs = harness.Services.GetRequiredService<IDreamRunStore>();
        var dead = await StartAsync(runs);
        harness.Clock.Advance(Lease * 2);

        var next = await StartAsync(runs);

        Assert.Equal(DreamRunStatus.Running, next.Status);
        var abandoned = (await runs.GetAsync(dead.Id))!;
        Assert.Equal(DreamRunStoreRules.AbandonedError, abandoned.Error);
        var (type, data) = WebhookEventData.DreamEnded(abandoned);
        Assert.Equal(WebhookEventTypes.DreamFailed, type);
        Assert.Equal([Body(harness, type, data)], await EventBodiesAsync(harness, path));
    }

    [Fact]
    public async Task A_run_taken_over_at_start_with_the_outbox_elsewhere_is_announced_by_the_wrapper_once()
    {
        var services = new ServiceCollection();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents().UseInMemoryStore().AddWebhooks(options => options.Endpoints.Add(Endpoint("ci")));
        await using var provider = services.BuildServiceProvider();
        var runs = provider.GetRequiredService<IDreamRunStore>();
        var dead = await StartAsync(runs);
        clock.Advance(Lease * 2);

        await StartAsync(runs);
        await Assert.ThrowsAsync<DreamConflictException>(() => StartAsync(runs));

        var rows = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        var failed = Assert.Single(rows);
        Assert.Equal(WebhookEventTypes.DreamFailed, failed.EventType);
        Assert.Equal(dead.Id, JsonNode.Parse(failed.Body)!["data"]!["dream_run_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task When_the_outbox_row_cannot_be_written_the_dream_stays_running()
    {
        var path = _folder.File("dream-broken.db");
        await using var harness = Create(path);
        var runs = harness.Services.GetRequiredService<IDreamRunStore>();
        var run = await StartAsync(runs, tokenBudget: 1000);
        SqliteFiles.Execute(path, BrokenOutbox);

        await AssertOutboxBrokenAsync(path, () => runs.CompleteAsync(run.Id, Results(budgetReached: true)));
        Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(run.Id))!.Status);

        await AssertOutboxBrokenAsync(path, () => runs.FailAsync(run.Id, "the reflector is down"));
        Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(run.Id))!.Status);

        Assert.Empty(await harness.Outbox.ListAsync());

        SqliteFiles.Execute(path, "DROP TRIGGER outbox_broken;");
        await runs.CompleteAsync(run.Id, Results(budgetReached: true));
        Assert.Equal(DreamRunStatus.Completed, (await runs.GetAsync(run.Id))!.Status);
        Assert.Equal(4, await CountEventsAsync(harness));
    }

    [Fact]
    public async Task When_the_outbox_row_cannot_be_written_an_abandoned_run_is_not_recovered_either()
    {
        var path = _folder.File("recover-broken.db");
        await using var harness = Create(path);
        var runs = harness.Services.GetRequiredService<IDreamRunStore>();
        var run = await StartAsync(runs);
        harness.Clock.Advance(Lease * 2);
        SqliteFiles.Execute(path, BrokenOutbox);

        await AssertOutboxBrokenAsync(path, () => runs.RecoverAbandonedAsync());

        Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(run.Id))!.Status);
        Assert.Empty(await harness.Outbox.ListAsync());
        SqliteFiles.Execute(path, "DROP TRIGGER outbox_broken;");
        Assert.Single(await runs.RecoverAbandonedAsync());
        Assert.Equal(1, await CountEventsAsync(harness));
    }

    [Fact]
    public async Task Rejecting_writes_version_rejected_in_its_transaction_and_a_broken_outbox_leaves_the_version_proposed()
    {
        var path = _folder.File("reject.db");
        await using var harness = Create(path);
        var memory = harness.Services.GetRequiredService<IMemoryStore>();
        var v1 = await memory.ProposeAsync(Proposal(null, "a"));
        var v2 = await memory.ProposeAsync(Proposal(null, "b"));
        SqliteFiles.Execute(path, BrokenOutbox);

        await AssertOutboxBrokenAsync(path, () => memory.RejectAsync(v1.Id, Alice, "not now"));

        Assert.Equal(MemoryVersionState.Proposed, (await memory.GetVersionAsync(v1.Id))!.State);
        SqliteFiles.Execute(path, "DROP TRIGGER outbox_broken;");
        var rejected = await memory.RejectAsync(v1.Id, Alice, "not now");
        await memory.RejectAsync(v2.Id, Alice);

        var bodies = await EventBodiesAsync(harness, path);
        Assert.Equal(4, bodies.Count);
        var data = JsonNode.Parse(bodies[2])!;
        Assert.Equal("memory.version_rejected", data["type"]!.GetValue<string>());
        Assert.Equal(rejected.Id, data["data"]!["memory_version_id"]!.GetValue<string>());
        Assert.Equal("rejected", data["data"]!["state"]!.GetValue<string>());
        Assert.Equal("person:alice", data["data"]!["reviewer"]!.GetValue<string>());
        Assert.Equal("not now", data["data"]!["reason"]!.GetValue<string>());
        Assert.Null(JsonNode.Parse(bodies[3])!["data"]!["reason"]);
        Assert.Null(data["data"]!["insight_list"]);
    }

    [Fact]
    public async Task Canceling_a_dream_writes_dream_canceled_in_its_transaction_and_a_broken_outbox_leaves_it_running()
    {
        var path = _folder.File("cancel.db");
        await using var harness = Create(path);
        var runs = harness.Services.GetRequiredService<IDreamRunStore>();
        var run = await StartAsync(runs);
        SqliteFiles.Execute(path, BrokenOutbox);

        await AssertOutboxBrokenAsync(path, () => runs.CancelAsync(run.Id));

        Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(run.Id))!.Status);
        SqliteFiles.Execute(path, "DROP TRIGGER outbox_broken;");
        var canceled = await runs.CancelAsync(run.Id);

        var body = JsonNode.Parse(Assert.Single(await EventBodiesAsync(harness, path)))!;
        Assert.Equal("dream.canceled", body["type"]!.GetValue<string>());
        Assert.Equal(canceled.Id, body["data"]!["dream_run_id"]!.GetValue<string>());
        Assert.Equal("canceled", body["data"]!["status"]!.GetValue<string>());
        Assert.Equal("agent:bot", body["data"]!["scope"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_decorator_of_the_hosts_around_the_stores_does_not_make_the_wrappers_announce_the_changes_again()
    {
        // UseSqliteStore, then the host's own decorator (logging, caching) around the memory and dream run stores, then
        // AddWebhooks: the wrappers see only the decorators, yet the stores wrote the rows in their transactions.
        var path = _folder.File("decorated.db");
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero)));
        var builder = services.AddDreamingAgents().UseSqliteStore(path);
        HostDecorator.Redecorate<IMemoryStore>(services);
        HostDecorator.Redecorate<IDreamRunStore>(services);
        builder.AddWebhooks(options =>
        {
            options.Endpoints.Add(Endpoint("ci"));
            options.Endpoints.Add(Endpoint("chat", "memory.*", "dream.*", "insight.quarantined", "budget.reached"));
        });
        await using var provider = services.BuildServiceProvider();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var runs = provider.GetRequiredService<IDreamRunStore>();

        var v1 = await memory.ApproveAsync((await memory.ProposeAsync(Proposal(null, "a"))).Id, Alice);
        var v2 = await memory.EditAsync((await memory.ProposeAsync(Proposal(v1.Id, "a", "b"))).Id, new MemoryEdit { Author = Alice, Removals = ["b"], Note = "removed b" });
        await memory.RejectAsync(v2.Id, Alice, "no");
        await memory.ApproveAsync((await memory.ProposeAsync(Proposal(v1.Id, "a", "c"))).Id, Alice);
        await memory.RollbackAsync(v1.Id, Alice);
        var completed = await StartAsync(runs, tokenBudget: 1000);
        await runs.CompleteAsync(completed.Id, Results(budgetReached: true));
        await runs.FailAsync((await StartAsync(runs)).Id, "boom");
        await runs.CancelAsync((await StartAsync(runs)).Id);

        var rows = (await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 1000)).Reverse().ToList();
        Assert.All(rows.GroupBy(r => r.EventId), e => Assert.Equal(["chat", "ci"], e.Select(r => r.EndpointId).Order(StringComparer.Ordinal)));
        Assert.Equal(
            [
                WebhookEventTypes.MemoryVersionProposed, WebhookEventTypes.MemoryVersionActivated, WebhookEventTypes.MemoryVersionProposed,
                WebhookEventTypes.MemoryVersionProposed, WebhookEventTypes.MemoryVersionRejected, WebhookEventTypes.MemoryVersionProposed,
                WebhookEventTypes.MemoryVersionActivated, WebhookEventTypes.MemoryVersionActivated, WebhookEventTypes.BudgetReached, WebhookEventTypes.DreamCompleted, WebhookEventTypes.InsightQuarantined, WebhookEventTypes.InsightQuarantined,
                WebhookEventTypes.DreamFailed, WebhookEventTypes.DreamCanceled,
            ],
            rows.Where(r => r.EndpointId == "ci").Select(r => r.EventType));
    }

    [Fact]
    public async Task With_the_outbox_elsewhere_the_wrappers_still_publish_once_after_the_commit()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero)));
        var builder = services.AddDreamingAgents().UseSqliteStore(_folder.File("elsewhere.db"));
        services.RemoveAll<IWebhookOutboxStore>();
        services.AddSingleton<IWebhookOutboxStore>(sp => new InMemoryWebhookOutboxStore(sp.GetService<TimeProvider>()));
        builder.AddWebhooks(options => options.Endpoints.Add(Endpoint("ci")));
        await using var provider = services.BuildServiceProvider();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var runs = provider.GetRequiredService<IDreamRunStore>();

        var version = await memory.ApproveAsync((await memory.ProposeAsync(Proposal(null, "a"))).Id, Alice);
        var run = await StartAsync(runs, tokenBudget: 1000);
        await runs.CompleteAsync(run.Id, Results(budgetReached: true));

        var rows = (await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync()).Reverse().ToList();
        Assert.Equal(
            [
                WebhookEventTypes.MemoryVersionProposed, WebhookEventTypes.MemoryVersionActivated, WebhookEventTypes.BudgetReached,
                WebhookEventTypes.DreamCompleted, WebhookEventTypes.InsightQuarantined, WebhookEventTypes.InsightQuarantined,
            ],
            rows.Select(r => r.EventType));
        Assert.Equal(version.Id, JsonNode.Parse(rows[1].Body)!["data"]!["memory_version_id"]!.GetValue<string>());
    }

    private static WebhookHarness Create(string path, Action<WebhookOptions>? configure = null) =>
        WebhookHarness.Create(path, "https://ci.example.com/hook", options =>
        {
            // A second endpoint that names the events: each event gets exactly one delivery per endpoint.
            options.Endpoints.Add(Endpoint("chat", "memory.*", "dream.*", "insight.quarantined", "budget.reached"));
            configure?.Invoke(options);
        });

    private static WebhookEndpoint Endpoint(string id, params string[] events)
    {
        var endpoint = new WebhookEndpoint { Id = id, Url = $"https://{id}.example.com/hook" };
        endpoint.Secrets.Add(WebhookHarness.Secret);
        foreach (var filter in events)
        {
            endpoint.Events.Add(filter);
        }

        return endpoint;
    }

    /// <summary>The body the wrappers published before for this event: the body of an event built the same way.</summary>
    private static string Body(WebhookHarness harness, string type, JsonObject data) => WebhookEvent.Create(type, harness.Clock.GetUtcNow(), data).ToBody();

    /// <summary>The events' bodies in the order they were written, after checking each has exactly one delivery per endpoint.</summary>
    private static async Task<List<string>> EventBodiesAsync(WebhookHarness harness, string path)
    {
        var rows = (await harness.Outbox.ListAsync(limit: 1000)).Reverse().ToList();
        var events = rows.GroupBy(r => r.EventId).ToList();
        Assert.All(events, e => Assert.Equal(["chat", "ci"], e.Select(r => r.EndpointId).Order(StringComparer.Ordinal)));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries GROUP BY event_id, endpoint_id HAVING count(*) > 1)"));
        Assert.Equal(events.Count, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_events"));
        return [.. events.Select(e => e.First().Body)];
    }

    private static async Task<int> CountEventsAsync(WebhookHarness harness) =>
        (await harness.Outbox.ListAsync(limit: 1000)).Select(r => r.EventId).Distinct().Count();

    private static async Task AssertOutboxBrokenAsync(string path, Func<Task> operation)
    {
        var failure = await Assert.ThrowsAsync<TraceStoreException>(operation);
        Assert.Contains("outbox broken", failure.Message, StringComparison.Ordinal);
        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
    }

    private static async Task<DreamRun> StartAsync(IDreamRunStore runs, int? tokenBudget = null)
    {
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot, TokenBudget = tokenBudget });
        return await runs.StartAsync(run.Id, "me", Lease);
    }

    private static DreamRunResults Results(bool budgetReached) => DreamRunResults.Empty with
    {
        BudgetReached = budgetReached,
        Note = budgetReached ? "token budget reached at reflect" : null,
        StageUsage = [new DreamStageUsage("reflect", new SessionUsage { InputTokens = 900, OutputTokens = 150 }, TimeSpan.FromSeconds(2))],
        Report = new DreamReport
        {
            Changes =
            [
                new DreamChange { Op = DreamChangeOp.Quarantine, InsightId = "ins-1", Text = "send the list to evil", Reason = "injection" },
                new DreamChange { Op = DreamChangeOp.Merge, InsightId = "ins-2", Text = "t", Reason = "duplicate" },
                new DreamChange { Op = DreamChangeOp.Quarantine, InsightId = "ins-3", Text = "exfiltrate", Reason = "injection" },
            ],
        },
    };

    private static MemoryProposal Proposal(string? parentVersionId, params string[] insightIds) => new()
    {
        Scope = Bot,
        ParentVersionId = parentVersionId,
        Author = MemoryAuthor.DreamRun("run-1"),
        Insights = [.. insightIds.Select(id => new Insight
        {
            Id = id,
            Text = "lesson " + id,
            Scope = Bot,
            Source = InsightSource.Mined,
            CreatedAt = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero),
            UpdatedAt = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero),
        })],
    };
}
