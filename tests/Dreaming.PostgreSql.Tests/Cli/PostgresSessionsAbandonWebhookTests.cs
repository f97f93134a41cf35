using System.Text.Json;
using Dreaming.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary><c>dreaming sessions abandon</c> on a PostgreSQL schema writes the <c>orchestration.failed</c> (status
/// <c>abandoned</c>) of each crashed run it ends into the outbox as an unrouted event, once, also when the app's own
/// recovery ends the same runs at the same time.</summary>
public sealed class PostgresSessionsAbandonWebhookTests
{
    [Fact]
    public async Task A_crashed_run_ended_by_the_tool_gets_one_unrouted_orchestration_failed()
    {
        await using var cli = new PostgresCliRunner();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await SeedCrashedRunAsync(cli, "run-1", at);

        var text = await cli.RunOkAsync("sessions", "abandon", "--older-than", "6h");
        var again = await cli.RunOkAsync("sessions", "abandon", "--older-than", "6h");

        Assert.Contains("webhooks: orchestration.failed (status abandoned) of 1 crashed orchestration run written to the outbox", text, StringComparison.Ordinal);
        Assert.DoesNotContain("webhooks:", again, StringComparison.Ordinal);
        await using var outbox = new PostgresWebhookOutboxStore(cli.Options);
        var waiting = Assert.Single(await outbox.ListUnroutedAsync());
        Assert.Equal(WebhookEventTypes.OrchestrationFailed, waiting.EventType);
    }

    [Fact]
    public async Task The_tool_racing_the_apps_recovery_leaves_one_orchestration_failed_per_run_in_the_outbox()
    {
        await using var cli = new PostgresCliRunner();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await SeedCrashedRunAsync(cli, "run-1", at);
        await SeedCrashedRunAsync(cli, "run-2", at.AddSeconds(1));
        var services = new ServiceCollection();
        services.AddDreamingAgents().UsePostgresStore(PostgresTestServer.ConnectionString!, o => o.Schema = cli.Schema).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            var endpoint = new WebhookEndpoint { Id = "ci", Url = "http://127.0.0.1:9/hooks" };
            endpoint.Secrets.Add(WebhookSecret.Generate());
            options.Endpoints.Add(endpoint);
        });
        await using var app = services.BuildServiceProvider();
        var toolOutput = string.Empty;
        var store = new BeforeFirstCompletion(app.GetRequiredService<ITraceStore>(), async () => toolOutput = await cli.RunOkAsync("sessions", "abandon", "--older-than", "6h"));

        await store.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow.AddHours(-6), app.GetServices<IOrchestrationObserver>());

        Assert.Contains("of 1 crashed orchestration run written to the outbox", toolOutput, StringComparison.Ordinal);
        var outbox = (PostgresWebhookOutboxStore)app.GetRequiredService<IWebhookOutboxStore>();
        var routed = (await outbox.ListAsync()).Where(d => d.EventType == WebhookEventTypes.OrchestrationFailed).ToList();
        var unrouted = (await outbox.ListUnroutedAsync()).Where(e => e.EventType == WebhookEventTypes.OrchestrationFailed).ToList();
        var delivery = Assert.Single(routed);
        Assert.Single(unrouted);
        Assert.Equal("run-1", JsonDocument.Parse(delivery.Body).RootElement.GetProperty("data").GetProperty("orchestration_session_id").GetString());
    }

    // A run whose process died mid-run: started, one item of two completed, its session still running.
    private static async Task SeedCrashedRunAsync(PostgresCliRunner cli, string id, DateTimeOffset at)
    {
        var session = new SessionRecord { Id = id, AgentId = "orchestrator", Task = "goal", StartedAt = at, Metadata = new Dictionary<string, string> { [OrchestrationRun.SessionMetadataKey] = "host" } };
        SessionEvent[] events =
        [
            new OrchestrationStartedEvent { SessionId = id, Sequence = 1, Timestamp = at, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "host" },
            new OrchestrationItemCompletedEvent { SessionId = id, Sequence = 2, Timestamp = at, ItemId = "a", Agent = "worker", Status = "completed", Attempts = 1 },
        ];
        await using var store = new PostgresTraceStore(cli.Options);
        await store.WriteAsync(new TraceWriteBatch([session], events));
    }
}
