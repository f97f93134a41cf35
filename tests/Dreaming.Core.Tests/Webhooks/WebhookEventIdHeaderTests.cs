using System.Net;
using System.Net.Http;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Webhooks;

/// <summary>The event id is sent as the <c>webhook-id</c> header: one that is not a header value never reaches the wire.</summary>
[Collection(nameof(WebhookDispatcherTests))]
public sealed class WebhookEventIdHeaderTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("msg_1\r\nX-Evil: 1", 5, "U+000D")]
    [InlineData("msg_1\nX-Evil: 1", 5, "U+000A")]
    [InlineData("msg 1", 3, "U+0020")]
    [InlineData("msg_é", 4, "U+00E9")]
    public async Task A_store_refuses_an_event_whose_id_is_not_a_header_value_naming_the_character(string id, int at, string character)
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var webhookEvent = WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()) with { Id = id };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => outbox.EnqueueAsync(webhookEvent, ["ci"]));

        Assert.Contains($"{character} at index {at}", error.Message, StringComparison.Ordinal);
        Assert.Equal("webhookEvent", error.ParamName);
        Assert.Empty(await outbox.ListAsync());
    }

    [Fact]
    public async Task A_store_refuses_an_event_id_longer_than_the_limit()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var webhookEvent = WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()) with { Id = new string('m', WebhookOutboxRules.MaxEventIdLength + 1) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => outbox.EnqueueAsync(webhookEvent, ["ci"]));

        Assert.Contains("257 characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delivery_whose_event_id_holds_a_line_break_from_a_store_that_does_not_check_is_a_dead_letter_at_once_unsent()
    {
        var inner = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await inner.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var sent = 0;
        var dispatcher = Dispatcher(Rewriting(inner, d => d with { EventId = "msg_1\r\nX-Evil: 1" }), new WebhookOptions { Jitter = 0 }, () => Interlocked.Increment(ref sent));

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        // The default schedule has eight attempts; none is made, since none could ever send it.
        Assert.Equal(0, Volatile.Read(ref sent));
        var stored = (await inner.GetAsync(delivery.Id))!;
        Assert.Equal(WebhookDeliveryState.Dead, stored.State);
        Assert.Equal(0, stored.Attempts);
        Assert.StartsWith("not sent: ", stored.LastError, StringComparison.Ordinal);
        Assert.Contains("U+000D at index 5", stored.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delivery_that_cannot_be_sent_neither_counts_toward_nor_resets_its_endpoints_run_of_failures()
    {
        var inner = new InMemoryWebhookOutboxStore(_clock);
        var failed = (await inner.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        await inner.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = failed.Id, AttemptedAt = _clock.GetUtcNow(), Error = "500", NextAttemptAt = null });
        var bad = (await inner.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var options = new WebhookOptions { Jitter = 0, RetrySchedule = [TimeSpan.Zero], MaxConsecutiveFailures = 2 };
        var dispatcher = Dispatcher(Rewriting(inner, d => d with { EventId = "msg 1" }), options, () => { });

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(WebhookDeliveryState.Dead, (await inner.GetAsync(bad.Id))!.State);
        var endpoint = await inner.GetEndpointAsync("ci");
        Assert.False(endpoint.IsDisabled, endpoint.DisabledReason);
        Assert.Equal(1, endpoint.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_delivery_without_a_body_from_a_store_that_does_not_check_is_a_dead_letter_at_once_unsent()
    {
        var inner = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await inner.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var sent = 0;
        var dispatcher = Dispatcher(Rewriting(inner, d => d with { Body = null! }), new WebhookOptions { Jitter = 0 }, () => Interlocked.Increment(ref sent));

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(0, Volatile.Read(ref sent));
        var stored = (await inner.GetAsync(delivery.Id))!;
        Assert.Equal(WebhookDeliveryState.Dead, stored.State);
        Assert.Equal("not sent: the delivery has no body", stored.LastError);
        Assert.Equal(0, (await inner.GetEndpointAsync("ci")).ConsecutiveFailures);
    }

    [Fact]
    public async Task A_delivery_that_cannot_be_sent_is_logged_as_a_row_to_fix_not_as_one_to_replay()
    {
        var inner = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await inner.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var logger = new FakeLogger<WebhookDispatcher>();
        var dispatcher = Dispatcher(Rewriting(inner, d => d with { EventId = "msg 1" }), new WebhookOptions { Jitter = 0 }, () => { }, logger);

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        // A replay puts the row back as it is, so the next attempt kills it again: the log must not send the operator there.
        var record = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Equal(78, record.Id.Id);
        Assert.Contains(delivery.Id, record.Message, StringComparison.Ordinal);
        Assert.Contains("not sent: The webhook event id has U+0020 at index 3", record.Message, StringComparison.Ordinal);
        Assert.Contains("Fix the row in the outbox store", record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Replay it", record.Message, StringComparison.Ordinal);
    }

    private static IWebhookOutboxStore Rewriting(IWebhookOutboxStore inner, Func<WebhookDelivery, WebhookDelivery> rewrite)
    {
        var outbox = DispatchProxy.Create<IWebhookOutboxStore, ClaimRewriter>();
        ((ClaimRewriter)(object)outbox).Setup(inner, rewrite);
        return outbox;
    }

    private WebhookDispatcher Dispatcher(IWebhookOutboxStore outbox, WebhookOptions options, Action onSend, ILogger<WebhookDispatcher>? logger = null)
    {
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(new CountingHandler(onSend), disposeHandler: true));
        return new WebhookDispatcher(outbox, Options.Create(options), clients, _clock, logger ?? NullLogger<WebhookDispatcher>.Instance);
    }

    /// <summary>A store that hands out claimed deliveries changed (another event id, no body), as one that skips the checks could.</summary>
    public class ClaimRewriter : DispatchProxy
    {
        private IWebhookOutboxStore _inner = null!;
        private Func<WebhookDelivery, WebhookDelivery> _rewrite = null!;

        public void Setup(IWebhookOutboxStore inner, Func<WebhookDelivery, WebhookDelivery> rewrite)
        {
            _inner = inner;
            _rewrite = rewrite;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            object? result;
            try
            {
                result = targetMethod!.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }

            return targetMethod.Name.StartsWith("ClaimDue", StringComparison.Ordinal) ? RewriteAsync((Task<IReadOnlyList<WebhookDelivery>>)result!) : result;
        }

        private async Task<IReadOnlyList<WebhookDelivery>> RewriteAsync(Task<IReadOnlyList<WebhookDelivery>> claimed) =>
            (await claimed).Select(_rewrite).ToList();
    }

    private sealed class CountingHandler(Action onSend) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onSend();
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
        }
    }
}
