using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Webhooks;

/// <summary>An event larger than <see cref="WebhookOptions.MaxPayloadBytes"/> has its longest free texts cut before it is
/// stored and signed, so a receiver with a body limit still gets it, signed and valid.</summary>
public sealed class WebhookPayloadSizeTests
{
    private static readonly string Secret = WebhookSecret.Generate();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));

    [Fact]
    public async Task An_event_with_texts_over_the_cap_is_cut_signed_and_delivered_to_a_receiver_that_refuses_larger_bodies()
    {
        // A receiver with a 64 KiB body limit, as many frameworks have by default: anything larger is a 413.
        var limit = WebhookOptions.DefaultMaxPayloadBytes;
        await using var receiver = new LoopbackReceiver((request, stream, ct) =>
            LoopbackReceiver.WriteAsync(stream, request.Body.Length > limit ? "HTTP/1.1 413 Payload Too Large\nContent-Length: 0\n" : "HTTP/1.1 204 No Content\n", ct));
        var options = Options(receiver.Url);
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var logger = new FakeLogger<WebhookPublisher>();
        var publisher = new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(options), outbox, _clock, logger);

        // An outcome loop's final artifact (200,000 characters, non-ASCII sent as \u escapes, a surrogate pair at every
        // step) and its error: about 800 KB of body, that no part of the schedule would deliver.
        var artifact = string.Concat(Enumerable.Repeat("ré😀sumé ", 25_000));
        var error = new string('e', 70_000);
        var data = new JsonObject
        {
            ["session_id"] = "ses_1",
            ["agent_id"] = "writer",
            ["result"] = "failed",
            ["error"] = error,
            ["artifact"] = artifact,
        };
        var published = await publisher.PublishAsync(WebhookEventTypes.OutcomeUnsatisfied, data);

        Assert.NotNull(published);
        Assert.Equal(artifact, (string?)data["artifact"]); // the caller's data is left alone
        Assert.Equal(1, await Dispatcher(outbox, options).DispatchDueAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        var stored = Assert.Single(await outbox.ListAsync());
        Assert.Equal((WebhookDeliveryState.Delivered, 204), (stored.State, stored.LastStatusCode));
        var received = Assert.Single(Drain(receiver));
        Assert.InRange(received.Body.Length, limit - 1024, limit);
        new WebhookVerifier(Secret, _clock).EnsureValid(received.Headers["webhook-id"], received.Headers["webhook-timestamp"], received.Headers["webhook-signature"], received.Text);

        var body = JsonNode.Parse(received.Text)!.AsObject();
        Assert.Equal((WebhookEventTypes.OutcomeUnsatisfied, "2026-03-04T05:06:07.000Z"), ((string?)body["type"], (string?)body["timestamp"]));
        var sent = body["data"]!.AsObject();
        Assert.Equal(("ses_1", "writer", "failed"), ((string?)sent["session_id"], (string?)sent["agent_id"], (string?)sent["result"]));
        var sentArtifact = (string)sent["artifact"]!;
        var sentError = (string)sent["error"]!;
        Assert.EndsWith("…", sentArtifact, StringComparison.Ordinal);
        Assert.StartsWith(sentArtifact[..^1], artifact, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(sentArtifact[^2]));
        Assert.StartsWith(sentError[..^1], error, StringComparison.Ordinal);

        // Both are cut to about the same size in the body (an escaped character takes 6 bytes, an 'e' one).
        Assert.InRange(sentError.Length, 20_000, 40_000);
        Assert.Equal(
            """[{"path":"/error","original_length":70000},{"path":"/artifact","original_length":225000}]""",
            sent["truncated"]!.ToJsonString());

        var warning = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("over WebhookOptions.MaxPayloadBytes (65536); 2 texts were cut (listed in data.truncated)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_texts_are_cut_evenly_and_ids_types_timestamps_and_short_values_never()
    {
        // A dream's change list with full payloads: 2,000 changes of 300 characters each (about 900 KB).
        var changes = new JsonArray();
        for (var i = 0; i < 2_000; i++)
        {
            changes.Add(new JsonObject { ["op"] = "add", ["insight_id"] = "ins_" + new string((char)('a' + (i % 26)), 90) + i, ["text"] = new string('t', 300), ["reason"] = "seen in 3 sessions" });
        }

        var data = new JsonObject { ["dream_run_id"] = "dr-" + new string('d', 200), ["scope"] = "agent:" + new string('s', 200), ["ended_at"] = new string('9', 100), ["change_list"] = changes };
        var (fitted, original, bytes, cut) = WebhookPayloadFit.Fit(WebhookEvent.Create("dream.completed", _clock.GetUtcNow(), data), 700_000);

        Assert.True(original > 800_000, $"{original}");
        Assert.InRange(bytes, 650_000, 700_000);
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(fitted.ToBody()));
        Assert.Equal(2_000, cut);
        var sent = fitted.Data;
        Assert.Equal((string?)data["dream_run_id"], (string?)sent["dream_run_id"]);
        Assert.Equal((string?)data["scope"], (string?)sent["scope"]);
        Assert.Equal((string?)data["ended_at"], (string?)sent["ended_at"]);
        var sentChanges = sent["change_list"]!.AsArray();
        for (var i = 0; i < 2_000; i++)
        {
            Assert.Equal((string?)changes[i]!["insight_id"], (string?)sentChanges[i]!["insight_id"]);
            Assert.Equal(("add", "seen in 3 sessions"), ((string?)sentChanges[i]!["op"], (string?)sentChanges[i]!["reason"]));
            Assert.Equal(((string)sentChanges[0]!["text"]!).Length, ((string)sentChanges[i]!["text"]!).Length);
        }

        Assert.Equal("/change_list/1999/text", (string?)sent["truncated"]![1999]!["path"]);
    }

    [Fact]
    public void Thousands_of_texts_just_over_the_kept_size_are_not_cut_into_a_larger_body()
    {
        // 5,000 texts of 70 characters (72 bytes in the body, 8 over what is kept whole): cutting each saves 8 bytes and
        // adds a 40-byte entry to data.truncated, so a cut body would be larger than the event and still over the cap.
        var list = new JsonArray();
        for (var i = 0; i < 5_000; i++)
        {
            list.Add(new string((char)('a' + (i % 26)), 70));
        }

        var webhookEvent = WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject { ["notes"] = list });

        var (fitted, original, bytes, cut) = WebhookPayloadFit.Fit(webhookEvent, WebhookOptions.DefaultMaxPayloadBytes);

        Assert.True(original > 300_000, $"{original}");
        Assert.Same(webhookEvent, fitted);
        Assert.Equal((original, 0), (bytes, cut));
    }

    [Fact]
    public async Task Data_no_body_can_be_written_from_is_a_failed_write_logged_not_an_exception_thrown_at_the_publisher()
    {
        // A custom event nested deeper than the JSON writer's 1,000 levels: sizing its body fails as the store's writing it
        // would, and publishing never throws for the write (the state change that raised the event has happened).
        JsonNode deep = new JsonObject { ["text"] = "x" };
        for (var i = 0; i < 1_100; i++)
        {
            deep = new JsonObject { ["child"] = deep };
        }

        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var logger = new FakeLogger<WebhookPublisher>();
        var publisher = new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(Options(new Uri("https://hooks.example.com/hook"))), outbox, _clock, logger);

        Assert.Null(await publisher.PublishAsync("app.deep", (JsonObject)deep));

        Assert.Empty(await outbox.ListAsync());
        var error = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((LogLevel.Error, 70), (error.Level, error.Id.Id));
        Assert.Contains("Webhook event app.deep msg_", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.Exception);
    }

    [Fact]
    public async Task An_event_over_the_cap_that_is_not_cut_is_logged_as_sent_as_it_is_not_as_cut()
    {
        // A custom event whose data has a 'truncated' property of its own: nothing is cut, so the warning must not say
        // that texts were cut and listed there.
        var outbox = new InMemoryWebhookOutboxStore(_clock);
        var logger = new FakeLogger<WebhookPublisher>();
        var publisher = new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(Options(new Uri("https://hooks.example.com/hook"))), outbox, _clock, logger);
        var data = new JsonObject { ["truncated"] = false, ["text"] = new string('x', 100_000) };

        var published = await publisher.PublishAsync("app.large", data);

        Assert.Equal(new string('x', 100_000), (string?)published!.Data["text"]);
        var warning = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((LogLevel.Warning, 88), (warning.Level, warning.Id.Id));
        Assert.StartsWith($"Webhook event app.large {published.Id} has a 100", warning.Message, StringComparison.Ordinal);
        Assert.Contains("over WebhookOptions.MaxPayloadBytes (65536), and is sent as it is", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("texts were cut", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_under_the_cap_is_left_as_it_is()
    {
        var webhookEvent = WebhookEvent.Create("a.b", _clock.GetUtcNow(), new JsonObject { ["text"] = new string('x', 3000) });

        var (fitted, original, bytes, cut) = WebhookPayloadFit.Fit(webhookEvent, 4096);

        Assert.Same(webhookEvent, fitted);
        Assert.Equal((original, 0), (bytes, cut));
    }

    [Theory]
    [InlineData(4095, false)]
    [InlineData(4096, true)]
    [InlineData(104_857_600, true)]
    [InlineData(104_857_601, false)]
    public void MaxPayloadBytes_is_validated_at_start(int value, bool valid)
    {
        var failures = WebhookOptionsValidator.GetFailures(new WebhookOptions { MaxPayloadBytes = value });

        Assert.Equal(valid, failures.Count == 0);
        if (!valid)
        {
            Assert.Equal($"WebhookOptions.MaxPayloadBytes is {value}; it must be between 4096 and 104857600 (100 MiB).", Assert.Single(failures));
        }
    }

    private static List<ReceivedRequest> Drain(LoopbackReceiver receiver)
    {
        var requests = new List<ReceivedRequest>();
        while (receiver.Requests.TryRead(out var request))
        {
            requests.Add(request);
        }

        return requests;
    }

    private static WebhookOptions Options(Uri url)
    {
        var endpoint = new WebhookEndpoint { Id = "ci", Url = url.ToString() };
        endpoint.Secrets.Add(Secret);
        var options = new WebhookOptions { IncludeFullPayloads = true, AllowPrivateNetworks = true, Jitter = 0 };
        options.Endpoints.Add(endpoint);
        return options;
    }

    private WebhookDispatcher Dispatcher(IWebhookOutboxStore outbox, WebhookOptions options)
    {
        var clients = Substitute.For<IHttpClientFactory>();
        clients.CreateClient(WebhookDispatcher.HttpClientName).Returns(_ => new HttpClient(WebhookTargetGuard.CreateHandler(allowPrivateNetworks: true)));
        return new WebhookDispatcher(outbox, Microsoft.Extensions.Options.Options.Create(options), clients, _clock, new FakeLogger<WebhookDispatcher>());
    }
}
