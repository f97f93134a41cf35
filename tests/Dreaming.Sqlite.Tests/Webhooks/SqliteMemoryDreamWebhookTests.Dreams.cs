using Dreaming.Tests;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dreaming.Sqlite.Tests.Webhooks;

public sealed partial class SqliteMemoryDreamWebhookTests
{
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
}
