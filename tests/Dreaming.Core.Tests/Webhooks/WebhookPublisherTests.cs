using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Dreaming.Tests.Webhooks;

public sealed class WebhookPublisherTests
{
    [Fact]
    public async Task A_failing_outbox_is_logged_with_the_event_and_never_thrown_at_the_caller()
    {
        var outbox = Substitute.For<IWebhookOutboxStore>();
        outbox.EnqueueAsync(default!, default!, default).ThrowsAsyncForAnyArgs(new TraceStoreException("disk full"));
        var logger = new FakeLogger<WebhookPublisher>();
        var options = new WebhookOptions();
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        var publisher = new WebhookPublisher(Options.Create(options), outbox, logger: logger);

        var published = await publisher.PublishAsync(WebhookEventTypes.DreamFailed, new() { ["dream_run_id"] = "dr-1" });

        Assert.Null(published);
        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.Contains("dream.failed", record.Message, StringComparison.Ordinal);
        Assert.IsType<TraceStoreException>(record.Exception);
    }

    [Fact]
    public async Task A_transient_outbox_failure_is_retried_and_the_event_kept()
    {
        var inner = new InMemoryWebhookOutboxStore();
        var outbox = Substitute.For<IWebhookOutboxStore>();
        var calls = 0;
        outbox.EnqueueAsync(default!, default!, default).ReturnsForAnyArgs(call =>
            ++calls < 3 ? throw new TraceStoreException("database is locked") : inner.EnqueueAsync(call.Arg<WebhookEvent>(), call.Arg<IReadOnlyList<string>>()));
        var options = new WebhookOptions();
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        var logger = new FakeLogger<WebhookPublisher>();
        var publisher = new WebhookPublisher(Options.Create(options), outbox, logger: logger);

        var published = await publisher.PublishAsync(WebhookEventTypes.SessionCompleted, new());

        Assert.NotNull(published);
        Assert.Equal(3, calls);
        Assert.Equal(published.Id, Assert.Single(await inner.ListAsync()).EventId);
        Assert.Empty(logger.Collector.GetSnapshot());
    }

    [Fact]
    public async Task An_event_goes_once_to_each_subscribed_endpoint_with_a_new_id_and_the_publishers_clock()
    {
        var outbox = new InMemoryWebhookOutboxStore();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero));
        var options = new WebhookOptions();
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("a"));
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("b", "session.*"));
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("c", "dream.*"));
        var publisher = new WebhookPublisher(Options.Create(options), outbox, clock);

        var first = await publisher.PublishAsync(WebhookEventTypes.SessionCompleted, new());
        var second = await publisher.PublishAsync(WebhookEventTypes.SessionCompleted, new());

        Assert.NotEqual(first!.Id, second!.Id);
        Assert.Equal(clock.GetUtcNow(), first.Timestamp);
        var rows = await outbox.ListAsync();
        Assert.Equal(4, rows.Count);
        Assert.Equal(["a", "b"], rows.Where(r => r.EventId == first.Id).Select(r => r.EndpointId).Order(StringComparer.Ordinal));
        Assert.Equal(["a", "b"], publisher.EndpointsFor(WebhookEventTypes.SessionFailed));
    }
}
