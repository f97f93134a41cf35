using System.Net.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>The hosted service that delivers the outbox: it claims due deliveries, sends each once, and records in the
/// outbox what happens next (delivered, retried at a time of the schedule, or dead), so retries survive restarts.</summary>
/// <remarks>
/// <para>At-least-once: a delivery is marked delivered only after a 2xx came back. A dispatcher stopped mid-attempt records
/// nothing; the claim's lease runs out and the delivery is sent again, with the same <c>webhook-id</c>.</para>
/// <para>Retries follow <see cref="WebhookOptions.RetrySchedule"/> with jitter; a <c>Retry-After</c> header, or a
/// <c>retry-after-ms</c> or <c>x-ms-retry-after-ms</c> one (milliseconds, taken first, in that order), replaces the
/// scheduled delay (up to <see cref="WebhookOptions.MaxRetryAfter"/>). A 413 without any is a dead letter
/// at once, saying so (every attempt sends the same body, so a retry cannot succeed; replay it once the receiver takes it);
/// every other failure, 4xx included, follows the schedule. A 410 answer, an internal target, or
/// <see cref="WebhookOptions.MaxConsecutiveFailures"/> dead letters in a row disable the endpoint; its deliveries then become
/// dead letters naming the reason, replayable once it is enabled again, logged once per endpoint and pass with their number
/// (event id 86, error; each row at debug level, event id 87). A row that can never be sent (from a store that
/// skips <see cref="WebhookOutboxRules.CheckEnqueue"/>: an event id that is not a header value, or no body) is a dead
/// letter at once, <c>not sent: …</c>, logged as a row to fix (event id 78) rather than one to replay, and neither
/// counts toward nor resets its endpoint's failures.</para>
/// <para>Thread-safe: <see cref="DispatchDueAsync"/> and <see cref="DispatchAsync"/> may be called while the background
/// loop runs and from several threads at once. A round sends only what it claimed, and this dispatcher never sends a
/// delivery it is still sending (an attempt that outlived its claim), whichever of the loop and the two methods started it;
/// <see cref="DispatchAsync"/> does not claim, so a delivery it sends may also go out from a dispatcher
/// elsewhere, which receivers deduplicate like any retry.</para>
/// </remarks>
public sealed partial class WebhookDispatcher : BackgroundService
{
    /// <summary>The name of the <see cref="HttpClient"/> the dispatcher takes from <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "Dreaming.Webhooks";

    private readonly IWebhookOutboxStore _outbox;
    private readonly WebhookOptions _options;
    private readonly IReadOnlyList<TimeSpan> _schedule;
    private readonly Dictionary<string, (WebhookEndpoint Endpoint, WebhookSigner Signer)> _endpoints;
    private readonly WebhookSender _sender;
    private readonly WebhookDispatchSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // The attempts in flight: their delivery ids (the background loop's and DispatchDueAsync's / DispatchAsync's, so no row
    // is ever sent twice at once by this dispatcher), how many of the loop's each endpoint has, and the loop's tasks to
    // await at a stop. An endpoint is a lane: it never has more than BatchSize attempts in flight, and a slow one holds only its own.
    private readonly Lock _lanes = new();
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inFlightByEndpoint = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _attempts = [];
    private bool _wakeWhenAttemptEnds;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="outbox">The outbox.</param>
    /// <param name="options">The settings.</param>
    /// <param name="httpClientFactory">Gives the <see cref="HttpClientName"/> client.</param>
    /// <param name="timeProvider">The clock; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    public WebhookDispatcher(IWebhookOutboxStore outbox, IOptions<WebhookOptions> options, IHttpClientFactory httpClientFactory, TimeProvider? timeProvider = null, ILogger<WebhookDispatcher>? logger = null)
        : this(outbox, options, httpClientFactory, new WebhookDispatchSignal(), timeProvider, logger)
    {
    }

    internal WebhookDispatcher(IWebhookOutboxStore outbox, IOptions<WebhookOptions> options, IHttpClientFactory httpClientFactory, WebhookDispatchSignal signal, TimeProvider? timeProvider, ILogger<WebhookDispatcher>? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        _options = options.Value;
        _schedule = _options.EffectiveSchedule;
        _endpoints = _options.Endpoints.ToDictionary(e => e.Id, e => (e, new WebhookSigner(e.Secrets)), StringComparer.Ordinal);
        _time = timeProvider ?? TimeProvider.System;
        _signal = signal;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var client = httpClientFactory.CreateClient(HttpClientName);
        client.Timeout = Timeout.InfiniteTimeSpan;
        _sender = new WebhookSender(client, _options.AttemptTimeout, _time);
    }

    /// <summary>Routes the unrouted events waiting in the outbox (see <see cref="IWebhookOutboxStore.RouteUnroutedAsync"/>), then
    /// claims and sends the deliveries due now, once, and waits for them; what the background loop does each round.</summary>
    /// <param name="cancellationToken">Stops the round; attempts in flight are then not recorded and will be retried.</param>
    /// <returns>How many deliveries were attempted.</returns>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken = default)
    {
        await RouteUnroutedAsync(cancellationToken).ConfigureAwait(false);
        var due = await _outbox.ClaimDueAsync(_time.GetUtcNow(), _options.ClaimLease, _options.BatchSize, cancellationToken).ConfigureAwait(false);
        return await DeliverAllAsync(due, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes one attempt at each of the given deliveries that is pending and due, and at no other: for a tool that
    /// delivers what it wrote or replayed without taking over the rest of a shared outbox (other endpoints' deliveries,
    /// or this endpoint's that a host's dispatcher sends to its own URL).</summary>
    /// <param name="deliveryIds">The deliveries to attempt; unknown ids, and deliveries not pending or not yet due, are
    /// skipped.</param>
    /// <param name="cancellationToken">Stops the round; an attempt already recorded stays recorded.</param>
    /// <returns>How many deliveries were attempted.</returns>
    /// <remarks>The deliveries are not claimed, so a dispatcher running elsewhere on the same outbox may send one of them
    /// at the same time; receivers deduplicate on the <c>webhook-id</c>, as for any retry. One a dispatcher has claimed
    /// is not due until its claim runs out, so it is skipped.</remarks>
    public async Task<int> DispatchAsync(IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryIds);
        var now = _time.GetUtcNow();
        var due = new List<WebhookDelivery>();
        foreach (var id in deliveryIds.Distinct(StringComparer.Ordinal))
        {
            if (await _outbox.GetAsync(id, cancellationToken).ConfigureAwait(false) is { State: WebhookDeliveryState.Pending } delivery && delivery.NextAttemptAt <= now)
            {
                due.Add(delivery);
            }
        }

        return await DeliverAllAsync(due, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Each round claims what is due and starts its attempts without waiting for them, so an endpoint that hangs (up
    /// to <see cref="WebhookOptions.AttemptTimeout"/>) holds up only its own deliveries: every endpoint has at most
    /// <see cref="WebhookOptions.BatchSize"/> attempts in flight, and one that has many is left out of the next claims until
    /// they end. On stop, the attempts in flight see the stopping token, record nothing, and are awaited; their rows are due
    /// again when their claim runs out. A host that no longer waits for the loop (its <c>ShutdownTimeout</c> used up) and
    /// disposes the outbox or the wake-up signal under a round or an attempt ends them the same way: an
    /// <see cref="ObjectDisposedException"/> once the stop is requested is logged at debug level (event id 98), not as a
    /// failure.</remarks>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                bool full;
                try
                {
                    full = await ClaimAndStartAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (HostedServiceStop.IsStop(ex, stoppingToken))
                {
                    // Also the outbox disposed under the round: a host whose ShutdownTimeout was used up stops waiting
                    // for this loop and disposes the provider.
                    HostedServiceStop.Log(_logger, nameof(WebhookDispatcher), ex);
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogRoundFailed(_logger, ex);
                    full = false;
                }

                if (!full)
                {
                    try
                    {
                        await _signal.WaitAsync(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (HostedServiceStop.IsStop(ex, stoppingToken))
                    {
                        HostedServiceStop.Log(_logger, nameof(WebhookDispatcher), ex);
                        return;
                    }
                }
            }
        }
        finally
        {
            Task[] running;
            lock (_lanes)
            {
                running = [.. _attempts];
            }

            // Attempts catch their own failures, so this only waits for them to end.
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    /// <summary>Wakes the loop now.</summary>
    internal void Wake() => _signal.Notify();

    /// <summary>How many of the background loop's attempts to an endpoint are in flight now (for tests).</summary>
    internal int InFlightTo(string endpointId)
    {
        lock (_lanes)
        {
            return _inFlightByEndpoint.GetValueOrDefault(endpointId);
        }
    }

    /// <summary>One round of the background loop: claims what is due for endpoints with room, and starts those attempts.</summary>
    /// <returns>Whether the claim was full (more may be due at once).</returns>
    private async Task<bool> ClaimAndStartAsync(CancellationToken stoppingToken)
    {
        // Events the dreaming tool wrote to this file without endpoints become this host's deliveries first.
        await RouteUnroutedAsync(stoppingToken).ConfigureAwait(false);

        // An endpoint with half the batch or more in flight is left out; the others may take up to the batch size minus the
        // most any of them has in flight, so no endpoint ever has more than BatchSize attempts in flight.
        var threshold = (_options.BatchSize + 1) / 2;
        List<string>? skip = null;
        var busiest = 0;
        lock (_lanes)
        {
            _attempts.RemoveWhere(static t => t.IsCompleted);
            foreach (var (endpointId, count) in _inFlightByEndpoint)
            {
                if (count >= threshold)
                {
                    (skip ??= []).Add(endpointId);
                }
                else
                {
                    busiest = Math.Max(busiest, count);
                }
            }

            _wakeWhenAttemptEnds = skip is not null;
        }

        var limit = _options.BatchSize - busiest;
        var now = _time.GetUtcNow();
        var due = skip is null
            ? await _outbox.ClaimDueAsync(now, _options.ClaimLease, limit, stoppingToken).ConfigureAwait(false)
            : await _outbox.ClaimDueExceptAsync(now, _options.ClaimLease, limit, skip, stoppingToken).ConfigureAwait(false);
        var tally = new WebhookDeadLetterTally();
        foreach (var delivery in due)
        {
            lock (_lanes)
            {
                // This dispatcher's own attempt at it still runs (its claim ran out meanwhile): it records the outcome, and
                // the row is never sent twice at once.
                if (_inFlight.Contains(delivery.Id))
                {
                    continue;
                }

                // The lane is full: only a store that ignores the endpoints to leave out (the interface's default
                // ClaimDueExceptAsync) hands such a row out. It is left claimed, not sent, and is due again when its claim
                // runs out, so the endpoint never has more than BatchSize attempts in flight whatever the store.
                var inFlight = _inFlightByEndpoint.GetValueOrDefault(delivery.EndpointId);
                if (inFlight >= _options.BatchSize)
                {
                    continue;
                }

                _inFlight.Add(delivery.Id);
                _inFlightByEndpoint[delivery.EndpointId] = inFlight + 1;
                tally.Hold();
                _attempts.Add(Task.Run(() => AttemptAsync(delivery, tally, stoppingToken), CancellationToken.None));
            }
        }

        // The round's attempts end on their own; the last of them (or this, if none is left) logs the round's dead letters.
        LogDisabledDeadLetters(tally.Release());
        return due.Count >= limit;
    }

    /// <summary>One attempt of the background loop; never throws. A stop records nothing (the claim runs out and the row is
    /// sent again); any other failure is logged, and the row likewise comes back when its claim runs out.</summary>
    private async Task AttemptAsync(WebhookDelivery delivery, WebhookDeadLetterTally tally, CancellationToken stoppingToken)
    {
        try
        {
            await DeliverAsync(delivery, tally, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (HostedServiceStop.IsStop(ex, stoppingToken))
        {
            // Stopped mid-attempt, or the outbox disposed under it after a stop the host stopped waiting for: nothing
            // recorded.
            HostedServiceStop.Log(_logger, nameof(WebhookDispatcher), ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAttemptFailed(_logger, ex, delivery.Id, delivery.EventType, delivery.EndpointId);
        }
        finally
        {
            bool wake;
            lock (_lanes)
            {
                _inFlight.Remove(delivery.Id);
                var left = _inFlightByEndpoint[delivery.EndpointId] - 1;
                if (left == 0)
                {
                    _inFlightByEndpoint.Remove(delivery.EndpointId);
                }
                else
                {
                    _inFlightByEndpoint[delivery.EndpointId] = left;
                }

                wake = _wakeWhenAttemptEnds;
            }

            LogDisabledDeadLetters(tally.Release());

            // An endpoint was left out of the last claim for want of room; now it may have some.
            if (wake)
            {
                _signal.Notify();
            }
        }
    }
}
