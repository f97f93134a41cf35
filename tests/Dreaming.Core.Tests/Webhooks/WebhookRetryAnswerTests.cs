using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Webhooks;

/// <summary>What the endpoint's answer makes of a failed attempt: retried on the schedule, retried when a header asks, or
/// a dead letter at once.</summary>
public sealed class WebhookRetryAnswerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_413_without_retry_after_is_a_dead_letter_at_once_naming_the_body_size()
    {
        // Every attempt sends the same stored body: the receiver's limit would refuse it for the whole schedule (27.6 h).
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject { ["text"] = new string('x', 5000) }), ["ci"]))[0];
        var logger = new FakeLogger<WebhookDispatcher>();
        var dispatcher = Dispatcher(outbox, () => new HttpResponseMessage(HttpStatusCode.RequestEntityTooLarge) { ReasonPhrase = "Payload Too Large" }, logger);

        Assert.Equal(1, await dispatcher.DispatchDueAsync());

        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal((WebhookDeliveryState.Dead, 1, 413), (stored.State, stored.Attempts, stored.LastStatusCode));
        Assert.Equal(
            $"413 Payload Too Large: the receiver refused the {Encoding.UTF8.GetByteCount(delivery.Body)}-byte body as too large; every attempt sends the same body, so it is not retried (replay it once the receiver takes bodies that large)",
            stored.LastError);
        var dead = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Error, dead.Level);
        Assert.Contains("is a dead letter: 413 Payload Too Large", dead.Message, StringComparison.Ordinal);

        // A dead letter like one whose retries ran out: it counts toward disabling the endpoint, and a replay sends it again.
        Assert.Equal(1, (await outbox.GetEndpointAsync("ci")).ConsecutiveFailures);
        Assert.Empty(await outbox.ClaimDueAsync(_clock.GetUtcNow().AddDays(2), TimeSpan.FromSeconds(30), 10));
    }

    [Fact]
    public async Task A_413_with_retry_after_is_temporary_and_retried_when_it_asks()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = await EnqueueAsync(outbox);
        var dispatcher = Dispatcher(
            outbox,
            Answer(HttpStatusCode.RequestEntityTooLarge, ("Retry-After", "3600")),
            new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal((WebhookDeliveryState.Pending, 413), (stored.State, stored.LastStatusCode));
        Assert.Equal(_clock.GetUtcNow().AddHours(1), stored.NextAttemptAt);
        Assert.Equal(0, (await outbox.GetEndpointAsync("ci")).ConsecutiveFailures);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Other_failures_4xx_included_follow_the_schedule(int status)
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = await EnqueueAsync(outbox);
        var dispatcher = Dispatcher(outbox, () => new HttpResponseMessage((HttpStatusCode)status), new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal((WebhookDeliveryState.Pending, status), (stored.State, stored.LastStatusCode));
        Assert.Equal(_clock.GetUtcNow() + WebhookOptions.DefaultRetrySchedule[1], stored.NextAttemptAt);
    }

    [Theory]
    [InlineData("250", null, "00:00:00.250")]
    [InlineData(" 1500.5 ", null, "00:00:01.5005")]
    [InlineData("0", null, "00:00:00")]
    [InlineData("750", "60", "00:00:00.750")]
    [InlineData("7200000", null, "02:00:00")]
    [InlineData("90000000", null, "cap")]
    [InlineData("99999999999999999999999", null, "cap")]
    [InlineData("-5", "60", "00:01:00")]
    [InlineData("1e3", "60", "00:01:00")]
    [InlineData("soon", "60", "00:01:00")]
    [InlineData("", "60", "00:01:00")]
    [InlineData("1.2.3", null, "schedule")]
    public async Task A_retry_after_ms_header_is_honoured_in_milliseconds_before_retry_after_and_capped_like_it(string milliseconds, string? seconds, string expected)
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = await EnqueueAsync(outbox);
        var answeredAt = DateTimeOffset.MinValue;
        var dispatcher = Dispatcher(
            outbox,
            () =>
            {
                // The receiver takes 10 s to answer: the delay counts from its answer.
                _clock.Advance(TimeSpan.FromSeconds(10));
                answeredAt = _clock.GetUtcNow();
                return Answer(HttpStatusCode.TooManyRequests, ("retry-after-ms", milliseconds), ("Retry-After", seconds))();
            },
            new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        var wait = ExpectedWait(expected);
        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal(WebhookDeliveryState.Pending, stored.State);

        // Stores keep times to the millisecond.
        Assert.Equal((answeredAt + wait).ToUnixTimeMilliseconds(), stored.NextAttemptAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Of_two_retry_after_ms_headers_the_first_counts_and_a_413_with_one_is_retried()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = await EnqueueAsync(outbox);
        var dispatcher = Dispatcher(
            outbox,
            Answer(HttpStatusCode.RequestEntityTooLarge, ("retry-after-ms", "30000"), ("retry-after-ms", "7200000")),
            new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal((WebhookDeliveryState.Pending, 413), (stored.State, stored.LastStatusCode));
        Assert.Equal(_clock.GetUtcNow().AddSeconds(30), stored.NextAttemptAt);
    }

    [Theory]
    [InlineData(null, "250", null, "00:00:00.250")]
    [InlineData(null, " 1500.5 ", "60", "00:00:01.5005")]
    [InlineData("100", "900", "60", "00:00:00.100")]
    [InlineData("soon", "900", "60", "00:00:00.900")]
    [InlineData(null, "90000000", null, "cap")]
    [InlineData(null, "-5", "60", "00:01:00")]
    [InlineData(null, "1e3", null, "schedule")]
    public async Task An_x_ms_retry_after_ms_header_is_honoured_after_retry_after_ms_and_before_retry_after(string? milliseconds, string xmsMilliseconds, string? seconds, string expected)
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = await EnqueueAsync(outbox);
        var dispatcher = Dispatcher(
            outbox,
            Answer(HttpStatusCode.TooManyRequests, ("x-ms-retry-after-ms", xmsMilliseconds), ("retry-after-ms", milliseconds), ("Retry-After", seconds)),
            new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        var wait = ExpectedWait(expected);
        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal(WebhookDeliveryState.Pending, stored.State);
        Assert.Equal((_clock.GetUtcNow() + wait).ToUnixTimeMilliseconds(), stored.NextAttemptAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_413_with_an_x_ms_retry_after_ms_is_temporary_and_retried_when_it_asks()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = await EnqueueAsync(outbox);
        var dispatcher = Dispatcher(
            outbox,
            Answer(HttpStatusCode.RequestEntityTooLarge, ("x-ms-retry-after-ms", "30000")),
            new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal((WebhookDeliveryState.Pending, 413), (stored.State, stored.LastStatusCode));
        Assert.Equal(_clock.GetUtcNow().AddSeconds(30), stored.NextAttemptAt);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_retry_after_is_counted_from_when_the_response_came_back_not_from_when_the_attempt_started(bool asDate)
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var answeredAt = DateTimeOffset.MinValue;
        var dispatcher = Dispatcher(outbox, () =>
        {
            // The receiver takes 10 s to answer, then asks for a retry two minutes after its answer.
            _clock.Advance(TimeSpan.FromSeconds(10));
            answeredAt = _clock.GetUtcNow();
            var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            response.Headers.RetryAfter = asDate
                ? new RetryConditionHeaderValue(answeredAt.AddSeconds(120))
                : new RetryConditionHeaderValue(TimeSpan.FromSeconds(120));
            return response;
        }, new FakeLogger<WebhookDispatcher>());

        Assert.Equal(1, await dispatcher.DispatchDueAsync());

        var stored = (await outbox.GetAsync(delivery.Id))!;
        Assert.Equal(WebhookDeliveryState.Pending, stored.State);
        Assert.Equal(503, stored.LastStatusCode);
        Assert.Equal(answeredAt.AddSeconds(120), stored.NextAttemptAt);
        _clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(0, await dispatcher.DispatchDueAsync());
    }

    [Theory]
    [InlineData("99999999999", "cap")]
    [InlineData("2147483647", "cap")]
    [InlineData("-5", "schedule")]
    [InlineData("soon", "schedule")]
    [InlineData("1.5", "schedule")]
    [InlineData("", "schedule")]
    public async Task A_retry_after_beyond_what_an_int_holds_is_capped_and_one_that_is_not_a_delay_or_date_is_ignored(string header, string expected)
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var dispatcher = Dispatcher(outbox, () =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            response.Headers.TryAddWithoutValidation("Retry-After", header);
            return response;
        }, new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        var options = new WebhookOptions();
        var wait = expected == "cap" ? options.MaxRetryAfter : options.EffectiveSchedule[1];
        Assert.Equal(_clock.GetUtcNow() + wait, (await outbox.GetAsync(delivery.Id))!.NextAttemptAt);
    }

    [Fact]
    public async Task Of_two_retry_after_headers_the_first_counts()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var dispatcher = Dispatcher(outbox, () =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            response.Headers.TryAddWithoutValidation("Retry-After", "60");
            response.Headers.TryAddWithoutValidation("Retry-After", "7200");
            return response;
        }, new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        Assert.Equal(_clock.GetUtcNow().AddSeconds(60), (await outbox.GetAsync(delivery.Id))!.NextAttemptAt);
    }

    [Fact]
    public async Task A_retry_after_date_already_past_when_the_response_came_back_retries_at_once()
    {
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var delivery = (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];
        var answeredAt = DateTimeOffset.MinValue;
        var dispatcher = Dispatcher(outbox, () =>
        {
            var asked = _clock.GetUtcNow().AddSeconds(5);
            _clock.Advance(TimeSpan.FromSeconds(10));
            answeredAt = _clock.GetUtcNow();
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new RetryConditionHeaderValue(asked);
            return response;
        }, new FakeLogger<WebhookDispatcher>());

        await dispatcher.DispatchDueAsync();

        Assert.Equal(answeredAt, (await outbox.GetAsync(delivery.Id))!.NextAttemptAt);
    }

    private async Task<WebhookDelivery> EnqueueAsync(InMemoryWebhookOutboxStore outbox) =>
        (await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject()), ["ci"]))[0];

    // An answer with the status and the headers given a value (a null value leaves its header out).
    private static Func<HttpResponseMessage> Answer(HttpStatusCode status, params (string Name, string? Value)[] headers) => () =>
    {
        var response = new HttpResponseMessage(status);
        foreach (var (name, value) in headers)
        {
            if (value is not null)
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    };

    // The wait a theory row expects: a time span, "cap" (MaxRetryAfter) or "schedule" (the schedule's next step).
    private static TimeSpan ExpectedWait(string expected)
    {
        var options = new WebhookOptions();
        return expected switch
        {
            "cap" => options.MaxRetryAfter,
            "schedule" => options.EffectiveSchedule[1],
            _ => TimeSpan.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private WebhookDispatcher Dispatcher(IWebhookOutboxStore outbox, Func<HttpResponseMessage> answer, FakeLogger<WebhookDispatcher> logger)
    {
        var options = new WebhookOptions { Jitter = 0 };
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(new ResponseHandler(answer)));
        return new WebhookDispatcher(outbox, Options.Create(options), clients, _clock, logger);
    }

    private sealed class ResponseHandler(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer());
    }
}
