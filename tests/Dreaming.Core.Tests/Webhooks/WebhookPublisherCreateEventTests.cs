using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests.Webhooks;

/// <summary><see cref="WebhookPublisher.CreateEvent(string, string, DateTimeOffset, JsonObject, bool)"/>: a store that makes
/// an event before it knows the change will stand makes it without logging its cut, then again with the same id when it
/// writes it, logging once, with that id, and with the body the plain overload makes.</summary>
public sealed class WebhookPublisherCreateEventTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 4, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void An_event_made_with_its_id_logs_its_cut_only_when_asked_and_has_the_body_the_plain_overload_makes()
    {
        var logger = new FakeLogger<WebhookPublisher>();
        var publisher = new WebhookPublisher(Options.Create(new WebhookOptions { MaxPayloadBytes = 4_096 }), new InMemoryWebhookOutboxStore(), TimeProvider.System, logger);
        var data = new JsonObject { ["dream_run_id"] = "run_1", ["error"] = new string('e', 10_000) };

        var silent = publisher.CreateEvent("msg_1", WebhookEventTypes.DreamFailed, At, data, logCut: false);
        Assert.Empty(logger.Collector.GetSnapshot());
        var logged = publisher.CreateEvent("msg_1", WebhookEventTypes.DreamFailed, At, data, logCut: true);

        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((79, "msg_1"), (record.Id.Id, record.StructuredState!.Single(kv => kv.Key == "EventId").Value));
        Assert.Equal(("msg_1", "msg_1"), (silent.Id, logged.Id));
        var plain = publisher.CreateEvent(WebhookEventTypes.DreamFailed, At, data).ToBody();
        Assert.Equal(plain, silent.ToBody());
        Assert.Equal(plain, logged.ToBody());
        Assert.Contains("\"truncated\"", plain, StringComparison.Ordinal);
        Assert.Equal(10_000, ((string)data["error"]!).Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public void A_blank_event_id_is_refused_naming_it(string? eventId)
    {
        var publisher = new WebhookPublisher(Options.Create(new WebhookOptions()), new InMemoryWebhookOutboxStore());
        var refused = Assert.ThrowsAny<ArgumentException>(() => publisher.CreateEvent(eventId!, WebhookEventTypes.DreamFailed, At, [], logCut: false));
        Assert.Equal("eventId", refused.ParamName);
    }
}
