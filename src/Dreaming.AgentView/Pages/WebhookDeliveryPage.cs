using System.Globalization;
using System.Text;
using System.Text.Json;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary><c>/webhooks/deliveries/{id}</c>: one delivery: every field of its <see cref="WebhookDelivery"/>, its endpoint's
/// state, its event (type, time, the body as stored, folded when long) and, unless read-only, its replay. Costs
/// <see cref="IWebhookOutboxStore.GetAsync"/> and <see cref="IWebhookOutboxStore.GetEndpointAsync"/>.</summary>
internal static class WebhookDeliveryPage
{
    // The start of a body read for its timestamp: the library writes "type" and "timestamp" first.
    private const int TimestampScanLength = 4096;

    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    /// <param name="segment">The delivery id from the path.</param>
    /// <param name="review">The view's actions (antiforgery), or <see langword="null"/> when read-only.</param>
    public static async Task WriteAsync(AgentViewContext view, string segment, MemoryReview? review)
    {
        var deliveryId = RouteSegments.Read(view.Http, segment);
        if (WebhookHtml.Outbox(view) is not { } outbox)
        {
            await WebhookHtml.WriteNoOutboxAsync(view, Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound).ConfigureAwait(false);
            return;
        }

        if (await outbox.GetAsync(deliveryId, view.Aborted).ConfigureAwait(false) is not { } delivery)
        {
            await AgentViewLayout.WriteNotFoundAsync(view, $"No webhook delivery '{AgentViewLayout.Echo(deliveryId)}'.").ConfigureAwait(false);
            return;
        }

        var endpoint = await outbox.GetEndpointAsync(delivery.EndpointId, view.Aborted).ConfigureAwait(false);
        var configured = WebhookHtml.Endpoints(view).FirstOrDefault(e => string.Equals(e.Id, delivery.EndpointId, StringComparison.Ordinal));
        var tokens = WebhookHtml.Tokens(view, review);
        await AgentViewLayout.WritePageAsync(view, "Webhook delivery " + AgentViewLayout.Echo(delivery.Id), html =>
        {
            html.Raw("<p>").Link(view.Href("webhooks"), "All webhooks").Raw("</p>");
            html.Raw("<dl class=\"facts\">");
            html.Raw("<dt>Id</dt><dd>").Short(delivery.Id).Raw("</dd>");
            html.Raw("<dt>State</dt><dd>").State(WebhookHtml.StateName(delivery)).Raw("</dd>");
            html.Raw("<dt>Event id</dt><dd>").Short(delivery.EventId).Raw("</dd>");
            html.Raw("<dt>Event type</dt><dd>").Short(delivery.EventType).Raw("</dd>");
            html.Raw("<dt>Event time (UTC)</dt><dd>").Text(EventTime(delivery.Body) ?? "-").Raw("</dd>");
            html.Raw("<dt>Endpoint</dt><dd>").Short(delivery.EndpointId);
            if (configured is not null)
            {
                html.Text(" ").Element("span", WebhookHtml.ShownUrl(configured.Url), "url");
            }

            html.Raw("</dd><dt>Endpoint delivery</dt><dd>").EndpointState(endpoint)
                .Text(string.Create(CultureInfo.InvariantCulture, $" ({endpoint.ConsecutiveFailures} failed deliveries in a row)")).Raw("</dd>");
            html.Raw("<dt>Attempts</dt><dd>").Number(delivery.Attempts).Raw("</dd>");
            html.Raw("<dt>Created (UTC)</dt><dd>").Time(delivery.CreatedAt).Raw("</dd>");
            html.Raw("<dt>").Text(delivery.State == WebhookDeliveryState.Pending ? "Next attempt (UTC)" : "Last due (UTC)").Raw("</dt><dd>").Time(delivery.NextAttemptAt).Raw("</dd>");
            html.Raw("<dt>Last attempt (UTC)</dt><dd>").Time(delivery.LastAttemptAt).Raw("</dd>");
            html.Raw("<dt>Last status</dt><dd>").Text(delivery.LastStatusCode?.ToString(CultureInfo.InvariantCulture) ?? "- (no response)").Raw("</dd>");
            html.Raw("<dt>Last error</dt><dd>").LongText(delivery.LastError ?? "-", "last-error").Raw("</dd>");
            html.Raw("<dt>Delivered (UTC)</dt><dd>").Time(delivery.DeliveredAt).Raw("</dd>");
            html.Raw("</dl>");

            html.Raw("<section id=\"replay\">").Element("h3", "Replay");
            if (endpoint.IsDisabled || configured is { Enabled: false })
            {
                html.Element("p", $"Endpoint '{AgentViewLayout.Echo(delivery.EndpointId)}' is disabled: a replay becomes a dead letter again at the dispatcher's next pass. Enable the endpoint first (on the webhooks page).", "cap-note");
            }
            else if (configured is null && WebhookHtml.HasDispatcher(view))
            {
                html.Element("p", $"Endpoint '{AgentViewLayout.Echo(delivery.EndpointId)}' is not configured in this app: its dispatcher makes a replay a dead letter again.", "cap-note");
            }

            if (tokens is not null)
            {
                WebhookHtml.Form(html, view.Href("webhooks", "deliveries", delivery.Id, "replay"), "webhook-replay", tokens, delivery.State == WebhookDeliveryState.Delivered ? "Send again" : "Replay");
                html.Element("p", "A replay puts the delivery back in line, due now, with its attempts reset; the receiver gets the same body and webhook-id.", "muted");
            }
            else
            {
                WebhookHtml.WriteNoActions(html, review, tokens);
            }

            html.Raw("</section>");
            html.Raw("<section id=\"body\">").Element("h3", string.Create(CultureInfo.InvariantCulture, $"Body ({delivery.Body.Length:N0} characters, as signed and sent)"));
            new LongTextWriter().Write(html, delivery.Body, "body");
            html.Raw("</section>");
        }).ConfigureAwait(false);
    }

    /// <summary>The event's <c>timestamp</c> from the start of its body, or <see langword="null"/> when the start holds none
    /// (a body written by another sender, or not JSON).</summary>
    /// <param name="body">The body as stored.</param>
    public static string? EventTime(string body)
    {
        var start = body.Length <= TimestampScanLength ? body : body[..LongTextWriter.SafeEnd(body, TimestampScanLength)];
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(start), isFinalBlock: start.Length == body.Length, state: default);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("timestamp"u8))
                {
                    return reader.Read() && reader.TokenType == JsonTokenType.String
                        && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)
                            : null;
                }

                if (reader.CurrentDepth >= 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    // A nested value ("data") is skipped, when the start holds all of it.
                    if (!reader.TrySkip())
                    {
                        return null;
                    }
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }
}
