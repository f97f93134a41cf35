using System.Net;
using System.Net.Http;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
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
    public async Task A_delivery_whose_event_id_holds_a_line_break_from_a_store_that_does_not_check_is_not_sent()
    {
        var inner = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await inner.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var outbox = DispatchProxy.Create<IWebhookOutboxStore, ClaimRewriter>();
        ((ClaimRewriter)(object)outbox).Setup(inner, "msg_1\r\nX-Evil: 1");
        var sent = 0;
        var options = new WebhookOptions { Jitter = 0 };
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(new CountingHandler(() => Interlocked.Increment(ref sent)), disposeHandler: true));
        var dispatcher = new WebhookDispatcher(outbox, Options.Create(options), clients, _clock, NullLogger<WebhookDispatcher>.Instance);

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(0, Volatile.Read(ref sent));
        var stored = (await inner.GetAsync(delivery.Id))!;
        Assert.Equal(1, stored.Attempts);
        Assert.NotEqual(WebhookDeliveryState.Delivered, stored.State);
        Assert.Contains("not sent", stored.LastError, StringComparison.Ordinal);
        Assert.Contains("U+000D at index 5", stored.LastError, StringComparison.Ordinal);
    }

    /// <summary>A store that hands out claimed deliveries with another event id, as one that skips the checks could.</summary>
    public class ClaimRewriter : DispatchProxy
    {
        private IWebhookOutboxStore _inner = null!;
        private string _eventId = null!;

        public void Setup(IWebhookOutboxStore inner, string eventId)
        {
            _inner = inner;
            _eventId = eventId;
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
            (await claimed).Select(d => d with { EventId = _eventId }).ToList();
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
