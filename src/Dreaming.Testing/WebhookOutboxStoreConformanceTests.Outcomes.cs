using System.Text.Json.Nodes;
using Xunit;

namespace Dreaming.Testing;

/// <summary>What becomes of a claimed delivery (its attempts, a dead letter and its replay), the lists, the endpoint
/// state, and cancellation.</summary>
public abstract partial class WebhookOutboxStoreConformanceTests
{
    /// <summary>A delivered attempt ends the delivery and resets the endpoint's failures; a failed one retries at the time
    /// given (the endpoint's failures unchanged), or makes a dead letter without one (one more failure); each counts as an attempt.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecordAttemptAsync_DeliversRetriesOrKills()
    {
        var store = await NewStoreAsync();
        var retried = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var killed = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var delivered = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var now = Time.GetUtcNow();

        var (afterRetry, endpoint1) = await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = retried.Id, AttemptedAt = now, StatusCode = 500, Error = "500 Internal Server Error", NextAttemptAt = now.AddSeconds(5) });
        var (afterKill, endpoint2) = await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = killed.Id, AttemptedAt = now, Error = "timed out" });

        Assert.Equal(WebhookDeliveryState.Pending, afterRetry.State);
        Assert.Equal(1, afterRetry.Attempts);
        Assert.Equal(Ms(now.AddSeconds(5)), Ms(afterRetry.NextAttemptAt));
        Assert.Equal(500, afterRetry.LastStatusCode);
        Assert.Equal("500 Internal Server Error", afterRetry.LastError);
        Assert.Equal(0, endpoint1.ConsecutiveFailures);
        Assert.Equal(WebhookDeliveryState.Dead, afterKill.State);
        Assert.Null(afterKill.LastStatusCode);
        Assert.Equal("timed out", afterKill.LastError);
        Assert.Equal(1, endpoint2.ConsecutiveFailures);

        var (afterDelivery, endpoint3) = await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivered.Id, AttemptedAt = now, Delivered = true, StatusCode = 204 });
        Assert.Equal(WebhookDeliveryState.Delivered, afterDelivery.State);
        Assert.Equal(Ms(now), Ms(afterDelivery.DeliveredAt!.Value));
        Assert.Null(afterDelivery.LastError);
        Assert.Equal(0, endpoint3.ConsecutiveFailures);
        Assert.Equal(afterDelivery, await store.GetAsync(delivered.Id));
        var (late, _) = await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivered.Id, AttemptedAt = now, Error = "timed out", NextAttemptAt = now });
        Assert.Equal(WebhookDeliveryState.Delivered, late.State);
        Assert.Equal(WebhookDeliveryState.Delivered, (await store.GetAsync(delivered.Id))!.State);
        Assert.Equal(afterRetry, await store.GetAsync(retried.Id));
        await Assert.ThrowsAnyAsync<KeyNotFoundException>(() => store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = "whd_nobody", AttemptedAt = now }));
    }

    /// <summary>A result reported late for a delivery that is already delivered (the reporter's claim ran out while another
    /// dispatcher delivered it) changes neither the delivery nor the endpoint's run of failures, whatever it says.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecordAttemptAsync_ALateResultChangesNeitherADeliveredDeliveryNorItsEndpoint()
    {
        var store = await NewStoreAsync();
        var delivered = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var (afterDelivery, _) = await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivered.Id, AttemptedAt = Time.GetUtcNow(), Delivered = true, StatusCode = 200 });
        for (var i = 0; i < 2; i++)
        {
            var failed = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
            await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = failed.Id, AttemptedAt = Time.GetUtcNow(), StatusCode = 500, Error = "500" });
        }

        Time.Advance(TimeSpan.FromSeconds(1));
        var now = Time.GetUtcNow();
        WebhookAttemptResult[] late =
        [
            new() { DeliveryId = delivered.Id, AttemptedAt = now, Error = "timed out", NextAttemptAt = now.AddSeconds(5) },
            new() { DeliveryId = delivered.Id, AttemptedAt = now, StatusCode = 500, Error = "500" },
            new() { DeliveryId = delivered.Id, AttemptedAt = now, Delivered = true, StatusCode = 204 },
        ];
        foreach (var result in late)
        {
            var (after, endpoint) = await store.RecordAttemptAsync(result);
            Assert.Equal(afterDelivery, after);
            Assert.Equal(2, endpoint.ConsecutiveFailures);
        }

        Assert.Equal(afterDelivery, await store.GetAsync(delivered.Id));
        Assert.Equal(2, (await store.GetEndpointAsync("ci")).ConsecutiveFailures);
        Assert.Equal(2, (await store.ListAsync(WebhookDeliveryState.Dead)).Count);
    }

    /// <summary>Killing a delivery that is already delivered (another dispatcher delivered it while this one found its
    /// endpoint disabled) leaves it delivered, so it is never replayed as a dead letter and sent again.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task KillAsync_LeavesADeliveredDeliveryDelivered()
    {
        var store = await NewStoreAsync();
        var delivered = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var (afterDelivery, _) = await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivered.Id, AttemptedAt = Time.GetUtcNow(), Delivered = true, StatusCode = 200 });

        var killed = await store.KillAsync(delivered.Id, "endpoint 'ci' is disabled: 410");

        Assert.Equal(afterDelivery, killed);
        Assert.Equal(afterDelivery, await store.GetAsync(delivered.Id));
        Assert.Empty(await store.ListAsync(WebhookDeliveryState.Dead));
        Assert.Equal(0, await store.ReplayDeadAsync(Time.GetUtcNow()));
        Assert.Empty(await store.ClaimDueAsync(Time.GetUtcNow(), Lease, 10));
    }

    /// <summary>A kill is not an attempt (the dispatcher kills a row it can never send, or one to a disabled endpoint, and
    /// relies on that): a claimed delivery killed keeps its attempts and its last attempt, the endpoint's run of failures
    /// is neither counted up nor reset, and the dead letter is no longer claimed, is listed, and is replayed like any.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task KillAsync_IsNotAnAttempt()
    {
        var store = await NewStoreAsync();
        var failed = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var target = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var now = Time.GetUtcNow();
        await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = failed.Id, AttemptedAt = now, StatusCode = 500, Error = "500" });
        var (retried, _) = await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = target.Id, AttemptedAt = now, StatusCode = 503, Error = "503", NextAttemptAt = now });
        Assert.Equal([target.Id], (await store.ClaimDueAsync(now, Lease, 10)).Select(d => d.Id));

        var killed = await store.KillAsync(target.Id, "not sent: the delivery has no body");

        Assert.Equal(WebhookDeliveryState.Dead, killed.State);
        Assert.Equal("not sent: the delivery has no body", killed.LastError);
        Assert.Equal(1, killed.Attempts);
        Assert.Equal(retried.LastAttemptAt, killed.LastAttemptAt);
        Assert.Equal(503, killed.LastStatusCode);
        Assert.Equal(killed, await store.GetAsync(target.Id));
        Assert.Equal(1, (await store.GetEndpointAsync("ci")).ConsecutiveFailures);
        Assert.Empty(await store.ClaimDueAsync(now + (Lease * 2), Lease, 10));
        Assert.Equal([target.Id, failed.Id], (await store.ListAsync(WebhookDeliveryState.Dead)).Select(d => d.Id));

        var replayed = await store.ReplayAsync(target.Id, now + (Lease * 2));
        Assert.Equal(WebhookDeliveryState.Pending, replayed.State);
        Assert.Equal(0, replayed.Attempts);
        Assert.Equal([target.Id], (await store.ClaimDueAsync(now + (Lease * 2), Lease, 1)).Select(d => d.Id));
        Assert.Equal(1, (await store.GetEndpointAsync("ci")).ConsecutiveFailures);
    }

    /// <summary>Dead letters stay visible and can be replayed one by one or all at once: pending, due now, attempts reset,
    /// same event id and body.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task DeadLetters_AreListedAndReplayable()
    {
        var store = await NewStoreAsync();
        var one = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var two = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var kept = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        await store.KillAsync(one.Id, "endpoint 'ci' is disabled: 410");
        await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = two.Id, AttemptedAt = Time.GetUtcNow(), StatusCode = 500, Error = "500" });

        var dead = await store.ListAsync(WebhookDeliveryState.Dead);
        Assert.Equal([two.Id, one.Id], dead.Select(d => d.Id));
        Assert.Equal("endpoint 'ci' is disabled: 410", dead[1].LastError);

        Time.Advance(TimeSpan.FromHours(1));
        var replayed = await store.ReplayAsync(one.Id, Time.GetUtcNow());
        Assert.Equal(WebhookDeliveryState.Pending, replayed.State);
        Assert.Equal(0, replayed.Attempts);
        Assert.Equal(Ms(Time.GetUtcNow()), Ms(replayed.NextAttemptAt));
        Assert.Equal(one.Body, replayed.Body);
        Assert.Equal(one.EventId, replayed.EventId);
        Assert.Equal(1, await store.ReplayDeadAsync(Time.GetUtcNow()));
        Assert.Empty(await store.ListAsync(WebhookDeliveryState.Dead));
        Assert.Equal(
            new[] { kept.Id, two.Id, one.Id }.Order(StringComparer.Ordinal),
            (await store.ClaimDueAsync(Time.GetUtcNow(), Lease, 10)).Select(d => d.Id).Order(StringComparer.Ordinal));
        await Assert.ThrowsAnyAsync<KeyNotFoundException>(() => store.ReplayAsync("whd_nobody", Time.GetUtcNow()));
        await Assert.ThrowsAnyAsync<KeyNotFoundException>(() => store.KillAsync("whd_nobody", "x"));
    }

    /// <summary>Lists come newest first, filtered by state and cut at the limit.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ListAsync_IsNewestFirstFilteredAndLimited()
    {
        var store = await NewStoreAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await store.EnqueueAsync(Event("a.b"), ["ci"]))[0].Id);
        }

        await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = ids[1], AttemptedAt = Time.GetUtcNow(), Delivered = true, StatusCode = 200 });

        Assert.Equal([ids[3], ids[2], ids[1], ids[0]], (await store.ListAsync()).Select(d => d.Id));
        Assert.Equal([ids[3], ids[2]], (await store.ListAsync(limit: 2)).Select(d => d.Id));
        Assert.Equal([ids[1]], (await store.ListAsync(WebhookDeliveryState.Delivered)).Select(d => d.Id));
        Assert.Equal(3, (await store.ListAsync(WebhookDeliveryState.Pending)).Count);
        Assert.Null(await store.GetAsync("whd_nobody"));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.ListAsync(limit: 0));
    }

    /// <summary>An endpoint starts enabled; disabling keeps the reason and time; enabling clears them and the failures.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EndpointState_IsKeptAndCanBeCleared()
    {
        var store = await NewStoreAsync();
        var fresh = await store.GetEndpointAsync("ci");
        Assert.False(fresh.IsDisabled);
        Assert.Equal(0, fresh.ConsecutiveFailures);

        var delivery = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        await store.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivery.Id, AttemptedAt = Time.GetUtcNow(), Error = "x" });
        var disabled = await store.SetEndpointDisabledAsync("ci", "the endpoint answered 410 Gone", Time.GetUtcNow());

        Assert.True(disabled.IsDisabled);
        var read = await store.GetEndpointAsync("ci");
        Assert.Equal("the endpoint answered 410 Gone", read.DisabledReason);
        Assert.Equal(Ms(BaseTime), Ms(read.DisabledAt!.Value));
        Assert.Equal(1, read.ConsecutiveFailures);

        await store.SetEndpointDisabledAsync("ci", null, Time.GetUtcNow());
        var enabled = await store.GetEndpointAsync("ci");
        Assert.False(enabled.IsDisabled);
        Assert.Equal(0, enabled.ConsecutiveFailures);
        Assert.False((await store.GetEndpointAsync("chat")).IsDisabled);
    }

    /// <summary>Disabling an endpoint already disabled keeps the first reason and time (two dispatchers, or two processes
    /// on one file, disabling it at once): the second caller gets the stored state back, and enabling still clears it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task DisablingADisabledEndpoint_KeepsTheFirstReasonAndTime()
    {
        var store = await NewStoreAsync();
        var first = await store.SetEndpointDisabledAsync("ci", "the endpoint answered 410 Gone", Time.GetUtcNow());
        Time.Advance(TimeSpan.FromSeconds(1));

        var second = await store.SetEndpointDisabledAsync("ci", "5 deliveries in a row exhausted their retries (last: 500)", Time.GetUtcNow());

        Assert.Equal("the endpoint answered 410 Gone", second.DisabledReason);
        Assert.Equal(Ms(first.DisabledAt!.Value), Ms(second.DisabledAt!.Value));
        var read = await store.GetEndpointAsync("ci");
        Assert.Equal("the endpoint answered 410 Gone", read.DisabledReason);
        Assert.Equal(Ms(BaseTime), Ms(read.DisabledAt!.Value));

        // Concurrent disablings: exactly one reason stands, and every caller is told which.
        await store.SetEndpointDisabledAsync("chat", null, Time.GetUtcNow());
        var racers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.SetEndpointDisabledAsync("chat", "reason " + i, Time.GetUtcNow()))));
        var stood = (await store.GetEndpointAsync("chat")).DisabledReason;
        Assert.All(racers, state => Assert.Equal(stood, state.DisabledReason));

        await store.SetEndpointDisabledAsync("ci", null, Time.GetUtcNow());
        var again = await store.SetEndpointDisabledAsync("ci", "disabled again", Time.GetUtcNow());
        Assert.Equal("disabled again", again.DisabledReason);
    }

    /// <summary>A cancelled token cancels every member with an <see cref="OperationCanceledException"/>, and nothing is written:
    /// no delivery is claimed, attempted, killed or replayed, and no endpoint is disabled.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_HonourCancellation()
    {
        var store = await NewStoreAsync();
        var pending = (await store.EnqueueAsync(Event("a.b"), ["ci"]))[0];
        var dead = (await store.EnqueueAsync(Event("a.b"), ["chat"]))[0];
        await store.KillAsync(dead.Id, "killed by hand");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var token = cancellation.Token;
        var now = Time.GetUtcNow();

        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.InitializeAsync), () => store.InitializeAsync(token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.EnqueueAsync), () => store.EnqueueAsync(Event("c.d"), ["ci"], token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.ClaimDueAsync), () => store.ClaimDueAsync(now, Lease, 10, token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.ClaimDueExceptAsync), () => store.ClaimDueExceptAsync(now, Lease, 10, ["chat"], token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.RecordAttemptAsync), () => store.RecordAttemptAsync(
            new WebhookAttemptResult { DeliveryId = pending.Id, AttemptedAt = now, Delivered = true, StatusCode = 204 }, token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.KillAsync), () => store.KillAsync(pending.Id, "killed", token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.ReplayAsync), () => store.ReplayAsync(dead.Id, now, token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.ReplayDeadAsync), () => store.ReplayDeadAsync(now, token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.GetAsync), () => store.GetAsync(pending.Id, token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.ListAsync), () => store.ListAsync(cancellationToken: token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.GetEndpointAsync), () => store.GetEndpointAsync("ci", token));
        await StoreAssert.CanceledAsync(nameof(IWebhookOutboxStore.SetEndpointDisabledAsync), () => store.SetEndpointDisabledAsync("ci", "off", now, token));

        Assert.Equal(2, (await store.ListAsync()).Count);
        var stillPending = (await store.GetAsync(pending.Id))!;
        Assert.Equal(WebhookDeliveryState.Pending, stillPending.State);
        Assert.Equal(0, stillPending.Attempts);
        Assert.Equal(WebhookDeliveryState.Dead, (await store.GetAsync(dead.Id))!.State);
        Assert.Null((await store.GetEndpointAsync("ci")).DisabledReason);
        Assert.Equal([pending.Id], (await store.ClaimDueAsync(now, Lease, 10)).Select(delivery => delivery.Id));
    }
}
