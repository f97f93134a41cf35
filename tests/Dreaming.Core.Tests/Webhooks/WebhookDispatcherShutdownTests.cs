using System.Net.Http;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Webhooks;

/// <summary>A host whose <c>ShutdownTimeout</c> the server's wait used up (an ASP.NET Core app with a stream still open)
/// calls the dispatcher's <c>StopAsync</c> with a cancelled token, so it does not wait for the loop, and then disposes the
/// service provider: the outbox and the wake-up signal while a round or an attempt still runs. That is the stop, not a
/// failure: nothing above debug level, and no exception out of <c>ExecuteAsync</c> (the host would log
/// 'BackgroundService failed' and a critical entry). In the collection of <see cref="WebhookDispatcherTests"/>, whose tests
/// read the process-wide attempt metric.</summary>
[Collection(nameof(WebhookDispatcherTests))]
public sealed class WebhookDispatcherShutdownTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(Hold.Route)]
    [InlineData(Hold.Claim)]
    public async Task A_round_still_running_when_the_provider_is_disposed_after_a_stop_ends_the_loop_quietly(Hold hold)
    {
        var store = new DisposableStore(new InMemoryWebhookOutboxStore(_clock), hold);
        var signal = new WebhookDispatchSignal();
        var logger = new FakeLogger<WebhookDispatcher>();
        using var dispatcher = Dispatcher(store, new SlowHostHandler("slow"), signal, logger);
        await dispatcher.StartAsync(CancellationToken.None);
        await store.Held.WaitAsync(Patience);

        // The host's stop with its ShutdownTimeout used up: StopAsync returns at once, the round still runs.
        await dispatcher.StopAsync(new CancellationToken(canceled: true)).WaitAsync(Patience);
        Assert.False(dispatcher.ExecuteTask!.IsCompleted);

        // The provider's disposal, then the round goes on.
        store.Dispose();
        signal.Dispose();
        store.Release();

        Assert.Null(await Record.ExceptionAsync(() => dispatcher.ExecuteTask!.WaitAsync(Patience)));
        Assert.Empty(Problems(logger));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 98 && r.Level == LogLevel.Debug);
    }

    [Fact]
    public async Task An_attempt_that_records_its_outcome_on_the_disposed_outbox_after_a_stop_logs_no_error()
    {
        var store = new DisposableStore(new InMemoryWebhookOutboxStore(_clock), Hold.None);
        var handler = new SlowHostHandler("slow", honourCancellation: false);
        var signal = new WebhookDispatchSignal();
        var logger = new FakeLogger<WebhookDispatcher>();
        using var dispatcher = Dispatcher(store, handler, signal, logger);
        var row = (await store.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["slow"]))[0];
        await dispatcher.StartAsync(CancellationToken.None);
        await handler.Hanging(1).WaitAsync(Patience);

        await dispatcher.StopAsync(new CancellationToken(canceled: true)).WaitAsync(Patience);
        store.Dispose();
        signal.Dispose();
        handler.Release();

        // The loop waits for its attempts; the one in flight meets the disposed outbox when it records its 204.
        Assert.Null(await Record.ExceptionAsync(() => dispatcher.ExecuteTask!.WaitAsync(Patience)));
        Assert.Empty(Problems(logger));
        Assert.Equal(1, handler.SlowCalls);

        // Nothing recorded: the row is due again when its claim runs out, as after any stop mid-attempt.
        Assert.Equal((WebhookDeliveryState.Pending, 0), ((await store.Undisposed.GetAsync(row.Id))!.State, (await store.Undisposed.GetAsync(row.Id))!.Attempts));
    }

    [Fact]
    public async Task A_disposed_outbox_without_a_stop_is_still_a_failed_round()
    {
        var store = new DisposableStore(new InMemoryWebhookOutboxStore(_clock), Hold.None);
        var logger = new FakeLogger<WebhookDispatcher>();
        using var dispatcher = Dispatcher(store, new SlowHostHandler("slow"), new WebhookDispatchSignal(), logger);
        store.Dispose();

        await dispatcher.StartAsync(CancellationToken.None);
        using (var timeout = new CancellationTokenSource(Patience))
        {
            while (!logger.Collector.GetSnapshot().Any(r => r.Id.Id == 75))
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        await dispatcher.StopAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.IsType<ObjectDisposedException>(logger.Collector.GetSnapshot().First(r => r.Id.Id == 75).Exception);
    }

    private static List<string> Problems(FakeLogger logger) =>
        [.. logger.Collector.GetSnapshot().Where(r => r.Level > LogLevel.Debug).Select(r => $"{r.Level}[{r.Id.Id}] {r.Message} {r.Exception}")];

    private WebhookDispatcher Dispatcher(IWebhookOutboxStore outbox, HttpMessageHandler handler, WebhookDispatchSignal signal, FakeLogger<WebhookDispatcher> logger)
    {
        var options = new WebhookOptions { Jitter = 0 };
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("slow"));
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(handler, disposeHandler: false));
        return new WebhookDispatcher(outbox, Options.Create(options), clients, signal, _clock, logger);
    }

    /// <summary>Where a round waits until <see cref="DisposableStore.Release"/>.</summary>
    public enum Hold
    {
        /// <summary>Nowhere.</summary>
        None,

        /// <summary>In routing the unrouted events, the round's first call.</summary>
        Route,

        /// <summary>In the claim.</summary>
        Claim,
    }

    /// <summary>An outbox that throws <see cref="ObjectDisposedException"/> once disposed, as the SQLite one does, and may
    /// hold a round (ignoring its token, as a statement already running does) until released.</summary>
    private sealed class DisposableStore(IWebhookOutboxStore inner, Hold hold) : ForwardingWebhookOutboxStore(inner), IDisposable
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _disposed;

        /// <summary>Gets the outbox behind it, which is not disposed.</summary>
        public IWebhookOutboxStore Undisposed => Inner;

        /// <summary>Completes when a round is held.</summary>
        public Task Held => _held.Task;

        public void Release() => _released.TrySetResult();

        public void Dispose() => _disposed = true;

        public override Task InitializeAsync(CancellationToken cancellationToken = default) => Checked(() => base.InitializeAsync(cancellationToken));

        public override async Task<(int Routed, int Dropped)> RouteUnroutedAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
        {
            await HoldAsync(Hold.Route);
            return await Checked(() => base.RouteUnroutedAsync(endpointsFor, now, limit, cancellationToken));
        }

        public override Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) =>
            Checked(() => base.EnqueueAsync(webhookEvent, endpointIds, cancellationToken));

        public override async Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
        {
            await HoldAsync(Hold.Claim);
            return await Checked(() => base.ClaimDueAsync(now, lease, limit, cancellationToken));
        }

        public override async Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default)
        {
            await HoldAsync(Hold.Claim);
            return await Checked(() => base.ClaimDueExceptAsync(now, lease, limit, skipEndpoints, cancellationToken));
        }

        public override Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default) =>
            Checked(() => base.RecordAttemptAsync(result, cancellationToken));

        public override Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default) => Checked(() => base.KillAsync(deliveryId, reason, cancellationToken));

        public override Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default) => Checked(() => base.ReplayAsync(deliveryId, now, cancellationToken));

        public override Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => Checked(() => base.ReplayDeadAsync(now, cancellationToken));

        public override Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default) => Checked(() => base.GetAsync(deliveryId, cancellationToken));

        public override Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
            Checked(() => base.ListAsync(state, limit, cancellationToken));

        public override Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default) => Checked(() => base.GetEndpointAsync(endpointId, cancellationToken));

        public override Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            Checked(() => base.SetEndpointDisabledAsync(endpointId, reason, now, cancellationToken));

        private async Task HoldAsync(Hold at)
        {
            if (at == hold && _held.TrySetResult())
            {
                await _released.Task;
            }
        }

        private Task<T> Checked<T>(Func<Task<T>> call) => _disposed ? Task.FromException<T>(new ObjectDisposedException(nameof(DisposableStore))) : call();

        private Task Checked(Func<Task> call) => _disposed ? Task.FromException(new ObjectDisposedException(nameof(DisposableStore))) : call();
    }
}
