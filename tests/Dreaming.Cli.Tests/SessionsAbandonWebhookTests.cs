using System.Text.Json;
using Dreaming.Sqlite;
using Dreaming.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming sessions abandon</c> writes the <c>orchestration.failed</c> (status <c>abandoned</c>) it records for
/// a crashed run into the database's outbox as an unrouted webhook event, for the app's dispatcher: once, also when the
/// app's own recovery ends the same run at the same time.</summary>
public sealed class SessionsAbandonWebhookTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_crashed_run_ended_by_the_tool_gets_one_unrouted_orchestration_failed_and_the_output_says_so(bool json)
    {
        using var cli = new CliRunner();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await SeedCrashedRunAsync(cli.Database, "run-1", at);
        await SeedAsync(cli.Database, new SessionRecord { Id = "plain", AgentId = "support-bot", Task = "t", StartedAt = at });

        string[] args = ["sessions", "abandon", "--older-than", "6h", "--db", cli.Database];
        var (exit, output, error) = await cli.RunAsync(json ? [.. args, "--json"] : args);

        Assert.True(exit == 0, error);
        if (json)
        {
            Assert.Equal(1, JsonDocument.Parse(output).RootElement.GetProperty("webhookEvents").GetInt32());
        }
        else
        {
            Assert.Contains("webhooks: orchestration.failed (status abandoned) of 1 crashed orchestration run written to the outbox; it reaches the app's receivers when the app's webhook dispatcher next runs on this database", output, StringComparison.Ordinal);
        }

        using var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database));
        var waiting = Assert.Single(await outbox.ListUnroutedAsync());
        Assert.Equal(WebhookEventTypes.OrchestrationFailed, waiting.EventType);
        var data = await BodyDataAsync(cli.Database, waiting.EventId);
        Assert.Equal("run-1", data.GetProperty("orchestration_session_id").GetString());
        Assert.Equal(OrchestrationFailedEvent.AbandonedStatus, data.GetProperty("status").GetString());
        Assert.Equal(1, data.GetProperty("completed_items").GetInt32());
        Assert.Equal(2, data.GetProperty("item_count").GetInt32());

        // Again: the run is ended, nothing more is written.
        var (againExit, again, againError) = await cli.RunAsync("sessions", "abandon", "--older-than", "6h", "--db", cli.Database);
        Assert.True(againExit == 0, againError);
        Assert.DoesNotContain("webhooks:", again, StringComparison.Ordinal);
        Assert.Single(await outbox.ListUnroutedAsync());
    }

    [Fact]
    public async Task No_webhooks_writes_no_event_and_sessions_that_are_not_runs_write_none()
    {
        using var cli = new CliRunner();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await SeedCrashedRunAsync(cli.Database, "run-1", at);
        await SeedAsync(cli.Database, new SessionRecord { Id = "plain", AgentId = "support-bot", Task = "t", StartedAt = at });

        var (exit, output, error) = await cli.RunAsync("sessions", "abandon", "--older-than", "6h", "--db", cli.Database, "--no-webhooks");

        Assert.True(exit == 0, error);
        Assert.Contains("abandoned 2 sessions", output, StringComparison.Ordinal);
        Assert.DoesNotContain("webhooks:", output, StringComparison.Ordinal);
        using var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database));
        Assert.Empty(await outbox.ListUnroutedAsync());
    }

    [Fact]
    public async Task The_tool_racing_the_apps_recovery_leaves_one_orchestration_failed_in_the_outbox()
    {
        // The app's recovery has written the run's end when the tool runs whole, just before the app ends the session: the
        // tool finds the end written, writes no event and no webhook; the app tells its webhook observer. One event in all.
        using var cli = new CliRunner();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await SeedCrashedRunAsync(cli.Database, "run-1", at);
        await SeedCrashedRunAsync(cli.Database, "run-2", at.AddSeconds(1));
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(CliServices.ToConnectionString(cli.Database)).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            var endpoint = new WebhookEndpoint { Id = "ci", Url = "http://127.0.0.1:9/hook" };
            endpoint.Secrets.Add(WebhookSecret.Generate());
            options.Endpoints.Add(endpoint);
        });
        await using var app = services.BuildServiceProvider();
        var toolOutput = string.Empty;
        var store = new BeforeFirstCompletion(app.GetRequiredService<ITraceStore>(), async () =>
        {
            var (exit, output, error) = await cli.RunAsync("sessions", "abandon", "--older-than", "6h", "--db", cli.Database);
            Assert.True(exit == 0, error);
            toolOutput = output;
        });

        await store.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow.AddHours(-6), app.GetServices<IOrchestrationObserver>());

        Assert.Contains("webhooks: orchestration.failed (status abandoned) of 1 crashed orchestration run written to the outbox", toolOutput, StringComparison.Ordinal);
        var outbox = app.GetRequiredService<IWebhookOutboxStore>();
        var routed = (await outbox.ListAsync()).Where(d => d.EventType == WebhookEventTypes.OrchestrationFailed).ToList();
        var unrouted = (await ((SqliteWebhookOutboxStore)outbox).ListUnroutedAsync()).Where(e => e.EventType == WebhookEventTypes.OrchestrationFailed).ToList();
        var runs = routed.Select(d => JsonDocument.Parse(d.Body).RootElement.GetProperty("data").GetProperty("orchestration_session_id").GetString())
            .Concat(await Task.WhenAll(unrouted.Select(async e => (await BodyDataAsync(cli.Database, e.EventId)).GetProperty("orchestration_session_id").GetString())))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["run-1", "run-2"], runs);
        Assert.Single(routed);
        Assert.Single(unrouted);
    }

    // A run whose process died mid-run: started, one item of two completed, its session still running.
    internal static async Task SeedCrashedRunAsync(string database, string id, DateTimeOffset at)
    {
        var session = new SessionRecord { Id = id, AgentId = "orchestrator", Task = "goal", StartedAt = at, Metadata = new Dictionary<string, string> { [OrchestrationRun.SessionMetadataKey] = "host" } };
        SessionEvent[] events =
        [
            new OrchestrationStartedEvent { SessionId = id, Sequence = 1, Timestamp = at, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "host" },
            new OrchestrationItemCompletedEvent { SessionId = id, Sequence = 2, Timestamp = at, ItemId = "a", Agent = "worker", Status = "completed", Attempts = 1 },
        ];
        using var store = new SqliteTraceStore(database);
        await store.WriteAsync(new TraceWriteBatch([session], events));
    }

    private static async Task SeedAsync(string database, params SessionRecord[] sessions)
    {
        using var store = new SqliteTraceStore(database);
        await store.WriteAsync(new TraceWriteBatch(sessions, []));
    }

    private static async Task<JsonElement> BodyDataAsync(string database, string eventId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM webhook_events WHERE id = $id";
        command.Parameters.AddWithValue("$id", eventId);
        var body = (string)(await command.ExecuteScalarAsync())!;
        return JsonDocument.Parse(body).RootElement.GetProperty("data").Clone();
    }
}
