namespace Dreaming;

/// <summary>The dispatcher's endpoint state and retry schedule: disabling an endpoint once, finding why one is disabled,
/// and when a failed delivery is tried again.</summary>
public sealed partial class WebhookDispatcher
{
    // The endpoints this dispatcher is disabling now, so that attempts ending together disable one only once, and the
    // others wait for it (their slots free only once the endpoint is disabled, so no further row is sent to it).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> _disabling = new(StringComparer.Ordinal);

    /// <summary>Disables an endpoint once: several attempts to it in flight may each find the endpoint enabled when their
    /// outcome is recorded (two dead letters that both reach the count, two 410s); only the first disables it and logs,
    /// so the reason and time stay those of the failure that disabled it, and the others wait until it is disabled, so
    /// that their parallel slots do not start further rows to the endpoint meanwhile. Across dispatchers (processes sharing
    /// one store) the store's conditional disable decides: the first keeps its reason and logs, the others do not.</summary>
    private Task DisableAsync(string endpointId, string reason, DateTimeOffset at)
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = _disabling.GetOrAdd(endpointId, mine.Task);
        return ReferenceEquals(current, mine.Task) ? DisableOnceAsync(endpointId, reason, at, mine) : current;
    }

    private async Task DisableOnceAsync(string endpointId, string reason, DateTimeOffset at, TaskCompletionSource done)
    {
        try
        {
            if ((await _outbox.GetEndpointAsync(endpointId, CancellationToken.None).ConfigureAwait(false)).IsDisabled)
            {
                return;
            }

            // Another dispatcher on the store (another process) may have disabled it since: the store then keeps its
            // reason and time, and only the one whose reason stands logs the endpoint disabled.
            var stored = await _outbox.SetEndpointDisabledAsync(endpointId, reason, at, CancellationToken.None).ConfigureAwait(false);
            if (string.Equals(stored.DisabledReason, reason, StringComparison.Ordinal)
                && stored.DisabledAt?.ToUnixTimeMilliseconds() == at.ToUnixTimeMilliseconds())
            {
                LogEndpointDisabled(_logger, endpointId, Clause(reason));
            }
        }
        finally
        {
            _disabling.TryRemove(new KeyValuePair<string, Task>(endpointId, done.Task));
            done.SetResult();
        }
    }

    /// <summary>Makes a delivery a dead letter without an attempt, which leaves its endpoint's run of failures as it is;
    /// one another dispatcher delivered meanwhile stays delivered. <paramref name="tally"/> is the pass's count of rows
    /// of disabled endpoints, logged once per endpoint when the pass ends (each row at debug level); it is
    /// <see langword="null"/> for a row that can never be sent, logged on its own and saying to fix the row rather than
    /// to replay it (a replay would only make it dead again).</summary>
    private async Task KillAsync(WebhookDelivery delivery, string reason, WebhookDeadLetterTally? tally, CancellationToken cancellationToken)
    {
        var killed = await _outbox.KillAsync(delivery.Id, reason, cancellationToken).ConfigureAwait(false);
        if (killed.State == WebhookDeliveryState.Delivered)
        {
            LogAlreadyDelivered(_logger, delivery.Id, delivery.EventType, delivery.EndpointId, reason);
            return;
        }

        WebhookTelemetry.Record("dead");
        CountDead(delivery.EndpointId);
        if (tally is not null)
        {
            tally.Add(delivery.EndpointId, reason);
            LogDeadWithoutAttemptRow(_logger, delivery.Id, delivery.EventType, delivery.EndpointId, reason);
        }
        else
        {
            LogUnsendable(_logger, delivery.Id, delivery.EventType, delivery.EndpointId, Clause(reason));
        }
    }

    /// <summary>Logs the dead letters a pass made of disabled endpoints' rows: one line per endpoint, with their number.</summary>
    private void LogDisabledDeadLetters(IReadOnlyList<(string EndpointId, string Reason, int Count)>? counts)
    {
        if (counts is null)
        {
            return;
        }

        foreach (var (endpointId, reason, count) in counts)
        {
            LogDeadWithoutAttempt(_logger, count, endpointId, Clause(reason));
        }
    }

    /// <summary>A reason as a clause of a log message that ends it with its own full stop: an error that ends with one (the
    /// target guard's, an exception's message) would otherwise read "… internal targets.. Replay it …". The stored reason
    /// keeps its text.</summary>
    private static string Clause(string reason)
    {
        var trimmed = reason.TrimEnd();
        return trimmed.EndsWith('.') && !trimmed.EndsWith("..", StringComparison.Ordinal) ? trimmed[..^1] : trimmed;
    }

    private async Task<string?> FindDisabledReasonAsync(string endpointId, CancellationToken cancellationToken)
    {
        if (!_endpoints.TryGetValue(endpointId, out var configured))
        {
            return $"endpoint '{endpointId}' is no longer configured";
        }

        if (!configured.Endpoint.Enabled)
        {
            return $"endpoint '{endpointId}' is disabled in configuration" + (configured.Endpoint.DisabledReason is { } why ? ": " + why : string.Empty);
        }

        var state = await _outbox.GetEndpointAsync(endpointId, cancellationToken).ConfigureAwait(false);
        return state.IsDisabled ? $"endpoint '{endpointId}' is disabled: {state.DisabledReason}" : null;
    }

    /// <summary>When to try again after the given attempt failed, or <see langword="null"/> when the schedule is exhausted.
    /// A <c>Retry-After</c>, <c>retry-after-ms</c> or <c>x-ms-retry-after-ms</c> is counted from when the response came back; the schedule's delay from now (the failure).</summary>
    private DateTimeOffset? NextAttempt(int attemptsMade, WebhookAttemptOutcome outcome)
    {
        if (attemptsMade >= _schedule.Count)
        {
            return null;
        }

        return outcome.RetryAfter is { } asked
            ? (outcome.AnsweredAt ?? _time.GetUtcNow()) + TimeSpan.FromTicks(Math.Min(asked.Ticks, _options.MaxRetryAfter.Ticks))
            : _time.GetUtcNow() + Jittered(_schedule[attemptsMade]);
    }

    private TimeSpan Jittered(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero || _options.Jitter <= 0)
        {
            return delay;
        }

        // Spreads retries of many deliveries that failed together (an outage) so they do not all return at once.
        var factor = 1 + (_options.Jitter * ((Random.Shared.NextDouble() * 2) - 1));
        return TimeSpan.FromTicks((long)(delay.Ticks * factor));
    }
}
