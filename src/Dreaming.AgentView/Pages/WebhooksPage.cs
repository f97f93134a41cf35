using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.AspNetCore.Antiforgery;

namespace Dreaming.AgentView.Pages;

/// <summary><c>/webhooks</c>: the app's webhook endpoints with what delivery learnt about each, and the outbox's deliveries
/// by state (dead letters, pending and retrying, delivered), newest first. Costs three
/// <see cref="IWebhookOutboxStore.ListAsync"/> of <see cref="AgentViewOptions.PageSize"/> rows (the outbox has no paging)
/// and one <see cref="IWebhookOutboxStore.GetEndpointAsync"/> per endpoint shown (at most <see cref="MaxEndpoints"/>).</summary>
internal static class WebhooksPage
{
    /// <summary>The most endpoints the page looks up and shows.</summary>
    public const int MaxEndpoints = 100;

    private static readonly (WebhookDeliveryState State, string Id, string Title, string Plural)[] s_sections =
    [
        (WebhookDeliveryState.Dead, "dead", "Dead letters", "dead letters"),
        (WebhookDeliveryState.Pending, "pending", "Pending and retrying", "pending deliveries"),
        (WebhookDeliveryState.Delivered, "delivered", "Delivered", "delivered deliveries"),
    ];

    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    /// <param name="review">The view's actions (antiforgery), or <see langword="null"/> when read-only.</param>
    public static async Task WriteAsync(AgentViewContext view, MemoryReview? review)
    {
        (int Count, DateTimeOffset At)? replayed = null;
        if (view.Http.Request.Query.TryGetValue("replayed", out var given))
        {
            // Only what the view itself issued (protected with the app's keys): a hand-made link cannot make the page say
            // that deliveries were replayed.
            if (given.Count != 1 || review?.ReadReplayedNotice(given.ToString()) is not { } notice)
            {
                await AgentViewLayout.WriteBadRequestAsync(view, $"replayed '{AgentViewLayout.Echo(given.ToString())}' is not a notice this server can read: only the replay of every dead letter links to one, and only a server with the data protection keys that protected it reads it (not one that does not share the app's keys, nor one restarted without keeping them). If you came here from that replay, it was made: the webhooks page, opened without the notice, shows where the deliveries stand.").ConfigureAwait(false);
                return;
            }

            replayed = notice;
        }

        // A notice past its lifetime is shown as such, without its count: the replay was made, but the page no longer
        // reports it as news (a bookmarked or shared link would otherwise say so for ever). So is one dated later than the
        // clock beyond the skew of an app's instances, which would otherwise be news for longer than its lifetime.
        var now = WebhookHtml.Now(view);
        var age = replayed is { } issued ? now - issued.At : TimeSpan.Zero;
        var expired = age > MemoryReview.NoticeLifetime || age < -MemoryReview.ClockSkew ? replayed : null;
        if (expired is not null)
        {
            replayed = null;
        }

        if (WebhookHtml.Outbox(view) is not { } outbox)
        {
            await WebhookHtml.WriteNoOutboxAsync(view).ConfigureAwait(false);
            return;
        }

        var lists = new IReadOnlyList<WebhookDelivery>[s_sections.Length];
        for (var i = 0; i < s_sections.Length; i++)
        {
            lists[i] = await outbox.ListAsync(s_sections[i].State, view.Options.PageSize, view.Aborted).ConfigureAwait(false);
        }

        var configured = WebhookHtml.Endpoints(view);
        var ids = configured.Select(e => e.Id).Concat(lists.SelectMany(l => l).Select(d => d.EndpointId).Order(StringComparer.Ordinal))
            .Distinct(StringComparer.Ordinal).ToList();
        var states = new List<WebhookEndpointState>();
        foreach (var id in ids.Take(MaxEndpoints))
        {
            states.Add(await outbox.GetEndpointAsync(id, view.Aborted).ConfigureAwait(false));
        }

        var tokens = WebhookHtml.Tokens(view, review);
        var dispatcher = WebhookHtml.HasDispatcher(view);
        await AgentViewLayout.WritePageAsync(view, "Webhooks", html =>
        {
            if (replayed is { } notice)
            {
                html.Element("p", WebhookHtml.Count(notice.Count, "dead letter was", "dead letters were") + notice.At.UtcDateTime.ToString(" 'put back in line at' yyyy-MM-dd HH:mm:ss 'UTC, due at once.'", CultureInfo.InvariantCulture), "notice");
            }

            if (expired is { } future && age < TimeSpan.Zero)
            {
                html.Element("p", string.Create(CultureInfo.InvariantCulture, $"The notice of the replay of every dead letter dated {future.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC is not shown: that is later than this server's clock ({now.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC) by more than a minute, as a clock set back or another instance's clock behind reads it. The sections below show where the deliveries stand now."), "muted notice-expired");
            }
            else if (expired is { } old)
            {
                html.Element("p", old.At.UtcDateTime.ToString("'The notice of the replay of every dead letter made at' yyyy-MM-dd HH:mm:ss 'UTC has expired'", CultureInfo.InvariantCulture) + string.Create(CultureInfo.InvariantCulture, $" (a notice is shown for {MemoryReview.NoticeLifetime.TotalMinutes:0} minutes): the sections below show where the deliveries stand now."), "muted notice-expired");
            }

            html.Element("p", dispatcher
                ? "This app sends its webhooks: its dispatcher delivers the pending deliveries below and retries failed ones on its schedule."
                : "No webhook dispatcher runs in this app (it did not call AddWebhooks): the deliveries below are the outbox's, sent by the app whose dispatcher uses this store. Events written without endpoints (by the dreaming tool) wait unrouted and become deliveries when that dispatcher routes them ('dreaming webhooks list --unrouted' lists them).", "muted dispatcher");
            WebhookHtml.WriteNoActions(html, review, tokens);
            WriteEndpoints(html, view, configured, states, ids.Count, tokens, review, now);
            WebhookEventTypeTable.Write(html, configured);
            for (var i = 0; i < s_sections.Length; i++)
            {
                WriteSection(html, view, s_sections[i], lists[i], tokens, i == 0 && tokens is not null ? ReplayNote(lists[0], configured, states, dispatcher) : null);
            }
        }).ConfigureAwait(false);
    }

    private static void WriteEndpoints(HtmlWriter html, AgentViewContext view, IReadOnlyList<WebhookEndpoint> configured, List<WebhookEndpointState> states, int total, AntiforgeryTokenSet? tokens, MemoryReview? review, DateTimeOffset now)
    {
        html.Raw("<section id=\"endpoints\">").Element("h3", "Endpoints");
        if (states.Count == 0)
        {
            html.Element("p", "No endpoints: this app configures none, and no delivery shown names one.", "empty");
            html.Raw("</section>");
            return;
        }

        html.Raw("<table class=\"endpoints\"><thead><tr><th>Endpoint</th><th>URL</th><th>Events</th><th>Configured</th><th>Delivery</th><th class=\"num\">Failures in a row</th><th>Actions</th></tr></thead><tbody>");
        foreach (var state in states)
        {
            var endpoint = configured.FirstOrDefault(e => string.Equals(e.Id, state.EndpointId, StringComparison.Ordinal));
            html.Raw("<tr><td>").Short(state.EndpointId).Raw("</td><td>");
            if (endpoint is null)
            {
                html.Element("span", "not configured in this app", "muted").Raw("</td><td>-</td><td>-");
            }
            else
            {
                html.Element("span", WebhookHtml.ShownUrl(endpoint.Url), "url").Raw("</td><td>")
                    .Short(endpoint.Events.Count == 0 ? "every event" : string.Join(", ", endpoint.Events.Take(50)), 400).Raw("</td><td>");
                if (endpoint.Enabled)
                {
                    html.State("enabled");
                }
                else
                {
                    html.State("disabled").Text(endpoint.DisabledReason is null ? string.Empty : ": ").Short(endpoint.DisabledReason, WebhookHtml.ErrorLength);
                }
            }

            html.Raw("</td><td>").EndpointState(state)
                .Raw("</td><td class=\"num\">").Number(state.ConsecutiveFailures).Raw("</td><td>");
            if (tokens is not null && review is not null)
            {
                // The form says the page showed the endpoint, so its POST is accepted after its deliveries leave the page
                // (for MemoryReview.ShownLifetime).
                var shown = review.ShownEndpoint(state.EndpointId, now);
                if (state.IsDisabled)
                {
                    WebhookHtml.Form(html, view.Href("webhooks", "endpoints", state.EndpointId, "enable"), "webhook-enable", tokens, "Enable", shown: shown);
                }
                else
                {
                    WebhookHtml.Form(html, view.Href("webhooks", "endpoints", state.EndpointId, "disable"), "webhook-disable", tokens, "Disable", "Reason", shown);
                }
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        if (states.Any(s => s.IsDisabled) || configured.Any(e => !e.Enabled))
        {
            html.Element("p", "A disabled endpoint's deliveries (disabled by delivery or a person, or in configuration) become dead letters at the dispatcher's next pass, replayed ones too: enable it before replaying them.", "cap-note");
        }

        if (total > states.Count)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"Showing {states.Count} of {total} endpoints (the page looks up at most {MaxEndpoints})."), "cap");
        }

        html.Raw("</section>");
    }

    // What a replay of the dead letters shown does not fix, said beside their forms: a replay does not enable an endpoint,
    // so the dead letters of a disabled endpoint (or, in an app that sends, of one it does not configure) die again.
    private static string? ReplayNote(IReadOnlyList<WebhookDelivery> dead, IReadOnlyList<WebhookEndpoint> configured, List<WebhookEndpointState> states, bool dispatcher)
    {
        var endpoints = dead.Select(d => d.EndpointId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var disabled = endpoints.Where(id => configured.Any(e => string.Equals(e.Id, id, StringComparison.Ordinal) && !e.Enabled) || states.Any(s => string.Equals(s.EndpointId, id, StringComparison.Ordinal) && s.IsDisabled)).ToList();
        var unknown = dispatcher ? endpoints.Where(id => !configured.Any(e => string.Equals(e.Id, id, StringComparison.Ordinal))).ToList() : [];
        if (disabled.Count == 0 && unknown.Count == 0)
        {
            return null;
        }

        var to = string.Join(" and ", new[]
        {
            disabled.Count == 0 ? null : "to " + Names(disabled) + " (disabled)",
            unknown.Count == 0 ? null : "to " + Names(unknown) + " (not configured in this app)",
        }.OfType<string>());
        return $"A replay does not enable an endpoint: the dead letters {to} become dead letters again at the dispatcher's next pass, replayed one by one or all at once. Enable a disabled endpoint first (Endpoints, above).";

        static string Names(List<string> ids) => ids.Count == 1 ? AgentViewLayout.Echo(ids[0]) : string.Join(", ", ids.Take(ids.Count - 1).Select(id => AgentViewLayout.Echo(id))) + " and " + AgentViewLayout.Echo(ids[^1]);
    }

    private static void WriteSection(HtmlWriter html, AgentViewContext view, (WebhookDeliveryState State, string Id, string Title, string Plural) section, IReadOnlyList<WebhookDelivery> deliveries, AntiforgeryTokenSet? tokens, string? note)
    {
        html.Raw("<section id=\"").Raw(section.Id).Raw("\">").Element("h3", section.Title);
        if (note is not null)
        {
            html.Element("p", note, "cap-note");
        }

        if (section.State == WebhookDeliveryState.Dead && tokens is not null && deliveries.Count > 0)
        {
            WebhookHtml.Form(html, view.Href("webhooks", "replay-dead"), "webhook-replay-dead", tokens, "Replay every dead letter");
        }

        if (deliveries.Count == 0)
        {
            html.Element("p", "None.", "empty");
            html.Raw("</section>");
            return;
        }

        html.Raw("<table class=\"deliveries\"><thead><tr><th>Delivery</th><th>Event</th><th>Endpoint</th><th>State</th><th class=\"num\">Attempts</th><th>Created (UTC)</th><th>Next attempt (UTC)</th><th>Last attempt (UTC)</th><th class=\"num\">Status</th><th>Last error</th>")
            .Raw(tokens is not null && section.State == WebhookDeliveryState.Dead ? "<th>Actions</th>" : string.Empty).Raw("</tr></thead><tbody>");
        foreach (var delivery in deliveries)
        {
            html.Raw("<tr><td>").DeliveryLink(view, delivery.Id)
                .Raw("</td><td>").Short(delivery.EventType)
                .Raw("</td><td>").Short(delivery.EndpointId)
                .Raw("</td><td>").State(WebhookHtml.StateName(delivery))
                .Raw("</td><td class=\"num\">").Number(delivery.Attempts)
                .Raw("</td><td>").Time(delivery.CreatedAt)
                .Raw("</td><td>").Time(delivery.State == WebhookDeliveryState.Pending ? delivery.NextAttemptAt : null)
                .Raw("</td><td>").Time(delivery.LastAttemptAt)
                .Raw("</td><td class=\"num\">").Text(delivery.LastStatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-")
                .Raw("</td><td>");
            if (delivery.LastError is { } error)
            {
                html.Raw("<span class=\"error-message\">").Short(error, WebhookHtml.ErrorLength).Raw("</span>");
            }
            else
            {
                html.Text("-");
            }

            if (tokens is not null && section.State == WebhookDeliveryState.Dead)
            {
                html.Raw("</td><td>");
                WebhookHtml.Form(html, view.Href("webhooks", "deliveries", delivery.Id, "replay"), "webhook-replay", tokens, "Replay");
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        if (deliveries.Count == view.Options.PageSize)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"The newest {deliveries.Count} {section.Plural}; older ones are not shown (the outbox lists the newest only, without paging: 'dreaming webhooks list --state {section.Id} --limit N' lists up to 10,000)."), "cap");
        }

        html.Raw("</section>");
    }
}
