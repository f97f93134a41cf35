using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Pages;

/// <summary>The webhook actions of the view, each a POST form checked as the memory review's are
/// (<see cref="MemoryReview.AcceptAsync"/>: antiforgery token, the user's name) and logged with that name: replay a delivery,
/// replay every dead letter, enable or disable an endpoint. Each ends with a 303 back to the page it came from; refused
/// (403) when the view is read-only.</summary>
internal static partial class WebhookActions
{
    /// <summary>Replays one delivery: <c>POST /webhooks/deliveries/{id}/replay</c>.</summary>
    /// <param name="review">The view's actions, or <see langword="null"/> when read-only.</param>
    /// <param name="view">The request.</param>
    /// <param name="segment">The delivery id from the path.</param>
    public static async Task ReplayAsync(MemoryReview? review, AgentViewContext view, string segment)
    {
        var deliveryId = RouteSegments.Read(view.Http, segment, 1);
        if (await AcceptAsync(review, view, $"The replay of '{AgentViewLayout.Echo(deliveryId)}'").ConfigureAwait(false) is not ({ } outbox, { } name))
        {
            return;
        }

        WebhookDelivery replayed;
        try
        {
            replayed = await outbox.ReplayAsync(deliveryId, WebhookHtml.Now(view), view.Aborted).ConfigureAwait(false);
        }
        catch (KeyNotFoundException)
        {
            await AgentViewLayout.WriteNotFoundAsync(view, $"No webhook delivery '{AgentViewLayout.Echo(deliveryId)}'.").ConfigureAwait(false);
            return;
        }

        // Recorded values, on one line in the log.
        var (id, type, endpoint) = (MemoryReview.OneLine(replayed.Id), MemoryReview.OneLine(replayed.EventType), MemoryReview.OneLine(replayed.EndpointId));
        var logger = MemoryReview.Logger(view);
        LogReplayed(logger, name, id, type, endpoint);

        SeeOther(view, view.Href("webhooks", "deliveries", replayed.Id));
    }

    /// <summary>Replays every dead letter: <c>POST /webhooks/replay-dead</c>.</summary>
    /// <param name="review">The view's actions, or <see langword="null"/> when read-only.</param>
    /// <param name="view">The request.</param>
    public static async Task ReplayDeadAsync(MemoryReview? review, AgentViewContext view)
    {
        if (await AcceptAsync(review, view, "The replay of every dead letter").ConfigureAwait(false) is not ({ } outbox, { } name))
        {
            return;
        }

        var now = WebhookHtml.Now(view);
        var count = await outbox.ReplayDeadAsync(now, view.Aborted).ConfigureAwait(false);
        var logger = MemoryReview.Logger(view);
        LogReplayedDead(logger, name, count);
        SeeOther(view, view.HrefWithQuery("webhooks", ("replayed", review!.ReplayedNotice(count, now))));
    }

    /// <summary>Enables or disables an endpoint: <c>POST /webhooks/endpoints/{id}/enable</c> or <c>.../disable</c> (with
    /// an optional <c>reason</c>, recorded with the user's name). An id of no endpoint the webhooks page could show is a 404
    /// naming it; a blank one, or one with a control character, a 400.</summary>
    /// <param name="review">The view's actions, or <see langword="null"/> when read-only.</param>
    /// <param name="view">The request.</param>
    /// <param name="segment">The endpoint id from the path.</param>
    /// <param name="enable">Whether to enable it.</param>
    public static async Task SetEndpointAsync(MemoryReview? review, AgentViewContext view, string segment, bool enable)
    {
        var endpointId = RouteSegments.Read(view.Http, segment, 1);
        var verb = enable ? "enabling" : "disabling";
        if (await AcceptAsync(review, view, $"The {verb} of endpoint '{AgentViewLayout.Echo(endpointId)}'").ConfigureAwait(false) is not ({ } outbox, { } name))
        {
            return;
        }

        if (endpointId.Any(char.IsControl))
        {
            // Only a hand-made POST names one (a configured id is letters, digits, '-', '_' and '.'); logged, it would forge a line.
            await AgentViewLayout.WriteBadRequestAsync(view, $"The {verb} of endpoint '{AgentViewLayout.Echo(endpointId)}' was refused: no webhook endpoint id holds a control character.").ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrWhiteSpace(endpointId))
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"The {verb} of endpoint '{AgentViewLayout.Echo(endpointId)}' was refused: no webhook endpoint id is blank.").ConfigureAwait(false);
            return;
        }

        // One line: the reason is stored, shown by 'dreaming webhooks list' and logged, where a line break would forge a line.
        var note = MemoryReview.Flat(view.Http.Request.Form["reason"].ToString()).Trim();
        if (note.Length > MemoryReview.MaxNoteLength)
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"The reason for {verb} '{AgentViewLayout.Echo(endpointId)}' is {note.Length} characters long; at most {MemoryReview.MaxNoteLength} are kept.").ConfigureAwait(false);
            return;
        }

        var now = WebhookHtml.Now(view);
        try
        {
            var shown = view.Http.Request.Form["shown"].ToString();
            var shownAt = review!.ShownAt(shown, endpointId);
            var age = now - shownAt;
            if (!(age <= MemoryReview.ShownLifetime && age >= -MemoryReview.ClockSkew) && !await IsKnownAsync(view, outbox, endpointId).ConfigureAwait(false))
            {
                // A well-formed id no endpoint has: only a hand-made POST names it (the page's forms are of the endpoints it
                // shows, and say so), or a form of a page opened too long ago. An endpoint once disabled then enabled
                // again reads as one never seen (GetEndpointAsync).
                await AgentViewLayout.WriteNotFoundAsync(view, $"No webhook endpoint '{AgentViewLayout.Echo(endpointId)}' the webhooks page shows: this app configures none by that id, the outbox has it neither disabled nor failing, and no delivery the page lists names it{NotShownAnyMore(shownAt, review.IsUndatedShown(shown, endpointId), now)}").ConfigureAwait(false);
                return;
            }

            await ChangeEndpointAsync(view, outbox, endpointId, enable ? null : "disabled in the agent view by " + name + (note.Length == 0 ? string.Empty : ": " + note), name, now).ConfigureAwait(false);
        }
        catch (ArgumentException refused)
        {
            // An id no endpoint can have (blank, or one the store cannot hold): only a hand-made POST names it.
            await AgentViewLayout.WriteBadRequestAsync(view, $"The {verb} of endpoint '{AgentViewLayout.Echo(endpointId)}' was refused: {refused.Message}").ConfigureAwait(false);
            return;
        }

        SeeOther(view, view.Href("webhooks"));
    }

    // Why a form's shown field did not name its endpoint: none, one of an earlier build (not dated), the page was opened
    // too long ago (MemoryReview.ShownLifetime, an hour), or later than the clock.
    private static string NotShownAnyMore(DateTimeOffset? shownAt, bool undated, DateTimeOffset now) => shownAt is not { } at
        ? undated
            ? ". The form is of a page an earlier version of the agent view rendered, whose forms do not say when the page was opened: reload the webhooks page (for an hour after the page was opened, its forms name the endpoints it showed even when their deliveries have left the page since)."
            : " (for an hour after the page was opened, a form of the page names an endpoint it showed even when its deliveries have left the page since)."
        : at > now
            ? string.Create(CultureInfo.InvariantCulture, $". The form is of the page as it was at {at.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, later than this server's clock ({now.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC) by more than a minute: reload the webhooks page.")
            : string.Create(CultureInfo.InvariantCulture, $". The form is of the page as it was at {at.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, and names the endpoints that page showed for an hour (it is now {now.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC): reload the webhooks page.");

    // An endpoint the webhooks page may show, for a POST whose form does not say the page showed it (one made by hand, or
    // a form of an earlier build): configured in this app, or one delivery learnt something of (disabled, or failing), or
    // one a delivery of the page's lists names (the same three lists the page reads).
    private static async Task<bool> IsKnownAsync(AgentViewContext view, IWebhookOutboxStore outbox, string endpointId)
    {
        if (WebhookHtml.Endpoints(view).Any(e => string.Equals(e.Id, endpointId, StringComparison.Ordinal)))
        {
            return true;
        }

        var state = await outbox.GetEndpointAsync(endpointId, view.Aborted).ConfigureAwait(false);
        if (state.IsDisabled || state.ConsecutiveFailures > 0)
        {
            return true;
        }

        foreach (var deliveryState in (WebhookDeliveryState[])[WebhookDeliveryState.Dead, WebhookDeliveryState.Pending, WebhookDeliveryState.Delivered])
        {
            var deliveries = await outbox.ListAsync(deliveryState, view.Options.PageSize, view.Aborted).ConfigureAwait(false);
            if (deliveries.Any(d => string.Equals(d.EndpointId, endpointId, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task ChangeEndpointAsync(AgentViewContext view, IWebhookOutboxStore outbox, string endpointId, string? reason, string name, DateTimeOffset now)
    {
        if (reason is null)
        {
            // Enabling also resets the endpoint's failures; one already enabled is left as it is.
            if ((await outbox.GetEndpointAsync(endpointId, view.Aborted).ConfigureAwait(false)).IsDisabled)
            {
                await outbox.SetEndpointDisabledAsync(endpointId, null, now, view.Aborted).ConfigureAwait(false);
                var logger = MemoryReview.Logger(view);
                LogEnabled(logger, name, endpointId);
            }
        }
        else
        {
            var stored = await outbox.SetEndpointDisabledAsync(endpointId, reason, now, view.Aborted).ConfigureAwait(false);
            if (string.Equals(stored.DisabledReason, reason, StringComparison.Ordinal))
            {
                var logger = MemoryReview.Logger(view);
                LogDisabled(logger, name, endpointId, reason);
            }
        }
    }

    // The checks every action makes: not read-only (403), an outbox (404), then the form's (MemoryReview.AcceptAsync).
    private static async Task<(IWebhookOutboxStore Outbox, string Name)?> AcceptAsync(MemoryReview? review, AgentViewContext view, string what)
    {
        if (review is null)
        {
            await AgentViewLayout.WritePageAsync(view, "Refused", html => html.Element("p", $"The agent view is read-only: webhook deliveries cannot be replayed and endpoints cannot be enabled or disabled from it ({what} was refused).", "error-message"), StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return null;
        }

        if (WebhookHtml.Outbox(view) is not { } outbox)
        {
            await WebhookHtml.WriteNoOutboxAsync(view, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return null;
        }

        return await review.AcceptAsync(view, what, "each change is logged with the user's name", "the webhooks page").ConfigureAwait(false) is { } accepted
            ? (outbox, accepted.Reviewer)
            : null;
    }

    private static void SeeOther(AgentViewContext view, string location)
    {
        AgentViewLayout.SetHeaders(view.Http.Response);
        view.Http.Response.StatusCode = StatusCodes.Status303SeeOther;
        view.Http.Response.Headers.Location = location;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{User} replayed webhook delivery {DeliveryId} ({EventType} to endpoint {EndpointId}) from the agent view.")]
    private static partial void LogReplayed(ILogger logger, string user, string deliveryId, string eventType, string endpointId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{User} replayed every webhook dead letter ({Count}) from the agent view.")]
    private static partial void LogReplayedDead(ILogger logger, string user, int count);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{User} enabled webhook endpoint {EndpointId} from the agent view.")]
    private static partial void LogEnabled(ILogger logger, string user, string endpointId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{User} disabled webhook endpoint {EndpointId} from the agent view: {Reason}.")]
    private static partial void LogDisabled(ILogger logger, string user, string endpointId, string reason);
}
