namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>Every operation that locks rows, run at once by two instances on one outbox: claims, attempts recorded (the
/// delivery's row, then its endpoint's), kills and replays (a delivery's row), dead letters replayed (many deliveries'
/// rows), endpoints disabled and enabled (an endpoint's row) and routing (unrouted rows, then new deliveries). An
/// operation that took two of these locks in the other order would deadlock against another, which PostgreSQL breaks by
/// failing one of them (SQLSTATE 40P01, a TraceStoreException here).</summary>
public sealed class PostgresWebhookLockOrderTests : PostgresTwoOutboxesFixture
{
    [Fact]
    public async Task Two_instances_claiming_recording_killing_replaying_disabling_and_routing_at_once_never_deadlock()
    {
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            ids.AddRange((await First.EnqueueAsync(Event(), ["ci", "chat"])).Select(d => d.Id));
        }

        using var start = new Barrier(4);
        var work = Task.WhenAll(
            Task.Run(() => ClaimAndRecordAsync(First, start, seed: 1)),
            Task.Run(() => ClaimAndRecordAsync(Second, start, seed: 2)),
            Task.Run(() => KillAndReplayAsync(Second, ids, start)),
            Task.Run(() => DisableAndRouteAsync(First, start)));

        // A deadlock fails one of the operations (PostgreSQL's deadlock_timeout is a second); a lock waited for without end
        // (a lock never released) fails the wait.
        await work.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(80, (await First.ListAsync(limit: 1000)).Count(d => ids.Contains(d.Id)));
    }

    private static async Task ClaimAndRecordAsync(PostgresWebhookOutboxStore store, Barrier start, int seed)
    {
        var random = new Random(seed);
        start.SignalAndWait();
        for (var round = 0; round < 30; round++)
        {
            // Each round is a lease later, so every pending row is due again, also those another claim took.
            var now = Now + (Lease * round);
            foreach (var delivery in await store.ClaimDueAsync(now, Lease, 6))
            {
                var outcome = random.Next(3);
                await store.RecordAttemptAsync(new WebhookAttemptResult
                {
                    DeliveryId = delivery.Id,
                    AttemptedAt = now,
                    StatusCode = outcome == 0 ? 200 : 500,
                    Error = outcome == 0 ? null : "500",
                    NextAttemptAt = outcome == 1 ? now + Lease : null,
                });
            }
        }
    }

    private static async Task KillAndReplayAsync(PostgresWebhookOutboxStore store, List<string> ids, Barrier start)
    {
        var random = new Random(3);
        start.SignalAndWait();
        for (var i = 0; i < 120; i++)
        {
            var id = ids[random.Next(ids.Count)];
            switch (i % 4)
            {
                case 0:
                case 1:
                    await store.KillAsync(id, "endpoint disabled");
                    break;
                case 2:
                    await store.ReplayAsync(id, Now);
                    break;
                default:
                    await store.ReplayDeadAsync(Now);
                    break;
            }
        }
    }

    private async Task DisableAndRouteAsync(PostgresWebhookOutboxStore store, Barrier start)
    {
        start.SignalAndWait();
        for (var i = 0; i < 60; i++)
        {
            await store.SetEndpointDisabledAsync(i % 2 == 0 ? "ci" : "chat", i % 4 < 2 ? "too many failures" : null, Now);
            await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
            {
                await PostgresWebhookRows.InsertAsync(connection, null, Event(), [], Now, CancellationToken.None);
            }

            await store.RouteUnroutedAsync(_ => ["ci", "chat"], Now, 10);
        }
    }
}
