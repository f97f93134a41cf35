using System.Text.Json;
using Dreaming.Sqlite;
using Dreaming.Sqlite.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Tests;

/// <summary>The tool has no webhook endpoints: what 'memory approve' (reject, rollback, edit) and 'dream' change on an
/// app's database is written to its outbox as unrouted events, which the app's dispatcher routes to its receivers.</summary>
public sealed class UnroutedWebhookCommandTests : IAsyncLifetime
{
    private static readonly string Secret = WebhookSecret.Generate();
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly MemoryScope Scope = MemoryScope.Agent("support-bot");
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(Secret);

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Approving_with_the_tool_reaches_the_apps_receiver_when_its_dispatcher_runs()
    {
        using var cli = new CliRunner();
        var proposed = await ProposeAsync(cli.Database);

        var (exit, text, error) = await cli.RunAsync("memory", "approve", proposed, "--by", "ada", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("webhooks: memory.version_activated written to the outbox; it reaches the app's receivers when the app's webhook dispatcher next runs on this database", text, StringComparison.Ordinal);
        var (listExit, listed, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database);
        Assert.Equal(0, listExit);
        Assert.Contains("1 event written by this tool waits, unrouted, for the app's webhook dispatcher", listed, StringComparison.Ordinal);
        var (_, help, _) = await cli.RunAsync("webhooks", "list", "--help");
        Assert.Contains("with --unrouted this many events, oldest first", help, StringComparison.Ordinal);
        var (jsonExit, json, _) = await cli.RunAsync("webhooks", "list", "--unrouted", "--json", "--db", cli.Database);
        Assert.Equal(0, jsonExit);
        var waiting = Assert.Single(JsonDocument.Parse(json).RootElement.EnumerateArray());
        Assert.Equal("memory.version_activated", waiting.GetProperty("eventType").GetString());

        Assert.Equal(1, await DispatchAsHostAsync(cli.Database));

        var (id, _, _, body, _, valid) = Assert.Single(_receiver.Received);
        Assert.True(valid, "the signature failed the independent check");
        Assert.Equal(waiting.GetProperty("eventId").GetString(), id);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("memory.version_activated", root.GetProperty("type").GetString());
        Assert.Equal(proposed, root.GetProperty("data").GetProperty("memory_version_id").GetString());
        Assert.Equal("active", root.GetProperty("data").GetProperty("state").GetString());
        var (afterExit, after, _) = await cli.RunAsync("webhooks", "list", "--unrouted", "--db", cli.Database);
        Assert.Equal(0, afterExit);
        Assert.Contains("no unrouted webhook events", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reject_rollback_and_edit_write_their_events_and_no_webhooks_writes_none()
    {
        using var cli = new CliRunner();
        var v1 = await ProposeAsync(cli.Database);
        var v2 = await ProposeAsync(cli.Database);

        var runs = new[]
        {
            await cli.RunAsync("memory", "approve", v1, "--db", cli.Database, "--no-webhooks"),
            await cli.RunAsync("memory", "reject", v2, "--db", cli.Database, "--json"),
            await cli.RunAsync("memory", "edit", v1, "--add", "Check the total.", "--db", cli.Database, "--json"),
        };
        var v3 = JsonDocument.Parse(runs[2].Output).RootElement.GetProperty("version").GetProperty("id").GetString()!;
        runs = [.. runs, await cli.RunAsync("memory", "approve", v3, "--db", cli.Database), await cli.RunAsync("memory", "rollback", v1, "--db", cli.Database)];

        Assert.All(runs, r => Assert.True(r.Exit == 0, r.Error));
        Assert.Contains("webhooks: memory.version_activated written to the outbox", runs[4].Output, StringComparison.Ordinal);
        Assert.DoesNotContain("webhooks:", runs[0].Output, StringComparison.Ordinal);
        using var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database));
        Assert.Equal(
            ["memory.version_rejected", "memory.version_proposed", "memory.version_activated", "memory.version_activated"],
            (await outbox.ListUnroutedAsync()).Select(e => e.EventType));
    }

    [Fact]
    public async Task A_dream_run_by_the_tool_is_announced_by_the_apps_dispatcher()
    {
        using var cli = new CliRunner();
        var log = cli.WriteFile("log.jsonl", string.Join('\n', Enumerable.Range(0, 12).Select(Session)));
        var (importExit, _, importError) = await cli.RunAsync("import", log, "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(importExit == 0, importError);

        var (exit, text, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("webhooks: the run's events (dream.*, memory.version_*, budget.reached, insight.quarantined) written to the outbox; they reach", text, StringComparison.Ordinal);
        Assert.Equal(3, await DispatchAsHostAsync(cli.Database));
        Assert.All(_receiver.Received, r => Assert.True(r.SignatureValid, $"signature of {r.Id} failed the independent check"));
        var types = _receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["dream.completed", "memory.version_activated", "memory.version_proposed"], types);

        static string Session(int i) => i < 8
            ? $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""";
    }

    [Fact]
    public async Task A_dream_with_no_webhooks_writes_no_events()
    {
        using var cli = new CliRunner();
        await ProposeAsync(cli.Database);

        var (exit, text, error) = await cli.RunAsync("dream", "--agent", "support-bot", "--db", cli.Database, "--no-webhooks");

        Assert.True(exit == 0, error);
        Assert.DoesNotContain("webhooks:", text, StringComparison.Ordinal);
        using var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database));
        Assert.Empty(await outbox.ListUnroutedAsync());
    }

    [Fact]
    public async Task Events_written_long_ago_for_an_app_without_webhooks_can_be_dropped_so_an_app_that_adds_them_does_not_send_them()
    {
        // The app had no webhooks for months: the tool's reviews of then wait, unrouted. Once the app adds AddWebhooks its
        // first passes would deliver them all, as news; dropping the old ones leaves only today's for it to send.
        using var cli = new CliRunner();
        var old = await ProposeAsync(cli.Database);
        var (oldExit, _, oldError) = await cli.RunAsync("memory", "approve", old, "--db", cli.Database);
        Assert.True(oldExit == 0, oldError);
        Sql(cli.Database, $"UPDATE webhook_unrouted SET created_ms = created_ms - {(long)TimeSpan.FromDays(90).TotalMilliseconds};");
        var oldEvent = (string)Sql(cli.Database, "SELECT event_id FROM webhook_unrouted")!;
        var recent = await ProposeAsync(cli.Database);
        var (recentExit, _, recentError) = await cli.RunAsync("memory", "reject", recent, "--db", cli.Database);
        Assert.True(recentExit == 0, recentError);

        var (exit, text, error) = await cli.RunAsync("webhooks", "drop-unrouted", "--older-than", "30d", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("dropped 1 unrouted webhook event written before ", text, StringComparison.Ordinal);
        var (jsonExit, json, _) = await cli.RunAsync("webhooks", "drop-unrouted", "--older-than", "1d", "--json", "--db", cli.Database);
        Assert.Equal(0, jsonExit);
        Assert.Equal(0, JsonDocument.Parse(json).RootElement.GetProperty("count").GetInt32());
        Assert.Equal(1, await DispatchAsHostAsync(cli.Database));
        var body = Assert.Single(_receiver.Received).Body;
        Assert.Equal("memory.version_rejected", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());

        // The dropped event itself stays in the outbox (events are never deleted), with no delivery.
        Assert.Equal(1L, Sql(cli.Database, $"SELECT count(*) FROM webhook_events WHERE id = '{oldEvent}'"));
        Assert.Equal(0L, Sql(cli.Database, $"SELECT count(*) FROM webhook_deliveries WHERE event_id = '{oldEvent}'"));
        var (badExit, _, badError) = await cli.RunAsync("webhooks", "drop-unrouted", "--older-than", "soon", "--db", cli.Database);
        Assert.NotEqual(0, badExit);
        Assert.Contains("--older-than", badError, StringComparison.Ordinal);
    }

    /// <summary>The app: its stores on the same file, AddWebhooks with an endpoint to the receiver; one dispatcher pass.</summary>
    private async Task<int> DispatchAsHostAsync(string database)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(CliServices.ToConnectionString(database)).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            var endpoint = new WebhookEndpoint { Id = "ci", Url = _receiver.Url };
            endpoint.Secrets.Add(Secret);
            options.Endpoints.Add(endpoint);
        });
        await using var host = services.BuildServiceProvider();
        return await host.GetRequiredService<WebhookDispatcher>().DispatchDueAsync().WaitAsync(Bound);
    }

    private static object? Sql(string database, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static async Task<string> ProposeAsync(string database)
    {
        using var store = new SqliteMemoryStore("Data Source=" + database);
        var now = DateTimeOffset.UtcNow;
        var version = await store.ProposeAsync(new MemoryProposal
        {
            Scope = Scope,
            Author = MemoryAuthor.DreamRun("dr-1"),
            Insights = [new Insight { Id = "ins-order", Text = "Write order ids as #W1234.", Scope = Scope, Source = InsightSource.Mined, CreatedAt = now, UpdatedAt = now }],
        });
        return version.Id;
    }
}
