using Dreaming.Tests;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dreaming.Sqlite.Tests.Webhooks;

public sealed partial class SqliteMemoryDreamWebhookTests
{
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
}
