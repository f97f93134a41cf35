using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The outbox's transactions that lock rows other dispatchers wait on bound how long they may sit idle
/// (<c>idle_in_transaction_session_timeout</c>) in the statement that takes the first lock, as the trace store's batch does
/// in its lock statement: no round trip of its own.</summary>
public sealed class PostgresWebhookRoundTripTests(ITestOutputHelper output) : PostgresStoreFixture
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Recording_an_attempt_sets_its_idle_limit_in_the_statement_that_locks_the_delivery()
    {
        await using var outbox = new PostgresWebhookOutboxStore(Options, new FakeTimeProvider(Now));
        var delivery = (await outbox.EnqueueAsync(Event(0), ["ci"]))[0];

        var (_, commands) = await NpgsqlCommands.OfAsync(() => outbox.RecordAttemptAsync(Failed(delivery)));

        // The delivery's lock with the limit, the endpoint's lock, the two updates (the commit is no command).
        Assert.Equal(4, Printed(commands).Count);
        Assert.Contains("FOR UPDATE", commands[0], StringComparison.Ordinal);
        Assert.Contains("idle_in_transaction_session_timeout", commands[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kill_a_replay_a_disabling_and_a_routing_each_set_the_idle_limit_in_their_first_statement()
    {
        await using var outbox = new PostgresWebhookOutboxStore(Options, new FakeTimeProvider(Now));
        var delivery = (await outbox.EnqueueAsync(Event(0), ["ci"]))[0];
        await outbox.InitializeAsync();

        List<string>[] runs =
        [
            (await NpgsqlCommands.OfAsync(() => outbox.KillAsync(delivery.Id, "by hand"))).Commands,
            (await NpgsqlCommands.OfAsync(() => outbox.ReplayAsync(delivery.Id, Now))).Commands,
            (await NpgsqlCommands.OfAsync(() => outbox.SetEndpointDisabledAsync("ci", "gone", Now))).Commands,
        ];

        foreach (var commands in runs)
        {
            Assert.Equal(2, Printed(commands).Count);
            Assert.Contains("idle_in_transaction_session_timeout", commands[0], StringComparison.Ordinal);
        }

        // Enabling is one upsert, with no transaction around it: nothing waits between statements.
        Assert.Single(Printed((await NpgsqlCommands.OfAsync(() => outbox.SetEndpointDisabledAsync("ci", null, Now))).Commands));
    }

    [Fact]
    public async Task Routing_waiting_events_sets_the_idle_limit_in_the_statement_that_locks_them()
    {
        await using var outbox = new PostgresWebhookOutboxStore(Options, new FakeTimeProvider(Now));
        await outbox.InitializeAsync();
        await ExecuteAsync(
            "INSERT INTO webhook_events (id, type, created_ms, body) VALUES ('e1', 'a.b', 0, '{}'); "
            + "INSERT INTO webhook_unrouted (event_id, created_ms) VALUES ('e1', 0)");

        var (routed, commands) = await NpgsqlCommands.OfAsync(() => outbox.RouteUnroutedAsync(_ => ["ci"], Now, 10));

        Assert.Equal((1, 0), routed);
        Assert.DoesNotContain(Printed(commands), c => !c.Contains("FOR UPDATE", StringComparison.Ordinal) && c.Contains("idle_in_transaction_session_timeout", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.Contains("FOR UPDATE", StringComparison.Ordinal) && c.Contains("idle_in_transaction_session_timeout", StringComparison.Ordinal));
    }

    private List<string> Printed(List<string> commands)
    {
        foreach (var command in commands)
        {
            output.WriteLine(command);
        }

        output.WriteLine("--");
        return commands;
    }

    private static WebhookEvent Event(int i) => WebhookEvent.Create("a.b", Now, new JsonObject { ["i"] = i });

    private static WebhookAttemptResult Failed(WebhookDelivery delivery) =>
        new() { DeliveryId = delivery.Id, AttemptedAt = Now, StatusCode = 500, Error = "500", NextAttemptAt = Now.AddMinutes(1) };
}
