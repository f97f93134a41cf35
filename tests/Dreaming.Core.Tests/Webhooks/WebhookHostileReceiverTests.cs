using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Webhooks;

/// <summary>What the dispatcher makes of a receiver that answers in odd or hostile ways, over a real socket with the
/// handler <c>AddWebhooks</c> installs: the answer's body is never read, so it cannot be made to wait or buffer; only the
/// headers count, within the attempt's timeout; redirects are not followed.</summary>
public sealed class WebhookHostileReceiverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string Secret = WebhookSecret.Generate();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_huge_response_body_is_not_read_the_attempt_ends_at_its_headers_and_the_connection_is_dropped()
    {
        var written = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = new LoopbackReceiver(async (_, stream, ct) =>
        {
            // A gigabyte announced, written until the dispatcher hangs up.
            await LoopbackReceiver.WriteAsync(stream, "HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 1073741824\n", ct);
            var chunk = new byte[64 * 1024];
            long total = 0;
            try
            {
                while (total < 1L << 30)
                {
                    await stream.WriteAsync(chunk, ct);
                    total += chunk.Length;
                }
            }
            finally
            {
                written.TrySetResult(total);
            }
        });
        var (outbox, dispatcher) = await SetUpAsync(receiver);

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));

        var stored = Assert.Single(await outbox.ListAsync());
        Assert.Equal((WebhookDeliveryState.Delivered, 200), (stored.State, stored.LastStatusCode));

        // What the receiver could write before the connection closed: socket buffers and the handler's bounded drain,
        // nowhere near the gigabyte a read of the body would take in.
        Assert.InRange(await written.Task.WaitAsync(Patience), 0, 64L * 1024 * 1024);
    }

    [Fact]
    public async Task A_response_body_that_never_ends_does_not_hold_the_attempt()
    {
        // The headers come, then 10 of the 100 bytes announced, then nothing: the clock is never moved, so reading the
        // body would hang until the patience below.
        await using var receiver = new LoopbackReceiver(async (_, stream, ct) =>
        {
            await LoopbackReceiver.WriteAsync(stream, "HTTP/1.1 202 Accepted\nContent-Length: 100\n", ct);
            await stream.WriteAsync("0123456789"u8.ToArray(), ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var (outbox, dispatcher) = await SetUpAsync(receiver);

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));

        Assert.Equal((WebhookDeliveryState.Delivered, 202), Single(await outbox.ListAsync()));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\nX-Slow: ")]
    [InlineData("HTTP/1.1 102 Processing\n\nHTTP/1.1 102 Processing\n\nHTTP/1.1 102 Processing\n\n")]
    public async Task Headers_that_never_end_or_informational_answers_without_a_final_one_time_out(string head)
    {
        await using var receiver = new LoopbackReceiver(async (_, stream, ct) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ReplaceLineEndings("\r\n")), ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var (outbox, dispatcher) = await SetUpAsync(receiver);

        var round = dispatcher.DispatchDueAsync();
        await receiver.Requests.ReadAsync().AsTask().WaitAsync(Patience);
        _clock.Advance(TimeSpan.FromSeconds(15));

        Assert.Equal(1, await round.WaitAsync(Patience));
        var stored = Assert.Single(await outbox.ListAsync());
        Assert.Equal((WebhookDeliveryState.Pending, null, "timed out after 15 s"), (stored.State, stored.LastStatusCode, stored.LastError));
    }

    [Theory]
    [InlineData("HTTP/1.1 103 Early Hints\nLink: </style.css>; rel=preload\n\nHTTP/1.1 204 No Content\n", WebhookDeliveryState.Delivered, 204)]
    [InlineData("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nContent-Length: 0\n", WebhookDeliveryState.Delivered, 200)]
    [InlineData("HTTP/1.1 204 No Content\n", WebhookDeliveryState.Delivered, 204)]
    [InlineData("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n", WebhookDeliveryState.Pending, 101)]
    [InlineData("HTTP/1.1 304 Not Modified\n", WebhookDeliveryState.Pending, 304)]
    public async Task An_informational_answer_is_passed_over_and_only_a_final_2xx_delivers(string head, WebhookDeliveryState state, int status)
    {
        await using var receiver = new LoopbackReceiver((_, stream, ct) => LoopbackReceiver.WriteAsync(stream, head, ct));
        var (outbox, dispatcher) = await SetUpAsync(receiver);

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));

        Assert.Equal((state, status), Single(await outbox.ListAsync()));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_of_any_kind_is_not_followed(int status)
    {
        await using var receiver = new LoopbackReceiver((_, stream, ct) =>
            LoopbackReceiver.WriteAsync(stream, $"HTTP/1.1 {status} Moved\nLocation: /elsewhere\nContent-Length: 0\n", ct));
        var (outbox, dispatcher) = await SetUpAsync(receiver);

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));

        var stored = Assert.Single(await outbox.ListAsync());
        Assert.Equal((WebhookDeliveryState.Pending, status), (stored.State, stored.LastStatusCode));
        Assert.Equal($"{status} redirect to /elsewhere not followed (only 2xx counts as delivered)", stored.LastError);
        Assert.True(receiver.Requests.TryRead(out var only));
        Assert.Equal("/hook", only.Target);
        Assert.False(receiver.Requests.TryRead(out _));
    }

    [Theory]
    [InlineData("HTTP/1.1 500 {0}\nContent-Length: 0\n", "500 ", 20_004)]
    [InlineData("HTTP/1.1 302 Found\nLocation: /{0}\nContent-Length: 0\n", "302 redirect to /", 20_005)]
    public async Task A_long_reason_phrase_or_location_is_shown_cut_in_the_error_and_the_log(string head, string start, int length)
    {
        // 20,000 characters (the handler takes up to 64 KB of headers), with an escape sequence that would recolour a terminal.
        var text = "\u001b[2J" + new string('r', 20_000);
        await using var receiver = new LoopbackReceiver((_, stream, ct) => LoopbackReceiver.WriteAsync(stream, string.Format(System.Globalization.CultureInfo.InvariantCulture, head, text), ct));
        var logger = new FakeLogger<WebhookDispatcher>();
        var (outbox, dispatcher) = await SetUpAsync(receiver, logger);

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));

        var error = Assert.Single(await outbox.ListAsync()).LastError!;
        Assert.StartsWith(start + "?[2Jrrr", error, StringComparison.Ordinal);
        Assert.Contains($"r… ({length} characters)", error, StringComparison.Ordinal);
        Assert.InRange(error.Length, 200, 400);
        Assert.DoesNotContain('\u001b', error);
        Assert.Contains(error, Assert.Single(logger.Collector.GetSnapshot()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_to_https_shows_its_location_without_the_token_in_its_query()
    {
        // The endpoint's URL holds its token in the query; the receiver redirects to https with the same query.
        await using var receiver = new LoopbackReceiver((_, stream, ct) =>
            LoopbackReceiver.WriteAsync(stream, "HTTP/1.1 301 Moved Permanently\nLocation: https://user:pw@hooks.example.com/hook?token=s3cret#frag\nContent-Length: 0\n", ct));
        var logger = new FakeLogger<WebhookDispatcher>();
        var (outbox, dispatcher) = await SetUpAsync(receiver, logger);

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));

        var error = Assert.Single(await outbox.ListAsync()).LastError;
        Assert.Equal("301 redirect to https://***@hooks.example.com/hook?*** not followed (only 2xx counts as delivered)", error);
        Assert.DoesNotContain("s3cret", Assert.Single(logger.Collector.GetSnapshot()).Message, StringComparison.Ordinal);
    }

    private static (WebhookDeliveryState, int?) Single(IReadOnlyList<WebhookDelivery> rows)
    {
        var row = Assert.Single(rows);
        return (row.State, row.LastStatusCode);
    }

    private async Task<(InMemoryWebhookOutboxStore Outbox, WebhookDispatcher Dispatcher)> SetUpAsync(LoopbackReceiver receiver, FakeLogger<WebhookDispatcher>? logger = null)
    {
        var endpoint = new WebhookEndpoint { Id = "ci", Url = receiver.Url.ToString() };
        endpoint.Secrets.Add(Secret);
        var options = new WebhookOptions { AllowPrivateNetworks = true, Jitter = 0 };
        options.Endpoints.Add(endpoint);
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        await outbox.EnqueueAsync(WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject { ["session_id"] = "ses_1" }), ["ci"]);
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(WebhookTargetGuard.CreateHandler(allowPrivateNetworks: true)));
        return (outbox, new WebhookDispatcher(outbox, Options.Create(options), clients, _clock, logger ?? new FakeLogger<WebhookDispatcher>()));
    }
}
