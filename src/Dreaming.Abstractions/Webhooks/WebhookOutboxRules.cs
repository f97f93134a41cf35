using System.Globalization;

namespace Dreaming;

/// <summary>The argument checks and state changes every <see cref="IWebhookOutboxStore"/> applies, with the messages it
/// reports, so that stores agree.</summary>
public static class WebhookOutboxRules
{
    /// <summary>The largest number of deliveries <see cref="IWebhookOutboxStore.ListAsync"/> returns at once.</summary>
    public const int MaxListLimit = 10_000;

    /// <summary>Checks the arguments of <see cref="IWebhookOutboxStore.EnqueueAsync"/>.</summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="endpointIds">The endpoints.</param>
    /// <exception cref="ArgumentException">An argument is null, an endpoint id is empty, or the event id is not a header value
    /// (see <see cref="FindEventIdProblem"/>).</exception>
    public static void CheckEnqueue(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        ArgumentNullException.ThrowIfNull(endpointIds);
        ArgumentException.ThrowIfNullOrWhiteSpace(webhookEvent.Id, nameof(webhookEvent));
        ArgumentException.ThrowIfNullOrWhiteSpace(webhookEvent.Type, nameof(webhookEvent));
        if (FindEventIdProblem(webhookEvent.Id) is { } problem)
        {
            throw new ArgumentException(problem, nameof(webhookEvent));
        }

        if (endpointIds.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("An endpoint id is null or empty.", nameof(endpointIds));
        }
    }

    /// <summary>The longest event id accepted, in characters (<see cref="WebhookEvent.NewId"/> makes 36).</summary>
    public const int MaxEventIdLength = 256;

    /// <summary>Says what keeps <paramref name="eventId"/> from being sent as the <c>webhook-id</c> header: a character
    /// other than printable ASCII (<c>!</c> to <c>~</c>; a CR or LF would end the header and start one of the id's own),
    /// or more than <see cref="MaxEventIdLength"/> characters.</summary>
    /// <param name="eventId">The event id.</param>
    /// <returns>The problem, naming the character and its index (never the id, which may hold line breaks), or
    /// <see langword="null"/> when the id can be sent.</returns>
    public static string? FindEventIdProblem(string eventId)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        if (eventId.Length > MaxEventIdLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"The webhook event id has {eventId.Length} characters; it is sent as the webhook-id header, so it may have at most {MaxEventIdLength}.");
        }

        for (var i = 0; i < eventId.Length; i++)
        {
            if (eventId[i] is < '!' or > '~')
            {
                return string.Create(CultureInfo.InvariantCulture, $"The webhook event id has U+{(int)eventId[i]:X4} at index {i}; it is sent as the webhook-id header, so it may hold only printable ASCII (no space, line break or other control character).");
            }
        }

        return null;
    }

    /// <summary>Gets the longest lease a claim may take (<see cref="IWebhookOutboxStore.ClaimDueAsync"/>): the deliveries of a
    /// dispatcher that stopped come back within at most this long. The dispatcher claims for twice
    /// <c>WebhookOptions.AttemptTimeout</c>, at most 10 minutes.</summary>
    public static TimeSpan MaxClaimLease { get; } = TimeSpan.FromDays(1);

    /// <summary>Checks the arguments of <see cref="IWebhookOutboxStore.ClaimDueAsync"/>.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="limit">The limit.</param>
    /// <exception cref="ArgumentOutOfRangeException">The lease is not positive or is longer than <see cref="MaxClaimLease"/>
    /// (a store adds it to the time of the claim), or the limit is below 1.</exception>
    public static void CheckClaim(TimeSpan lease, int limit)
    {
        if (lease <= TimeSpan.Zero || lease > MaxClaimLease)
        {
            throw new ArgumentOutOfRangeException(nameof(lease), lease, $"A claim's lease must last more than zero and at most {MaxClaimLease}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
    }

    /// <summary>Checks the limit of <see cref="IWebhookOutboxStore.ListAsync"/>.</summary>
    /// <param name="limit">The limit.</param>
    /// <exception cref="ArgumentOutOfRangeException">The limit is out of range.</exception>
    public static void CheckListLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxListLimit);
    }

    /// <summary>Applies an attempt to a delivery: delivered, pending again, or dead. A result reported late for a delivery that
    /// is already delivered (by a dispatcher whose claim had run out while another delivered the row) never undoes the
    /// delivery: it is returned unchanged, and <see cref="IWebhookOutboxStore.RecordAttemptAsync"/> leaves the endpoint's run
    /// of failures as it was (see <see cref="IsSettled"/>).</summary>
    /// <param name="delivery">The delivery before the attempt.</param>
    /// <param name="result">The attempt.</param>
    /// <returns>The delivery after it.</returns>
    public static WebhookDelivery Apply(WebhookDelivery delivery, WebhookAttemptResult result)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(result);
        if (IsSettled(delivery))
        {
            return delivery;
        }

        var attemptedAt = Milliseconds(result.AttemptedAt);
        var state = result.Delivered ? WebhookDeliveryState.Delivered
            : result.NextAttemptAt is null ? WebhookDeliveryState.Dead
            : WebhookDeliveryState.Pending;
        return delivery with
        {
            State = state,
            Attempts = delivery.Attempts + 1,
            LastAttemptAt = attemptedAt,
            LastStatusCode = result.StatusCode,
            LastError = result.Delivered ? null : result.Error ?? "failed",
            NextAttemptAt = result.NextAttemptAt is { } next ? Milliseconds(next) : attemptedAt,
            DeliveredAt = result.Delivered ? attemptedAt : delivery.DeliveredAt,
        };
    }

    /// <summary>Tells whether a delivery is settled for good: delivered. Nothing but a replay changes it any more; an attempt
    /// reported late or a kill leaves it, and its endpoint, as they are.</summary>
    /// <param name="delivery">The delivery as stored.</param>
    /// <returns><see langword="true"/> when it is delivered.</returns>
    public static bool IsSettled(WebhookDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.State == WebhookDeliveryState.Delivered;
    }

    /// <summary>Makes a delivery a dead letter naming why, unless it is already delivered (another dispatcher delivered it
    /// while this one found its endpoint disabled): a delivery is never undone, so that one is returned unchanged.</summary>
    /// <param name="delivery">The delivery as stored.</param>
    /// <param name="reason">Why it is dead.</param>
    /// <returns>The delivery after it.</returns>
    public static WebhookDelivery Kill(WebhookDelivery delivery, string reason)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return IsSettled(delivery) ? delivery : delivery with { State = WebhookDeliveryState.Dead, LastError = reason };
    }

    /// <summary>Puts a delivery back in line: pending, due at <paramref name="now"/>, attempts reset; its history of the last
    /// attempt is kept.</summary>
    /// <param name="delivery">The delivery.</param>
    /// <param name="now">When it is due.</param>
    /// <returns>The replayed delivery.</returns>
    public static WebhookDelivery Replay(WebhookDelivery delivery, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery with { State = WebhookDeliveryState.Pending, Attempts = 0, NextAttemptAt = Milliseconds(now) };
    }

    /// <summary>The endpoint's run of failures after an attempt: a delivery that became a dead letter adds one, a delivered
    /// one resets it, a retry leaves it (so an outage with many events does not count each retry of each one).</summary>
    /// <param name="failures">The run before the attempt.</param>
    /// <param name="state">The delivery's state after the attempt.</param>
    /// <returns>The run after it.</returns>
    public static int ConsecutiveFailuresAfter(int failures, WebhookDeliveryState state) => state switch
    {
        WebhookDeliveryState.Delivered => 0,
        WebhookDeliveryState.Dead => failures + 1,
        _ => failures,
    };

    /// <summary>The exception for a delivery id no delivery has.</summary>
    /// <param name="deliveryId">The id.</param>
    /// <returns>The exception to throw.</returns>
    public static KeyNotFoundException NotFound(string deliveryId) => new($"No webhook delivery has id '{deliveryId}'.");

    private static DateTimeOffset Milliseconds(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}
