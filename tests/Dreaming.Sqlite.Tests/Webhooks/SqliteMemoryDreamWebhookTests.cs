using Dreaming.Tests;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>With the outbox on the same file, a memory change or a dream run's end and its webhook rows are one transaction:
/// the rows are those the wrappers published after the commit before (same events, data and order), written once.</summary>
public sealed partial class SqliteMemoryDreamWebhookTests : IDisposable
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

    private static MemoryProposal Proposal(string? parentVersionId, params string[] insightIds) =>
        TestProposals.Mined(Bot, new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), parentVersionId, insightIds);
}
