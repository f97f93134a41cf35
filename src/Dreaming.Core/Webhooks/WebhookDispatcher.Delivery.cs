using System.Globalization;

namespace Dreaming;

/// <summary>The delivery of claimed rows: each sent once, its outcome recorded in the outbox, the endpoint disabled after
/// too many failures in a row.</summary>
public sealed partial class WebhookDispatcher
{
    /// <summary>Sends the given deliveries and waits for them, leaving out any this dispatcher is sending already (the
    /// background loop's attempt, or another round's, that outlived its claim): that attempt records the outcome.</summary>
    /// <returns>How many were attempted.</returns>
    private async Task<int> DeliverAllAsync(IReadOnlyList<WebhookDelivery> deliveries, CancellationToken cancellationToken)
    {
        List<WebhookDelivery> mine;
        lock (_lanes)
        {
            mine = [.. deliveries.Where(d => _inFlight.Add(d.Id))];
        }

        if (mine.Count == 0)
        {
            return 0;
        }

        var tally = new WebhookDeadLetterTally();
        try
        {
            await Parallel.ForEachAsync(
                mine,
                new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = _options.BatchSize },
                (delivery, ct) => new ValueTask(DeliverAsync(delivery, tally, ct))).ConfigureAwait(false);
        }
        finally
        {
            LogDisabledDeadLetters(tally.Release());
            lock (_lanes)
            {
                foreach (var delivery in mine)
                {
                    _inFlight.Remove(delivery.Id);
                }
            }
        }

        return mine.Count;
    }

    private async Task DeliverAsync(WebhookDelivery delivery, WebhookDeadLetterTally tally, CancellationToken cancellationToken)
    {
        // A row that can never be sent (from a store that skips WebhookOutboxRules.CheckEnqueue) is a dead letter at once,
        // without an attempt: retries cannot help, and it says nothing about the endpoint, whose run of failures it leaves.
        if (WebhookSender.FindUnsendable(delivery) is { } unsendable)
        {
            await KillAsync(delivery, unsendable, tally: null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (await FindDisabledReasonAsync(delivery.EndpointId, cancellationToken).ConfigureAwait(false) is { } reason)
        {
            await KillAsync(delivery, reason, tally, cancellationToken).ConfigureAwait(false);
            return;
        }

        var (endpoint, signer) = _endpoints[delivery.EndpointId];
        var attemptAt = _time.GetUtcNow();
        var outcome = await _sender.SendAsync(endpoint, delivery, attemptAt, signer.Sign(delivery.EventId, attemptAt, delivery.Body), cancellationToken).ConfigureAwait(false);
        var attempt = delivery.Attempts + 1;
        DateTimeOffset? next = outcome.Delivered || outcome.DisableEndpoint is not null || outcome.NotRetried ? null : NextAttempt(attempt, outcome);
        var (recorded, endpointState) = await _outbox.RecordAttemptAsync(
            new WebhookAttemptResult
            {
                DeliveryId = delivery.Id,
                AttemptedAt = attemptAt,
                Delivered = outcome.Delivered,
                StatusCode = outcome.StatusCode,
                Error = outcome.Error,
                NextAttemptAt = next,
            },
            CancellationToken.None).ConfigureAwait(false);

        if (recorded.State == WebhookDeliveryState.Delivered && !outcome.Delivered)
        {
            // This attempt failed, but its claim had run out and another dispatcher delivered the row meanwhile: the
            // delivery stands, the endpoint's failures are unchanged, and the attempt is neither a delivery nor a retry.
            LogAlreadyDelivered(_logger, delivery.Id, delivery.EventType, delivery.EndpointId, outcome.Error ?? "failed");
            return;
        }

        if (recorded.State == WebhookDeliveryState.Delivered)
        {
            CountDelivered(delivery.EndpointId);
            WebhookTelemetry.Record("delivered");
            LogDelivered(_logger, delivery.Id, delivery.EventType, delivery.EndpointId, attempt);
            return;
        }

        WebhookTelemetry.Record(recorded.State == WebhookDeliveryState.Dead ? "dead" : "retry");
        if (recorded.State == WebhookDeliveryState.Dead)
        {
            CountDead(delivery.EndpointId);
            LogDead(_logger, delivery.Id, delivery.EventType, delivery.EndpointId, Clause(outcome.Error ?? "failed"));
        }
        else
        {
            LogRetry(_logger, delivery.Id, delivery.EventType, delivery.EndpointId, attempt, outcome.Error ?? "failed", recorded.NextAttemptAt);
        }

        var disable = outcome.DisableEndpoint
            ?? (_options.MaxConsecutiveFailures > 0 && endpointState.ConsecutiveFailures >= _options.MaxConsecutiveFailures
                ? string.Create(CultureInfo.InvariantCulture, $"{endpointState.ConsecutiveFailures} deliveries in a row exhausted their retries (last: {outcome.Error})")
                : null);
        if (disable is not null && !endpointState.IsDisabled)
        {
            await DisableAsync(delivery.EndpointId, disable, attemptAt).ConfigureAwait(false);
        }
    }
}
