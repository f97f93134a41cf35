using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Webhooks;

/// <summary>The dispatcher when another dispatcher delivered a row this one still held an expired claim on, or disabled
/// its endpoint first; besides, an endpoint that answers 410 disabled once and logged, a disabled endpoint's reason logged
/// with one full stop, and <c>DispatchAsync</c> of given deliveries attempting only those pending and due (the hanging
/// endpoint's tests are <see cref="WebhookHangingEndpointTests"/>).</summary>
/// <remarks>Run alone: tests here expect no webhook attempt counted in the process-wide attempts metric, which other test
/// classes' dispatchers would count if they ran meanwhile.</remarks>
[Collection(nameof(WebhookDispatcherTests))]
[CollectionDefinition(nameof(WebhookDispatcherTests), DisableParallelization = true)]
public sealed class WebhookDispatcherTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_failure_reported_after_another_dispatcher_delivered_is_logged_as_late_and_neither_counted_nor_recorded()
    {
        using var attempts = new MetricCollector<long>(null, DreamingTelemetry.SourceName, WebhookTelemetry.AttemptsMetric);
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];

        // While this attempt hangs, its claim runs out and another dispatcher delivers the row; then this one fails.
        var logger = new FakeLogger<WebhookDispatcher>();
        var dispatcher = Dispatcher(outbox, new AnswerHandler(async () =>
        {
            await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivery.Id, AttemptedAt = _clock.GetUtcNow(), Delivered = true, StatusCode = 200 });
            return HttpStatusCode.InternalServerError;
        }), logger);

        Assert.Equal(1, await dispatcher.DispatchDueAsync());

        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal(WebhookDeliveryState.Delivered, stored.State);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal(200, stored.LastStatusCode);
        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Contains("already delivered by another dispatcher", record.Message, StringComparison.Ordinal);
        Assert.Contains("500", record.Message, StringComparison.Ordinal);
        Assert.Empty(attempts.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task A_delivery_another_dispatcher_delivered_is_not_reported_dead_when_its_endpoint_is_disabled()
    {
        using var attempts = new MetricCollector<long>(null, DreamingTelemetry.SourceName, WebhookTelemetry.AttemptsMetric);
        var inner = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await inner.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var delivered = (await inner.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivery.Id, AttemptedAt = _clock.GetUtcNow(), Delivered = true, StatusCode = 200 })).Delivery;

        // This dispatcher's claim was taken before the row was delivered; by the time it kills the row, it is.
        var outbox = Substitute.For<IWebhookOutboxStore>();
        outbox.ClaimDueAsync(default, default, default).ReturnsForAnyArgs([delivery]);
        outbox.GetEndpointAsync("ci", Arg.Any<CancellationToken>()).Returns(new WebhookEndpointState { EndpointId = "ci", DisabledReason = "the endpoint answered 410 Gone" });
        outbox.KillAsync(default!, default!).ReturnsForAnyArgs(call => inner.KillAsync(call.ArgAt<string>(0), call.ArgAt<string>(1)));
        var logger = new FakeLogger<WebhookDispatcher>();
        var dispatcher = Dispatcher(outbox, new AnswerHandler(() => throw new InvalidOperationException("nothing is sent to a disabled endpoint")), logger);

        Assert.Equal(1, await dispatcher.DispatchDueAsync());

        Assert.Equal(delivered, await inner.GetAsync(delivery.Id));
        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Contains("already delivered by another dispatcher", record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dead letter", record.Message, StringComparison.Ordinal);
        Assert.Empty(attempts.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task An_endpoint_another_dispatcher_disabled_first_keeps_its_reason_and_is_not_logged_disabled_again()
    {
        var inner = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await inner.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var othersReason = "5 deliveries in a row exhausted their retries (last: 500)";
        var othersTime = _clock.GetUtcNow().AddSeconds(-1);

        // Another process on the same file disables the endpoint after this dispatcher found it enabled, just before this
        // dispatcher's own disabling reaches the store.
        var outbox = Substitute.For<IWebhookOutboxStore>();
        outbox.ClaimDueAsync(default, default, default).ReturnsForAnyArgs(call => inner.ClaimDueAsync(call.ArgAt<DateTimeOffset>(0), call.ArgAt<TimeSpan>(1), call.ArgAt<int>(2)));
        outbox.GetEndpointAsync(default!).ReturnsForAnyArgs(call => inner.GetEndpointAsync(call.ArgAt<string>(0)));
        outbox.RecordAttemptAsync(default!).ReturnsForAnyArgs(call => inner.RecordAttemptAsync(call.ArgAt<WebhookAttemptResult>(0)));
        outbox.SetEndpointDisabledAsync(default!, default, default).ReturnsForAnyArgs(async call =>
        {
            await inner.SetEndpointDisabledAsync("ci", othersReason, othersTime);
            return await inner.SetEndpointDisabledAsync(call.ArgAt<string>(0), call.ArgAt<string?>(1), call.ArgAt<DateTimeOffset>(2));
        });
        var logger = new FakeLogger<WebhookDispatcher>();
        var dispatcher = Dispatcher(outbox, new AnswerHandler(() => Task.FromResult(HttpStatusCode.Gone)), logger);

        Assert.Equal(1, await dispatcher.DispatchDueAsync());

        var endpoint = await inner.GetEndpointAsync("ci");
        Assert.Equal(othersReason, endpoint.DisabledReason);
        Assert.Equal(othersTime.ToUnixTimeMilliseconds(), endpoint.DisabledAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(WebhookDeliveryState.Dead, (await inner.GetAsync(delivery.Id))!.State);
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), record => record.Message.Contains("was disabled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_endpoint_that_answers_410_is_disabled_once_and_logged()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]);
        var logger = new FakeLogger<WebhookDispatcher>();
        var dispatcher = Dispatcher(outbox, new AnswerHandler(() => Task.FromResult(HttpStatusCode.Gone)), logger);

        Assert.Equal(1, await dispatcher.DispatchDueAsync());

        Assert.True((await outbox.GetEndpointAsync("ci")).IsDisabled);
        var disabled = Assert.Single(logger.Collector.GetSnapshot(), record => record.Message.Contains("was disabled", StringComparison.Ordinal));

        // The log says what follows and how to undo it: a store that keeps the outbox (SQLite) keeps the endpoint disabled,
        // so fixing the cause (a receiver back, AllowPrivateNetworks set) and restarting does not enable it again. The
        // in-memory outbox used here keeps nothing across a restart, so the log must not say it stays disabled after one
        // whatever the store, nor point only to the CLI, which cannot reach an in-memory outbox.
        Assert.Contains("Every delivery to it is a dead letter from now on, until it is enabled again (an outbox store that keeps its rows, as the SQLite one does, keeps it disabled after a restart too)", disabled.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("from now on, after a restart too", disabled.Message, StringComparison.Ordinal);
        Assert.Contains("'dreaming webhooks replay --all-dead' enables it on a SQLite outbox", disabled.Message, StringComparison.Ordinal);
        Assert.Contains("SetEndpointDisabledAsync(id, null, now)", disabled.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reason_that_ends_with_a_full_stop_is_logged_with_one_not_two()
    {
        // The target guard's reason ends with a full stop, and the endpoint it disabled names it in every later dead letter.
        const string guard = "The webhook target '127.0.0.1' resolves to the internal address 127.0.0.1; set WebhookOptions.AllowPrivateNetworks to allow internal targets.";
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        await outbox.SetEndpointDisabledAsync("ci", guard, _clock.GetUtcNow());
        var delivery = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var logger = new FakeLogger<WebhookDispatcher>();
        var dispatcher = Dispatcher(outbox, new AnswerHandler(() => throw new InvalidOperationException("nothing is sent to a disabled endpoint")), logger);

        await dispatcher.DispatchDueAsync();

        Assert.Equal($"endpoint 'ci' is disabled: {guard}", (await outbox.GetAsync(delivery.Id))!.LastError);
        var dead = Assert.Single(logger.Collector.GetSnapshot(), record => record.Level == LogLevel.Error);
        Assert.Contains("1 webhook deliveries to ci became dead letters", dead.Message, StringComparison.Ordinal);
        Assert.Contains("to allow internal targets. Replay them with 'dreaming webhooks replay'", dead.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("..", dead.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatching_given_deliveries_attempts_those_pending_and_due_and_no_other()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject { ["n"] = i }), ["ci"]))[0].Id);
        }

        await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = ids[1], AttemptedAt = _clock.GetUtcNow(), StatusCode = 500, Error = "500", NextAttemptAt = _clock.GetUtcNow().AddMinutes(5) });
        var sent = new List<string>();
        var dispatcher = Dispatcher(outbox, new RecordingHandler(sent), new FakeLogger<WebhookDispatcher>());

        // ids[0] is due (and asked for twice), ids[1] waits for its retry, ids[2] is not asked for, "whd_missing" does not exist.
        var attempted = await dispatcher.DispatchAsync([ids[0], ids[1], "whd_missing", ids[0]]);

        Assert.Equal(1, attempted);
        Assert.Single(sent);
        Assert.Equal(WebhookDeliveryState.Delivered, (await outbox.GetAsync(ids[0]))!.State);
        Assert.Equal((WebhookDeliveryState.Pending, 1), ((await outbox.GetAsync(ids[1]))!.State, (await outbox.GetAsync(ids[1]))!.Attempts));
        Assert.Equal((WebhookDeliveryState.Pending, 0), ((await outbox.GetAsync(ids[2]))!.State, (await outbox.GetAsync(ids[2]))!.Attempts));
    }

    private WebhookDispatcher Dispatcher(IWebhookOutboxStore outbox, HttpMessageHandler handler, FakeLogger<WebhookDispatcher> logger)
    {
        var options = new WebhookOptions { Jitter = 0 };
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(handler, disposeHandler: false));
        return new WebhookDispatcher(outbox, Options.Create(options), clients, _clock, logger);
    }

    private sealed class RecordingHandler(List<string> sent) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (sent)
            {
                sent.Add(request.Headers.GetValues("webhook-id").Single());
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
        }
    }

    private sealed class AnswerHandler(Func<Task<HttpStatusCode>> answer) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            new(await answer());
    }
}
