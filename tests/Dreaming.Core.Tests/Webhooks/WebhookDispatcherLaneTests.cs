using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using static Dreaming.Tests.DeliveryWait;

namespace Dreaming.Tests.Webhooks;

/// <summary>The hosted dispatcher's lanes: the per-endpoint cap whatever the store, and one attempt per row at a time
/// whichever of the dispatcher's entry points started it. In the collection of <see cref="WebhookDispatcherTests"/>, whose
/// tests read the process-wide attempt metric, so the deliveries here never show up in their measurements.</summary>
[Collection(nameof(WebhookDispatcherTests))]
public sealed class WebhookDispatcherLaneTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task On_a_store_without_its_own_ClaimDueExceptAsync_a_hanging_endpoint_still_has_at_most_BatchSize_attempts_in_flight()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var store = new LegacyStore(outbox);
        var handler = new SlowHostHandler("slow", honourCancellation: true);
        var signal = new WebhookDispatchSignal();
        using var dispatcher = Dispatcher(store, handler, signal, batchSize: 2);
        var slow = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            slow.Add((await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject { ["n"] = i }), ["slow"]))[0].Id);
        }

        var fast = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["fast"]))[0];
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            // The store hands the slow endpoint's whole backlog out before the fast row; the dispatcher starts only two.
            await WaitForAsync(outbox, fast.Id, WebhookDeliveryState.Delivered);
            Assert.Equal(2, dispatcher.InFlightTo("slow"));
        }
        finally
        {
            handler.Release();
        }

        // The rows left unstarted come back when their claim runs out, and each goes out once.
        foreach (var id in slow)
        {
            await WaitForDeliveredAdvancingAsync(outbox, id);
        }

        await dispatcher.StopAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(6, handler.SlowCalls);
        Assert.All(slow, id => Assert.Equal(1, outbox.GetAsync(id).Result!.Attempts));
    }

    [Fact]
    public async Task DispatchDueAsync_does_not_send_a_row_the_background_loop_still_has_in_flight_after_its_claim_ran_out()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var handler = new SlowHostHandler("slow", honourCancellation: false);
        var signal = new WebhookDispatchSignal();
        using var dispatcher = Dispatcher(outbox, handler, signal, batchSize: 4);
        var row = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["slow"]))[0];

        await dispatcher.StartAsync(CancellationToken.None);
        Task<int>? round = null;
        try
        {
            await handler.Hanging(1).WaitAsync(Patience);

            // The attempt outlives its claim (the receiver ignores the timeout); a round driven by hand must not send it again.
            _clock.Advance(new WebhookOptions().AttemptTimeout * 2);
            round = dispatcher.DispatchDueAsync();
            var first = await Task.WhenAny(round, handler.Hanging(2)).WaitAsync(Patience);
            Assert.Same(round, first);
            Assert.Equal(0, await round);
            Assert.Equal(1, handler.SlowCalls);
        }
        finally
        {
            handler.Release();
        }

        await WaitForAsync(outbox, row.Id, WebhookDeliveryState.Delivered);
        if (round is not null)
        {
            await round.WaitAsync(Patience);
        }

        await dispatcher.StopAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(1, (await outbox.GetAsync(row.Id))!.Attempts);
    }

    [Fact]
    public async Task The_background_loop_does_not_send_a_row_DispatchDueAsync_still_has_in_flight_after_its_claim_ran_out()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var handler = new SlowHostHandler("slow", honourCancellation: false);
        var signal = new WebhookDispatchSignal();
        using var dispatcher = Dispatcher(outbox, handler, signal, batchSize: 4);
        var row = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["slow"]))[0];

        var round = dispatcher.DispatchDueAsync();
        await handler.Hanging(1).WaitAsync(Patience);
        _clock.Advance(new WebhookOptions().AttemptTimeout * 2);

        // The loop's first round sees the row due again while the hand-driven round still sends it; a fast row shows the
        // loop has claimed past it.
        var fast = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["fast"]))[0];
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            await WaitForAsync(outbox, fast.Id, WebhookDeliveryState.Delivered);
            Assert.Equal(1, handler.SlowCalls);
        }
        finally
        {
            handler.Release();
        }

        Assert.Equal(1, await round.WaitAsync(Patience));
        await dispatcher.StopAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(1, handler.SlowCalls);
        Assert.Equal((WebhookDeliveryState.Delivered, 1), ((await outbox.GetAsync(row.Id))!.State, (await outbox.GetAsync(row.Id))!.Attempts));
    }

    [Fact]
    public async Task Claims_that_return_only_rows_already_in_flight_do_not_spin_the_loop()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var store = new CountingStore(outbox);
        var handler = new SlowHostHandler("slow", honourCancellation: false);
        var signal = new WebhookDispatchSignal();
        string[] endpoints = ["slow1", "slow2", "slow3", "slow4"];
        using var dispatcher = Dispatcher(store, handler, signal, batchSize: 4, endpoints);
        foreach (var endpoint in endpoints)
        {
            await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), [endpoint]);
        }

        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            // One attempt hangs at each endpoint, past any timeout; none is at half the batch, so none is left out of claims.
            await handler.Hanging(4).WaitAsync(Patience);
            var before = store.Claims;

            // Their claims run out: the next claims hand back only rows this dispatcher is still sending (three, the limit,
            // then the last one), which it does not start again, and the loop goes back to waiting.
            _clock.Advance(new WebhookOptions().AttemptTimeout * 2);
            await store.ClaimsReached(before + 2).WaitAsync(Patience);
            await Task.Delay(300);
            Assert.InRange(store.Claims - before, 2, 3);
            Assert.Equal(4, handler.SlowCalls);
        }
        finally
        {
            handler.Release();
        }

        await dispatcher.StopAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(4, handler.SlowCalls);
    }

    [Fact]
    public async Task Two_attempts_in_flight_that_both_reach_the_failure_count_disable_the_endpoint_once()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);

        // Both attempts' dead letters are recorded before either disables the endpoint, so both see it enabled.
        var store = new CountingStore(outbox) { RecordBarrier = 2 };
        using var handler = new StatusHandler(HttpStatusCode.InternalServerError);
        var logger = new FakeLogger<WebhookDispatcher>();
        var options = new WebhookOptions { Jitter = 0, BatchSize = 4, MaxConsecutiveFailures = 1, RetrySchedule = [TimeSpan.Zero] };
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(handler, disposeHandler: false));
        using var dispatcher = new WebhookDispatcher(store, Options.Create(options), clients, new WebhookDispatchSignal(), _clock, logger);
        await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]);
        await outbox.EnqueueAsync(WebhookEvent.Create("a.c", _clock.GetUtcNow(), new JsonObject()), ["ci"]);

        Assert.Equal(2, await dispatcher.DispatchDueAsync().WaitAsync(Patience));

        Assert.Equal(1, store.Disables);
        Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 74);
        Assert.Contains("deliveries in a row exhausted their retries", (await outbox.GetEndpointAsync("ci")).DisabledReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wake_up_after_the_signal_was_disposed_is_ignored()
    {
        var signal = new WebhookDispatchSignal();
        signal.Dispose();

        var notify = Record.Exception(signal.Notify);

        Assert.Null(notify);
    }

    /// <summary>Waits for a row that comes back only when its claim runs out, moving the clock on a poll interval at a time.</summary>
    private async Task WaitForDeliveredAdvancingAsync(IWebhookOutboxStore outbox, string deliveryId)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while ((await outbox.GetAsync(deliveryId))!.State != WebhookDeliveryState.Delivered)
        {
            Assert.False(timeout.IsCancellationRequested, $"{deliveryId} was not delivered within {Patience.TotalSeconds} s");
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
    }

    private WebhookDispatcher Dispatcher(IWebhookOutboxStore outbox, HttpMessageHandler handler, WebhookDispatchSignal signal, int batchSize, params string[] endpoints)
    {
        var options = new WebhookOptions { Jitter = 0, BatchSize = batchSize };
        foreach (var endpoint in endpoints.Length == 0 ? ["slow", "fast"] : endpoints)
        {
            options.Endpoints.Add(WebhookPublishingTests.Endpoint(endpoint));
        }

        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(handler, disposeHandler: false));
        return new WebhookDispatcher(outbox, Options.Create(options), clients, signal, _clock, new FakeLogger<WebhookDispatcher>());
    }

    /// <summary>Counts the claims a dispatcher makes.</summary>
    private sealed class CountingStore(IWebhookOutboxStore inner) : ForwardingWebhookOutboxStore(inner)
    {
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiting = [];
        private readonly TaskCompletionSource _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _claims;
        private int _records;
        private int _disables;

        /// <summary>Gets or sets how many attempts must be recorded before any recording returns (0 for none).</summary>
        public int RecordBarrier { get; init; }

        public int Disables => Volatile.Read(ref _disables);

        public int Claims
        {
            get
            {
                lock (_waiting)
                {
                    return _claims;
                }
            }
        }

        public Task ClaimsReached(int count)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waiting)
            {
                if (_claims >= count)
                {
                    reached.SetResult();
                }
                else
                {
                    _waiting.Add((count, reached));
                }
            }

            return reached.Task;
        }

        public override async Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
        {
            var claimed = await base.ClaimDueAsync(now, lease, limit, cancellationToken);
            Count();
            return claimed;
        }

        public override async Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default)
        {
            var claimed = await base.ClaimDueExceptAsync(now, lease, limit, skipEndpoints, cancellationToken);
            Count();
            return claimed;
        }

        public override async Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default)
        {
            var recorded = await base.RecordAttemptAsync(result, cancellationToken);
            if (RecordBarrier > 0)
            {
                if (Interlocked.Increment(ref _records) >= RecordBarrier)
                {
                    _recorded.TrySetResult();
                }

                await _recorded.Task.WaitAsync(Patience, CancellationToken.None);
            }

            return recorded;
        }

        public override Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default)
        {
            if (reason is not null)
            {
                Interlocked.Increment(ref _disables);
            }

            return base.SetEndpointDisabledAsync(endpointId, reason, now, cancellationToken);
        }

        private void Count()
        {
            lock (_waiting)
            {
                _claims++;
                foreach (var waiter in _waiting.Where(w => w.Count <= _claims).ToList())
                {
                    _waiting.Remove(waiter);
                    waiter.Reached.TrySetResult();
                }
            }
        }
    }

    /// <summary>Answers every request with one status.</summary>
    private sealed class StatusHandler(HttpStatusCode status) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status));
    }

    /// <summary>A store written before <see cref="IWebhookOutboxStore.ClaimDueExceptAsync"/> existed: it keeps the default.</summary>
    private sealed class LegacyStore(IWebhookOutboxStore inner) : ForwardingWebhookOutboxStore(inner)
    {
        public override Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default) =>
            ClaimDueExceptByInterfaceDefaultAsync(now, lease, limit, skipEndpoints, cancellationToken);
    }
}
