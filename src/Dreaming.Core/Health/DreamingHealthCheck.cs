using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dreaming;

/// <summary>A health check of Dreaming.Core's background work: the trace writer, the webhook dispatcher (with
/// <c>AddWebhooks</c>), the dream scheduler (with a dream schedule) and session retention (with
/// <c>AddSessionRetention</c>). Register it with
/// <c>services.AddHealthChecks().AddCheck&lt;DreamingHealthCheck&gt;("dreaming")</c> after <c>AddDreamingAgents</c>,
/// which registers it as a singleton.</summary>
/// <remarks>
/// <para>The result is the registration's failure status (<see cref="HealthStatus.Unhealthy"/> by default) when the
/// trace writer's last write to the trace store failed (a store that throws, a full disk, no permission: sessions or
/// events were lost) or the writer has stopped; <see cref="HealthStatus.Degraded"/> when the writer's queue holds 80 % or
/// more of <see cref="DreamingOptions.WriteQueueCapacity"/>, a configured webhook endpoint is disabled in the outbox, the
/// dispatcher has made a dead letter to a configured, enabled endpoint it has not delivered to since (one no longer
/// configured, or configured with <c>Enabled = false</c>, is only counted: nothing can deliver its rows), the webhook outbox cannot be read, or a dream schedule is failing
/// (its check failed and none has gone through since, or its dream failed and none has completed since), the session
/// retention job's last run failed, or its last pass left crashed orchestration runs running because their
/// <c>orchestration.failed</c> webhook could not be written to the outbox; <see cref="HealthStatus.Healthy"/> otherwise. The writer goes on with the next batch after a
/// failure, so once the store takes a batch again the check is healthy again; what was lost stays counted in the data.</para>
/// <para>The description and <see cref="HealthCheckResult.Data"/> name figures, times, endpoint ids, scope keys and the
/// session ids of the first five crashed orchestration runs session retention left running. An
/// exception's message passes through the registered redactors and is cut to 300 characters; endpoint URLs and
/// secrets are never shown.</para>
/// <para>Thread-safe: the check only reads counters the background services keep, and may run from several threads at
/// once. The writer records its state once per batch, on its own loop, never while a session records an event. Resolving it
/// creates none of the app's hosted services, so an app's hosted service may take it.</para>
/// </remarks>
public sealed class DreamingHealthCheck : IHealthCheck
{
    /// <summary>The fraction of <see cref="DreamingOptions.WriteQueueCapacity"/> from which a full queue makes the check degraded.</summary>
    private const double QueueDegradedFraction = 0.8;

    private const int MaxMessageLength = 300;

    private readonly TraceWriter _writer;
    private readonly TraceContentFilter _filter;
    private readonly WebhookDispatcher? _dispatcher;
    private readonly DreamScheduler? _scheduler;
    private readonly SessionRetention? _retention;

    internal DreamingHealthCheck(TraceWriter writer, TraceContentFilter filter, WebhookDispatcher? dispatcher, DreamScheduler? scheduler, SessionRetention? retention = null)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _filter = filter ?? throw new ArgumentNullException(nameof(filter));
        _dispatcher = dispatcher;
        _scheduler = scheduler;
        _retention = retention;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled (reading the webhook
    /// outbox is the only part that waits).</exception>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var failing = new List<string>();
        var degraded = new List<string>();
        CheckWriter(data, failing, degraded);
        if (_dispatcher is not null)
        {
            await CheckWebhooksAsync(_dispatcher, data, degraded, cancellationToken).ConfigureAwait(false);
        }

        CheckScheduler(data, degraded);
        CheckRetention(data, degraded);
        if (failing.Count > 0)
        {
            return new HealthCheckResult(context.Registration?.FailureStatus ?? HealthStatus.Unhealthy, Describe(failing, degraded), data: data);
        }

        return degraded.Count > 0
            ? HealthCheckResult.Degraded(Describe(degraded, []), data: data)
            : HealthCheckResult.Healthy(Healthy(), data);
    }

    private void CheckWriter(Dictionary<string, object> data, List<string> failing, List<string> degraded)
    {
        var health = _writer.Health;
        // The failure before its counts: the writer adds the counts first and then sets the failure, so counts read
        // after it include that failure's losses.
        var current = health.Current;
        var last = health.LastFailure;
        var queued = _writer.QueuedEvents;
        var capacity = _writer.Capacity;
        var lost = health.EventsLost;
        data["trace.queued_events"] = queued;
        data["trace.queue_capacity"] = capacity;
        data["trace.write_failures"] = health.Failures;
        data["trace.events_lost"] = lost;
        data["trace.sessions_lost"] = health.SessionsLost;
        data["trace.writer_stopped"] = _writer.IsStopped;
        if (health.LastWriteAt is { } written)
        {
            data["trace.last_write_at"] = written;
        }

        if (last is not null)
        {
            data["trace.last_failure_at"] = last.At;
            data["trace.last_failure"] = Shown(last.ExceptionType, last.Message);
        }

        if (_writer.IsStopped)
        {
            failing.Add(string.Create(CultureInfo.InvariantCulture, $"The trace writer has stopped: no session is recorded any more ({queued} events were queued)."));
        }
        else if (current is not null)
        {
            failing.Add(string.Create(CultureInfo.InvariantCulture, $"The trace writer's last write to the trace store failed at {current.At:O}: {Shown(current.ExceptionType, current.Message)} ({lost} events and {health.SessionsLost} sessions lost since start, {queued} events queued)."));
        }

        if (queued >= capacity * QueueDegradedFraction)
        {
            degraded.Add(string.Create(CultureInfo.InvariantCulture, $"The trace writer's queue holds {queued} of {capacity} events (DreamingOptions.WriteQueueCapacity): the store is not keeping up."));
        }
    }

    private static async Task CheckWebhooksAsync(WebhookDispatcher dispatcher, Dictionary<string, object> data, List<string> degraded, CancellationToken cancellationToken)
    {
        WebhookDispatcherHealth health;
        try
        {
            health = await dispatcher.GetHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            data["webhooks.outbox_error"] = ex.GetType().FullName ?? ex.GetType().Name;
            degraded.Add($"The webhook outbox could not be read ({ex.GetType().Name}).");
            return;
        }

        data["webhooks.dead_letters_since_start"] = health.DeadLettersSinceStart;
        var disabled = health.DisabledEndpoints.Select(static e => e.EndpointId).ToArray();
        data["webhooks.disabled_endpoints"] = disabled;
        if (disabled.Length > 0)
        {
            degraded.Add($"Webhook endpoints disabled after failed deliveries: {string.Join(", ", disabled)}; their deliveries become dead letters until enabled again ('dreaming webhooks replay --all-dead', or IWebhookOutboxStore.SetEndpointDisabledAsync(id, null, now)).");
        }

        data["webhooks.dead_since_delivered"] = health.DeadSinceDelivered.Select(static e => e.EndpointId).ToArray();
        if (health.DeadSinceDelivered.Count > 0)
        {
            var endpoints = string.Join(", ", health.DeadSinceDelivered.Select(static e => string.Create(CultureInfo.InvariantCulture, $"{e.EndpointId} ({e.DeadLetters})")));
            degraded.Add(string.Create(CultureInfo.InvariantCulture, $"Webhook deliveries became dead letters with no delivery to their endpoint since: {endpoints} ({health.DeadLettersSinceStart} dead letters since the dispatcher started, the last to endpoint {health.LastDeadEndpoint})."));
        }
    }

    private void CheckScheduler(Dictionary<string, object> data, List<string> degraded)
    {
        if (_scheduler?.LastCheck is not { } check)
        {
            return;
        }

        data["dreams.last_check_at"] = check.At;
        if (check.Error is { } error)
        {
            var at = check.FailedAt ?? check.At;
            data["dreams.failed_scopes"] = check.FailedScopes.ToArray();
            data["dreams.last_failure"] = Shown(error.Type, error.Message);
            data["dreams.last_failure_at"] = at;
            var scopes = check.FailedScopes.Count > 0 ? "the schedules of " + string.Join(", ", check.FailedScopes) : "the schedules";
            degraded.Add(string.Create(CultureInfo.InvariantCulture, $"The dream scheduler failed for {scopes}, last at {at:O}, and they have not gone through since (checked {check.At:O}): {Shown(error.Type, error.Message)}."));
        }
    }

    private void CheckRetention(Dictionary<string, object> data, List<string> degraded)
    {
        if (_retention?.LeftRunning is { } left)
        {
            // Crashed runs kept running so that their webhook is not lost: the outbox cannot be written, and, should it stay
            // so, each run is ended a day after its event with its webhook lost. The operator has that day to see it.
            var count = left.SessionIds.Count;
            data["retention.runs_left_running"] = count;
            data["retention.runs_left_running_ids"] = left.SessionIds.Take(IdList.Shown).ToArray();
            data["retention.runs_left_running_at"] = left.At;
            degraded.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"Session retention left {count} crashed orchestration {(count == 1 ? "run" : "runs")} running at {left.At:O} ({IdList.Named(left.SessionIds, IdList.Shown)}): the orchestration.failed webhook of each could not be written to the outbox ({Shown(left.Error.Type, left.Error.Message)}). The next pass writes it and ends them; a pass a day after a run's event was written ends that run all the same, and its webhook is lost."));
        }

        if (_retention?.LastRun is not { } run)
        {
            return;
        }

        data["retention.last_run_at"] = run.At;
        if (run.Error is { } error)
        {
            var since = run.FailedAt ?? run.At;
            data["retention.last_failure"] = Shown(error.Type, error.Message);
            data["retention.failing_since"] = since;
            degraded.Add(string.Create(CultureInfo.InvariantCulture, $"Session retention has failed since {since:O}, last at {run.At:O}, and no run has gone through since: {Shown(error.Type, error.Message)}."));
        }
    }

    private string Healthy()
    {
        List<string> parts = ["the trace writer"];
        if (_dispatcher is not null)
        {
            parts.Add("the webhook dispatcher");
        }

        if (_scheduler is not null)
        {
            parts.Add("the dream scheduler");
        }

        if (_retention is not null)
        {
            parts.Add("session retention");
        }

        var named = parts.Count == 1 ? parts[0] + " is" : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1] + " are";
        return "T" + named[1..] + " working.";
    }

    // Through the registered redactors (a connection string, a token in a URL), then cut.
    private string Shown(string exceptionType, string message) =>
        TextCut.WithEllipsis($"{exceptionType}: {_filter.Apply(message)}", MaxMessageLength, "…");

    private static string Describe(List<string> first, List<string> then) => string.Join(" ", first.Concat(then));
}
