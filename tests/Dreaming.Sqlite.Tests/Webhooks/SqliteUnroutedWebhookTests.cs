using System.Text.Json.Nodes;
using Dreaming.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>A process without webhook endpoints (the <c>dreaming</c> tool) that changes memory or ends a dream run on an
/// app's file writes the events as unrouted events, in the change's transaction; the app's dispatcher routes them to its
/// endpoints that subscribe, once, and delivers them.</summary>
public sealed class SqliteUnroutedWebhookTests : IAsyncLifetime, IDisposable
{
    private const string BrokenUnrouted = "CREATE TRIGGER unrouted_broken BEFORE INSERT ON webhook_unrouted BEGIN SELECT RAISE(ABORT, 'outbox broken'); END;";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly MemoryAuthor Ada = MemoryAuthor.Person("ada");
    private readonly TempFolder _folder = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(WebhookHarness.Secret);

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_tools_approval_reaches_the_hosts_receiver_signed_with_the_data_of_the_version()
    {
        var path = _folder.File("app.db");
        MemoryVersion proposed, active;
        using (var tool = ToolMemory(path))
        {
            proposed = await tool.ProposeAsync(Proposal(null, "a")).WaitAsync(Bound);
            active = await tool.ApproveAsync(proposed.Id, Ada).WaitAsync(Bound);
        }

        Assert.Equal(2, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted"));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_deliveries"));

        await using var host = WebhookHarness.Create(path, _receiver.Url);
        Assert.Equal(2, await host.Dispatcher.DispatchDueAsync().WaitAsync(Bound));

        var received = _receiver.Received.ToList();
        Assert.All(received, r => Assert.True(r.SignatureValid, $"signature of {r.Id} failed the independent check"));
        var bodies = received.Select(r => JsonNode.Parse(r.Body)!).ToDictionary(b => b["type"]!.GetValue<string>());
        Assert.Equal(
            [WebhookEventTypes.MemoryVersionActivated, WebhookEventTypes.MemoryVersionProposed],
            bodies.Keys.Order(StringComparer.Ordinal));
        Assert.True(JsonNode.DeepEquals(WebhookEventData.MemoryVersion(active), bodies[WebhookEventTypes.MemoryVersionActivated]["data"]));
        Assert.True(JsonNode.DeepEquals(WebhookEventData.MemoryVersion(proposed), bodies[WebhookEventTypes.MemoryVersionProposed]["data"]));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted"));
        Assert.All(await host.Outbox.ListAsync(), d => Assert.Equal(WebhookDeliveryState.Delivered, d.State));
    }

    [Fact]
    public async Task The_tools_dream_run_end_is_routed_with_its_events()
    {
        var path = _folder.File("dream.db");
        DreamRun completed;
        using (var tool = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = path, WriteUnroutedWebhooks = true }))
        {
            var run = await tool.CreateAsync(new DreamRunRequest { Scope = Bot }).WaitAsync(Bound);
            await tool.StartAsync(run.Id, "tool", TimeSpan.FromMinutes(1)).WaitAsync(Bound);
            completed = await tool.CompleteAsync(run.Id, DreamRunResults.Empty with { BudgetReached = true }).WaitAsync(Bound);
        }

        await using var host = WebhookHarness.Create(path, _receiver.Url);
        Assert.Equal(2, await host.Dispatcher.DispatchDueAsync().WaitAsync(Bound));

        var types = _receiver.Received.Select(r => JsonNode.Parse(r.Body)!["type"]!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal([WebhookEventTypes.BudgetReached, WebhookEventTypes.DreamCompleted], types);
        var ended = JsonNode.Parse(_receiver.Received.Single(r => r.Body.Contains(WebhookEventTypes.DreamCompleted, StringComparison.Ordinal)).Body)!;
        Assert.True(JsonNode.DeepEquals(WebhookEventData.DreamEnded(completed).Data, ended["data"]));
    }

    [Fact]
    public async Task Two_dispatchers_on_one_file_route_each_event_once()
    {
        var path = _folder.File("replicas.db");
        using (var tool = ToolMemory(path))
        {
            for (var i = 0; i < 40; i++)
            {
                await tool.ProposeAsync(Proposal(null, "i" + i)).WaitAsync(Bound);
            }
        }

        // Two replicas of one host: two providers, so two writer connections, as two processes are to SQLite.
        await using var a = WebhookHarness.Create(path, "https://ci.example.com/hook");
        await using var b = WebhookHarness.Create(path, "https://ci.example.com/hook");
        var routed = 0;
        for (var round = 0; round < 20 && SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted") > 0; round++)
        {
            var both = await Task.WhenAll(
                Task.Run(() => a.Outbox.RouteUnroutedAsync(_ => ["ci"], a.Clock.GetUtcNow(), 3)),
                Task.Run(() => b.Outbox.RouteUnroutedAsync(_ => ["ci"], b.Clock.GetUtcNow(), 3))).WaitAsync(Bound);
            routed += both.Sum(r => r.Routed);
        }

        Assert.Equal(40, routed);
        Assert.Equal(40, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_deliveries"));
        Assert.Equal(40, SqliteFiles.Long(path, "SELECT count(DISTINCT event_id) FROM webhook_deliveries"));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted"));
    }

    [Fact]
    public async Task An_endpoint_not_subscribed_gets_nothing_and_an_event_no_endpoint_wants_is_dropped()
    {
        var path = _folder.File("filters.db");
        using (var tool = ToolMemory(path))
        {
            var proposed = await tool.ProposeAsync(Proposal(null, "a")).WaitAsync(Bound);
            await tool.ApproveAsync(proposed.Id, Ada).WaitAsync(Bound);
        }

        await using var host = WebhookHarness.Create(path, _receiver.Url, options =>
        {
            options.Endpoints[0].Events.Add(WebhookEventTypes.MemoryVersionActivated);
            var chat = new WebhookEndpoint { Id = "chat", Url = "https://chat.example.com/hook" };
            chat.Secrets.Add(WebhookHarness.Secret);
            chat.Events.Add("session.*");
            options.Endpoints.Add(chat);
        });

        Assert.Equal(1, await host.Dispatcher.DispatchDueAsync().WaitAsync(Bound));

        var delivery = Assert.Single(await host.Outbox.ListAsync());
        Assert.Equal(("ci", WebhookEventTypes.MemoryVersionActivated, WebhookDeliveryState.Delivered), (delivery.EndpointId, delivery.EventType, delivery.State));
        Assert.Equal(WebhookEventTypes.MemoryVersionActivated, JsonNode.Parse(Assert.Single(_receiver.Received).Body)!["type"]!.GetValue<string>());

        // The proposal no endpoint subscribes to is dropped from the unrouted events; the event row itself stays.
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted"));
        Assert.Equal(2, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_events"));
    }

    [Fact]
    public async Task A_host_whose_webhooks_have_no_endpoints_leaves_the_events_for_an_instance_that_has_some()
    {
        var path = _folder.File("no-endpoints.db");
        using (var tool = ToolMemory(path))
        {
            await tool.ProposeAsync(Proposal(null, "a")).WaitAsync(Bound);
        }

        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(path).AddWebhooks(_ => { });
        await using (var bare = services.BuildServiceProvider())
        {
            Assert.Equal(0, await bare.GetRequiredService<WebhookDispatcher>().DispatchDueAsync().WaitAsync(Bound));
        }

        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted"));
        await using var host = WebhookHarness.Create(path, _receiver.Url);
        Assert.Equal(1, await host.Dispatcher.DispatchDueAsync().WaitAsync(Bound));
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task When_the_unrouted_event_cannot_be_written_the_tools_approval_does_not_happen()
    {
        var path = _folder.File("atomic.db");
        using var tool = ToolMemory(path);
        var proposed = await tool.ProposeAsync(Proposal(null, "a")).WaitAsync(Bound);
        SqliteFiles.Execute(path, BrokenUnrouted);

        var failure = await Assert.ThrowsAsync<TraceStoreException>(() => tool.ApproveAsync(proposed.Id, Ada).WaitAsync(Bound));

        Assert.Contains("outbox broken", failure.Message, StringComparison.Ordinal);
        Assert.Equal(MemoryVersionState.Proposed, (await tool.GetVersionAsync(proposed.Id))!.State);
        Assert.Null(await tool.GetActiveVersionAsync(Bot));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_events"));   // the proposal's, not the approval's
    }

    [Fact]
    public async Task A_host_with_endpoints_still_writes_deliveries_directly_even_with_the_option_set()
    {
        var path = _folder.File("host.db");
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .UseSqliteStore(path, options => options.WriteUnroutedWebhooks = true)
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookHarness.Secret, "memory.*");
        await using var host = services.BuildServiceProvider();
        var memory = host.GetRequiredService<IMemoryStore>();

        await memory.ApproveAsync((await memory.ProposeAsync(Proposal(null, "a"))).Id, Ada).WaitAsync(Bound);

        Assert.Equal(2, (await host.GetRequiredService<IWebhookOutboxStore>().ListAsync()).Count);
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted"));
    }

    [Fact]
    public async Task A_host_with_endpoints_and_its_outbox_elsewhere_publishes_once_and_writes_no_unrouted_events()
    {
        var path = _folder.File("elsewhere.db");
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents().UseSqliteStore(path, options => options.WriteUnroutedWebhooks = true);
        services.RemoveAll<IWebhookOutboxStore>();
        services.AddSingleton<IWebhookOutboxStore>(new InMemoryWebhookOutboxStore());
        builder.AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookHarness.Secret, "memory.*");
        await using var host = services.BuildServiceProvider();
        var memory = host.GetRequiredService<IMemoryStore>();

        await memory.ApproveAsync((await memory.ProposeAsync(Proposal(null, "a"))).Id, Ada).WaitAsync(Bound);

        Assert.Equal(2, (await host.GetRequiredService<IWebhookOutboxStore>().ListAsync()).Count);
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_events"));
    }

    [Fact]
    public async Task Without_the_option_a_process_without_endpoints_writes_no_webhook_rows()
    {
        var path = _folder.File("plain.db");
        using var memory = new SqliteMemoryStore(path);

        await memory.ApproveAsync((await memory.ProposeAsync(Proposal(null, "a"))).Id, Ada).WaitAsync(Bound);

        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_events"));
    }

    [Fact]
    public async Task Routing_honours_cancellation_and_leaves_the_events_unrouted()
    {
        var path = _folder.File("cancel.db");
        using (var tool = ToolMemory(path))
        {
            await tool.ProposeAsync(Proposal(null, "a")).WaitAsync(Bound);
        }

        using var outbox = new SqliteWebhookOutboxStore(path);
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => outbox.RouteUnroutedAsync(_ => ["ci"], DateTimeOffset.UtcNow, 10, canceled.Token));

        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted"));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_deliveries"));
        Assert.Equal([(WebhookEventTypes.MemoryVersionProposed)], (await outbox.ListUnroutedAsync()).Select(e => e.EventType));
        await Assert.ThrowsAsync<ArgumentNullException>("endpointsFor", () => outbox.RouteUnroutedAsync(null!, DateTimeOffset.UtcNow, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>("limit", () => outbox.RouteUnroutedAsync(_ => [], DateTimeOffset.UtcNow, 0));
    }

    [Fact]
    public async Task The_in_memory_outbox_routes_nothing()
    {
        IWebhookOutboxStore outbox = new InMemoryWebhookOutboxStore();

        Assert.Equal((0, 0), await outbox.RouteUnroutedAsync(_ => ["ci"], DateTimeOffset.UtcNow, 10));
    }

    [Fact]
    public async Task Dropping_unrouted_events_keeps_the_later_ones_and_a_canceled_drop_drops_nothing()
    {
        var path = _folder.File("drop.db");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        using (var tool = new SqliteMemoryStore(new SqliteTraceStoreOptions { ConnectionString = path, WriteUnroutedWebhooks = true }, clock))
        {
            await tool.ProposeAsync(Proposal(null, "old")).WaitAsync(Bound);
            clock.Advance(TimeSpan.FromDays(60));
            await tool.ProposeAsync(Proposal(null, "new")).WaitAsync(Bound);
        }

        using var outbox = new SqliteWebhookOutboxStore(path);
        var waiting = await outbox.ListUnroutedAsync().WaitAsync(Bound);
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => outbox.DropUnroutedAsync(clock.GetUtcNow(), canceled.Token)).WaitAsync(Bound);
        Assert.Equal(2, (await outbox.ListUnroutedAsync().WaitAsync(Bound)).Count);

        Assert.Equal([waiting[0].EventId], await outbox.DropUnroutedAsync(clock.GetUtcNow().AddDays(-30)).WaitAsync(Bound));

        Assert.Equal([waiting[1].EventId], (await outbox.ListUnroutedAsync().WaitAsync(Bound)).Select(e => e.EventId));
        Assert.Equal(2, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_events"));
    }

    private static SqliteMemoryStore ToolMemory(string path) =>
        new(new SqliteTraceStoreOptions { ConnectionString = path, WriteUnroutedWebhooks = true });

    private static MemoryProposal Proposal(string? parentVersionId, params string[] insightIds) =>
        TestProposals.Mined(Bot, new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), parentVersionId, insightIds);
}
