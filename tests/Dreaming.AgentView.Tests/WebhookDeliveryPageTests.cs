using System.Net;
using Dreaming.AgentView.Pages;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>A delivery's page: every field, its endpoint, its event and body.</summary>
public sealed class WebhookDeliveryPageTests
{
    [Fact]
    public async Task The_page_shows_every_field_of_the_delivery_and_its_body_folded()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        var outbox = host.Outbox();
        var retrying = await outbox.SeedAsync("retrying", minutes: 7);
        var delivered = await outbox.SeedAsync("delivered", minutes: 9);

        var page = await host.PageAsync("/dreaming/webhooks/deliveries/" + retrying.Id);

        var facts = page.QuerySelectorAll("dl.facts dt").Zip(page.QuerySelectorAll("dl.facts dd"), (dt, dd) => (dt.TextContent, dd.TextContent)).ToDictionary();
        Assert.Equal(retrying.Id, facts["Id"]);
        Assert.Equal("retrying", facts["State"]);
        Assert.Equal(retrying.EventId, facts["Event id"]);
        Assert.Equal(WebhookEventTypes.SessionFailed, facts["Event type"]);
        Assert.Equal("2026-11-02 08:07:00.000", facts["Event time (UTC)"]);
        Assert.Equal("ops https://hooks.example.com/***", facts["Endpoint"]);
        Assert.Equal("enabled (0 failed deliveries in a row)", facts["Endpoint delivery"]);
        Assert.Equal("1", facts["Attempts"]);
        Assert.Equal("2026-11-02 08:13:00", facts["Next attempt (UTC)"]);
        Assert.Equal("2026-11-02 08:08:00", facts["Last attempt (UTC)"]);
        Assert.Equal("503", facts["Last status"]);
        Assert.Equal("HTTP 503", facts["Last error"]);
        Assert.Equal("-", facts["Delivered (UTC)"]);
        Assert.Equal(retrying.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), facts["Created (UTC)"]);
        Assert.Equal(retrying.Body, page.QuerySelector("section#body pre")?.TextContent);
        Assert.Equal("Replay", page.QuerySelector("form.webhook-replay button")?.TextContent);

        var sent = await host.PageAsync("/dreaming/webhooks/deliveries/" + delivered.Id);
        var sentFacts = sent.QuerySelectorAll("dl.facts dt").Zip(sent.QuerySelectorAll("dl.facts dd"), (dt, dd) => (dt.TextContent, dd.TextContent)).ToDictionary();
        Assert.Equal(("2026-11-02 08:10:00", "2026-11-02 08:10:00", "200"), (sentFacts["Delivered (UTC)"], sentFacts["Last due (UTC)"], sentFacts["Last status"]));
        Assert.Equal("Send again", sent.QuerySelector("form.webhook-replay button")?.TextContent);
    }

    [Fact]
    public async Task A_long_or_hostile_body_is_folded_and_shown_as_text()
    {
        var hostile = "{\"type\":\"x\",\"timestamp\":\"not a time\",\"data\":\"<script>alert(1)</script>\0\uD800" + new string('y', 70_000) + "\"}";
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<IWebhookOutboxStore>(new BodyOverride(new InMemoryWebhookOutboxStore(), hostile));
        });
        var delivery = await host.Outbox().SeedAsync("dead");

        var page = await host.PageAsync("/dreaming/webhooks/deliveries/" + delivery.Id);

        Assert.Empty(page.QuerySelectorAll("script"));
        var body = page.QuerySelector("section#body details.body")!;
        Assert.StartsWith("{\"type\":\"x\",\"timestamp\":\"not a time\",\"data\":\"<script>alert(1)</script>\uFFFD\uFFFDyyy", body.QuerySelector("summary")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(65_536, body.QuerySelector("pre")!.TextContent.Length);
        Assert.StartsWith("4,", body.QuerySelector("p.cut-note")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("Body (70,074 characters, as signed and sent)", page.QuerySelector("section#body h3")?.TextContent);
        Assert.Equal("-", page.QuerySelectorAll("dl.facts dd")[4].TextContent);
    }

    [Fact]
    public async Task A_delivery_to_an_endpoint_the_dispatcher_would_not_send_to_says_so_by_its_replay()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        var toDisabled = await host.Outbox().SeedAsync("dead");
        var toConfigOff = await host.Outbox().SeedAsync("dead", "audit");
        var toGone = await host.Outbox().SeedAsync("dead", "gone");
        var toOk = await host.Outbox().SeedAsync("delivered", "audit");
        await host.Outbox().SetEndpointDisabledAsync("ops", "410", TestWebhooks.At);

        async Task<string?> NoteAsync(WebhookDelivery delivery) => (await host.PageAsync("/dreaming/webhooks/deliveries/" + delivery.Id)).QuerySelector("section#replay p.cap-note")?.TextContent;

        Assert.Equal("Endpoint 'ops' is disabled: a replay becomes a dead letter again at the dispatcher's next pass. Enable the endpoint first (on the webhooks page).", await NoteAsync(toDisabled));
        Assert.StartsWith("Endpoint 'audit' is disabled:", await NoteAsync(toConfigOff), StringComparison.Ordinal);
        Assert.Equal("Endpoint 'gone' is not configured in this app: its dispatcher makes a replay a dead letter again.", await NoteAsync(toGone));
        await host.Outbox().SetEndpointDisabledAsync("ops", null, TestWebhooks.At);
        Assert.Null(await NoteAsync(toDisabled));
        Assert.NotNull(await NoteAsync(toOk));
    }

    [Fact]
    public async Task An_unknown_delivery_is_a_404_naming_it()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        using var client = host.Client();

        using var response = await client.GetAsync(new Uri("/dreaming/webhooks/deliveries/whd-gone%3F%20%3Cb%3E", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No webhook delivery 'whd-gone? <b>'.", await TestWebhooks.ErrorAsync(response));
    }

    [Theory]
    [InlineData("{\"type\":\"a\",\"timestamp\":\"2026-11-02T08:00:00.123Z\",\"data\":{}}", "2026-11-02 08:00:00.123")]
    [InlineData("{\"data\":{\"timestamp\":\"2020-01-01T00:00:00Z\",\"x\":[1,2]},\"timestamp\":\"2026-11-02T09:00:00Z\"}", "2026-11-02 09:00:00.000")]
    [InlineData("{\"type\":\"a\",\"timestamp\":7}", null)]
    [InlineData("not json", null)]
    [InlineData("", null)]
    public void The_event_time_is_the_bodys_top_level_timestamp(string body, string? expected) =>
        Assert.Equal(expected, WebhookDeliveryPage.EventTime(body));

    /// <summary>An outbox whose deliveries all read back with one body, as a store written by another sender might hold.</summary>
    private sealed class BodyOverride(IWebhookOutboxStore inner, string body) : ForwardingWebhookOutboxStore(inner)
    {
        public override async Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default) =>
            await base.GetAsync(deliveryId, cancellationToken) is { } delivery ? delivery with { Body = body } : null;

        public override async Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
            [.. (await base.ListAsync(state, limit, cancellationToken)).Select(d => d with { Body = body })];
    }
}
