using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.AgentView.Pages;

/// <summary>What the webhook pages share: the app's outbox and endpoints, a delivery's state as the view names it, an
/// endpoint's URL as it may be shown, and the action forms.</summary>
internal static class WebhookHtml
{
    /// <summary>The most characters of a last error a table row shows (the whole error, up to 4,000, is on the delivery's page).</summary>
    public const int ErrorLength = 200;

    /// <summary>The app's webhook outbox, or <see langword="null"/> when it registered none (no <c>AddWebhooks</c>, and a
    /// store that keeps no outbox).</summary>
    /// <param name="view">The request.</param>
    public static IWebhookOutboxStore? Outbox(AgentViewContext view) => view.Http.RequestServices.GetService<IWebhookOutboxStore>();

    /// <summary>Whether this app sends webhooks itself: <c>AddWebhooks</c> registered its dispatcher.</summary>
    /// <param name="view">The request.</param>
    public static bool HasDispatcher(AgentViewContext view) => view.Http.RequestServices.GetService<WebhookDispatcher>() is not null;

    /// <summary>The endpoints the app configured (<see cref="WebhookOptions.Endpoints"/>), empty when it did not call
    /// <c>AddWebhooks</c>; secrets are never read from them.</summary>
    /// <param name="view">The request.</param>
    public static IReadOnlyList<WebhookEndpoint> Endpoints(AgentViewContext view) =>
        HasDispatcher(view) && view.Http.RequestServices.GetService<IOptions<WebhookOptions>>() is { } options
            ? [.. options.Value.Endpoints]
            : [];

    /// <summary>The time on the app's clock (<see cref="TimeProvider"/> in DI, the system's otherwise).</summary>
    /// <param name="view">The request.</param>
    public static DateTimeOffset Now(AgentViewContext view) =>
        (view.Http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();

    /// <summary>A delivery's state as the view names it: <c>dead</c>, <c>delivered</c>, <c>retrying</c> (pending after a
    /// failed attempt) or <c>pending</c> (no attempt yet since it was written or replayed).</summary>
    /// <param name="delivery">The delivery.</param>
    public static string StateName(WebhookDelivery delivery) =>
        delivery.State == WebhookDeliveryState.Pending && delivery.Attempts > 0 ? "retrying" : MemoryHtml.Name(delivery.State);

    /// <summary>An endpoint's URL as the page shows it: its scheme, host and port, a user name or password as <c>***</c>
    /// (as the library's own messages show it), and whatever follows the host (path, query, fragment) as <c>/***</c>:
    /// many receivers take their token in the path (Slack, Discord, Zapier, Teams: the URL is the credential), and
    /// the outbox keeps endpoint ids so that the path is never stored nor shown.</summary>
    /// <param name="url">The configured URL.</param>
    public static string ShownUrl(string? url)
    {
        var shown = WebhookUrls.Shown(url);
        var start = shown.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? scheme + 3 : 0;

        // '\' too: the URL parser reads it as '/' in an http(s) URL.
        var rest = shown.IndexOfAny(['/', '\\', '?', '#'], start);
        return rest < 0 || shown.AsSpan(rest) is "/" ? shown : string.Concat(shown.AsSpan(0, rest), "/***");
    }

    /// <summary>Writes a link to a delivery's page.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="deliveryId">The delivery id.</param>
    public static HtmlWriter DeliveryLink(this HtmlWriter html, AgentViewContext view, string deliveryId) =>
        html.Link(view.Href("webhooks", "deliveries", deliveryId), deliveryId);

    /// <summary>Writes an endpoint's delivery state: enabled, or disabled with when and why.</summary>
    /// <param name="html">The page.</param>
    /// <param name="state">The state the outbox keeps.</param>
    public static HtmlWriter EndpointState(this HtmlWriter html, WebhookEndpointState state)
    {
        if (!state.IsDisabled)
        {
            return html.State("enabled");
        }

        html.State("disabled").Text(" since ").Time(state.DisabledAt).Text(": ");
        return html.Short(state.DisabledReason, ErrorLength);
    }

    /// <summary>Writes a POST form of one action: its token, an optional text field and its button.</summary>
    /// <param name="html">The page.</param>
    /// <param name="action">The form's URL (from <see cref="AgentViewContext.Href(string[])"/>).</param>
    /// <param name="cssClass">The form's class, such as <c>webhook-replay</c>.</param>
    /// <param name="tokens">The request's antiforgery tokens.</param>
    /// <param name="button">The button's text.</param>
    /// <param name="field">The label of a text field named <c>reason</c>, or <see langword="null"/> for none.</param>
    /// <param name="shown">The value of a hidden field named <c>shown</c> (<see cref="MemoryReview.ShownEndpoint"/>), or
    /// <see langword="null"/> for none.</param>
    public static void Form(HtmlWriter html, string action, string cssClass, AntiforgeryTokenSet tokens, string button, string? field = null, string? shown = null)
    {
        html.Raw("<form class=\"inline webhook-action ").Raw(cssClass).Raw("\" method=\"post\" action=\"").Text(action)
            .Raw("\"><input type=\"hidden\" name=\"").Text(tokens.FormFieldName).Raw("\" value=\"").Text(tokens.RequestToken).Raw("\">");
        if (shown is not null)
        {
            html.Raw("<input type=\"hidden\" name=\"shown\" value=\"").Text(shown).Raw("\">");
        }

        if (field is not null)
        {
            html.Raw("<label>").Text(field).Raw(" <input name=\"reason\" maxlength=\"4000\"></label> ");
        }

        html.Raw("<button type=\"submit\">").Text(button).Raw("</button></form>");
    }

    /// <summary>The tokens for the forms of a page, or <see langword="null"/> when the user may not act: the view is
    /// read-only (<paramref name="review"/> is <see langword="null"/>) or the user has no name to be logged with.</summary>
    /// <param name="view">The request.</param>
    /// <param name="review">The view's actions, or <see langword="null"/> when read-only.</param>
    public static AntiforgeryTokenSet? Tokens(AgentViewContext view, MemoryReview? review) =>
        review is not null && MemoryReview.ReviewerName(view) is not null ? review.Tokens(view.Http) : null;

    /// <summary>Writes why a page has no action forms, when the view is not read-only but the user has no name.</summary>
    /// <param name="html">The page.</param>
    /// <param name="review">The view's actions, or <see langword="null"/> when read-only.</param>
    /// <param name="tokens">The page's tokens.</param>
    public static void WriteNoActions(HtmlWriter html, MemoryReview? review, AntiforgeryTokenSet? tokens)
    {
        if (review is not null && tokens is null)
        {
            html.Element("p", "Replays and endpoint changes are logged with the user's name, and the signed-in user has none: sign in as a named user to replay deliveries or enable and disable endpoints.", "muted no-review");
        }
    }

    /// <summary>Writes the page an app without a webhook outbox gets.</summary>
    /// <param name="view">The request.</param>
    /// <param name="statusCode">200 for the page, 404 for an action or a delivery.</param>
    public static Task WriteNoOutboxAsync(AgentViewContext view, int statusCode = StatusCodes.Status200OK) =>
        AgentViewLayout.WritePageAsync(view, "Webhooks", html => html.Element("p", "This app has no webhook outbox: it did not call AddWebhooks, and its store keeps none (UseSqliteStore and UsePostgresStore register one). There are no deliveries to show.", "empty no-outbox"), statusCode);

    /// <summary>A count with its noun, invariant culture: <c>1 dead letter</c>, <c>2 dead letters</c>.</summary>
    /// <param name="count">The count.</param>
    /// <param name="one">The noun for one.</param>
    /// <param name="many">The noun for several.</param>
    public static string Count(int count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? one : many)}");
}
