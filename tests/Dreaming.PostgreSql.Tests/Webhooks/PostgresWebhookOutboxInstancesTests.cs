using System.Diagnostics;
using Npgsql;
using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>Several instances of an application on one outbox: store objects with pools of their own on one schema,
/// claiming, routing and recording at once.</summary>
public sealed class PostgresWebhookOutboxInstancesTests(ITestOutputHelper output) : PostgresTwoOutboxesFixture
{
    [Fact]
    public async Task Two_instances_claiming_at_once_never_claim_the_same_delivery()
    {
        for (var i = 0; i < 200; i++)
        {
            await First.EnqueueAsync(Event(), ["ci", "chat"]);
        }

        using var start = new Barrier(2);
        var claims = await Task.WhenAll(ClaimAllAsync(First, start), ClaimAllAsync(Second, start));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(400, all.Count);
        Assert.Equal(400, all.Distinct(StringComparer.Ordinal).Count());
        output.WriteLine($"claimed {claims[0].Count} and {claims[1].Count}");
    }

    /// <summary>Rows another instance's claim (or any transaction) holds are skipped, not waited for.</summary>
    [Fact]
    public async Task A_claim_skips_the_rows_another_instance_holds_instead_of_waiting_for_them()
    {
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await First.EnqueueAsync(Event(), ["ci"]))[0].Id);
        }

        await using var connection = await First.Database.OpenAsync(CancellationToken.None);
        await using var holding = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT id FROM webhook_deliveries WHERE id = ANY (@ids) FOR UPDATE", connection, holding))
        {
            hold.Parameters.AddWithValue("ids", ids.Take(3).ToArray());
            await hold.ExecuteNonQueryAsync();
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var claimed = await Second.ClaimDueAsync(Now, Lease, 10, patience.Token);

        Assert.Equal(ids.Skip(3), claimed.Select(d => d.Id));
        await holding.RollbackAsync();
        Assert.Equal(ids.Take(3), (await Second.ClaimDueAsync(Now, Lease, 10)).Select(d => d.Id));
    }

    [Fact]
    public async Task Ten_thousand_pending_deliveries_are_claimed_along_the_due_index()
    {
        await ExecuteAsync(
            "INSERT INTO webhook_events (id, type, body, created_ms) SELECT 'msg_' || g, 'a.b', '{}', @ms FROM generate_series(1, 20000) g; "
            + "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, created_ms, next_attempt_ms) "
            + "SELECT 'whd_' || g, 'msg_' || g, 'ci', CASE WHEN g % 2 = 0 THEN 'pending' ELSE 'delivered' END, 0, @ms, @ms + g FROM generate_series(1, 20000) g; "
            + "ANALYZE webhook_deliveries; ANALYZE webhook_events;");

        var plans = new[]
        {
            await ExplainAsync(PostgresWebhookOutboxStore.ClaimSql.Replace("/*skip*/", "", StringComparison.Ordinal), []),
            await ExplainAsync(PostgresWebhookOutboxStore.ClaimSql.Replace("/*skip*/", PostgresWebhookOutboxStore.SkipCondition, StringComparison.Ordinal), ["slow"]),
        };
        var watch = Stopwatch.StartNew();
        var claimed = 0;
        var claims = 0;
        while ((await First.ClaimDueAsync(Now.AddMinutes(1), Lease, 16)).Count is > 0 and var count)
        {
            claimed += count;
            claims++;
        }

        watch.Stop();
        foreach (var plan in plans)
        {
            output.WriteLine(plan);
            Assert.Contains("Index Scan using ix_webhook_deliveries_due", plan, StringComparison.Ordinal);
            Assert.Contains("LockRows", plan, StringComparison.Ordinal);
        }

        Assert.Equal(10_000, claimed);
        output.WriteLine($"{claims} claims of 16 in {watch.ElapsedMilliseconds} ms: {watch.Elapsed.TotalMilliseconds / claims:F2} ms a claim");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"claiming 10,000 deliveries took {watch.Elapsed}");
    }

    [Fact]
    public async Task Two_instances_routing_unrouted_events_at_once_route_each_once()
    {
        await using (var database = new PostgresDatabase(PostgresTestServer.NewOptions(Schema)))
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            for (var i = 0; i < 300; i++)
            {
                await PostgresWebhookRows.InsertAsync(connection, transaction, Event(i % 3 == 0 ? "x.y" : "a.b"), [], Now, CancellationToken.None);
            }

            await transaction.CommitAsync();
        }

        using var start = new Barrier(2);
        var results = await Task.WhenAll(RouteAllAsync(First, start), RouteAllAsync(Second, start));

        Assert.Equal(200, results.Sum(r => r.Routed));
        Assert.Equal(100, results.Sum(r => r.Dropped));
        Assert.Empty(await First.ListUnroutedAsync());
        var deliveries = await First.ListAsync(limit: 1000);
        Assert.Equal(200, deliveries.Count);
        Assert.Equal(200, deliveries.Select(d => d.EventId).Distinct(StringComparer.Ordinal).Count());
        Assert.All(deliveries, d => Assert.Equal("a.b", d.EventType));
        output.WriteLine($"routed {results[0].Routed} + {results[1].Routed}, dropped {results[0].Dropped} + {results[1].Dropped}");
    }

    [Fact]
    public async Task Dead_letters_recorded_at_once_by_two_instances_count_every_failure_of_the_endpoint()
    {
        var deliveries = new List<WebhookDelivery>();
        for (var i = 0; i < 20; i++)
        {
            deliveries.AddRange(await First.EnqueueAsync(Event(), ["ci"]));
        }

        using var start = new Barrier(2);
        await Task.WhenAll(
            Task.Run(async () => { start.SignalAndWait(); foreach (var d in deliveries.Where((_, i) => i % 2 == 0)) { await First.RecordAttemptAsync(Failed(d)); } }),
            Task.Run(async () => { start.SignalAndWait(); foreach (var d in deliveries.Where((_, i) => i % 2 == 1)) { await Second.RecordAttemptAsync(Failed(d)); } }));

        Assert.Equal(20, (await First.GetEndpointAsync("ci")).ConsecutiveFailures);

        static WebhookAttemptResult Failed(WebhookDelivery delivery) =>
            new() { DeliveryId = delivery.Id, AttemptedAt = Now, StatusCode = 500, Error = "500 Internal Server Error", NextAttemptAt = null };
    }

    private static async Task<List<string>> ClaimAllAsync(PostgresWebhookOutboxStore store, Barrier start)
    {
        await Task.Yield();
        start.SignalAndWait();
        var ids = new List<string>();
        while ((await store.ClaimDueAsync(Now, Lease, 7)) is { Count: > 0 } claimed)
        {
            ids.AddRange(claimed.Select(d => d.Id));
        }

        return ids;
    }

    private static async Task<(int Routed, int Dropped)> RouteAllAsync(PostgresWebhookOutboxStore store, Barrier start)
    {
        await Task.Yield();
        start.SignalAndWait();
        var (routed, dropped) = (0, 0);
        while (await store.RouteUnroutedAsync(type => type == "a.b" ? ["ci"] : [], Now, 40) is var pass && pass != (0, 0))
        {
            routed += pass.Routed;
            dropped += pass.Dropped;
        }

        return (routed, dropped);
    }


    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await First.Database.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ms", Now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync();
    }

    private async Task<string> ExplainAsync(string sql, string[] skip)
    {
        await using var connection = await First.Database.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("EXPLAIN " + sql, connection);
        command.Parameters.AddWithValue("now", Now.AddMinutes(1).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("until", Now.AddMinutes(2).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("limit", 16);
        if (skip.Length > 0)
        {
            command.Parameters.AddWithValue("skip", skip);
        }

        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
