using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Dreaming;

/// <summary>The default <see cref="IWebhookPublisher"/>: routes an event to the endpoints whose filters match and writes one
/// outbox row per endpoint, then wakes the dispatcher.</summary>
/// <remarks>
/// <para>A failed outbox write is retried three times (Polly, exponential backoff with jitter) before the event is given up
/// and logged at error level.</para>
/// <para>Every configured endpoint that subscribes gets a row, including one that is disabled: the dispatcher turns such a
/// row into a dead letter naming the reason, so no event is dropped silently. With no endpoint, publishing costs a
/// field read.</para>
/// <para>Stores that write outbox rows inside their own transactions (the SQLite trace store for <c>session.*</c>) use
/// <see cref="EndpointsFor"/> and <see cref="NotifyWritten"/>. Thread-safe.</para>
/// </remarks>
public sealed partial class WebhookPublisher : IWebhookPublisher
{
    private readonly WebhookEndpoint[] _endpoints;
    private readonly IWebhookOutboxStore _outbox;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action? _notify;
    private readonly ResiliencePipeline _retry;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The webhook settings; the endpoints are read once.</param>
    /// <param name="outbox">The outbox.</param>
    /// <param name="timeProvider">The clock that stamps events; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    public WebhookPublisher(IOptions<WebhookOptions> options, IWebhookOutboxStore outbox, TimeProvider? timeProvider = null, ILogger<WebhookPublisher>? logger = null)
        : this(options, outbox, timeProvider, logger, notify: null)
    {
    }

    internal WebhookPublisher(IOptions<WebhookOptions> options, IWebhookOutboxStore outbox, TimeProvider? timeProvider, ILogger<WebhookPublisher>? logger, Action? notify)
    {
        ArgumentNullException.ThrowIfNull(options);
        _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        _endpoints = [.. options.Value.Endpoints];
        IncludeFullPayloads = options.Value.IncludeFullPayloads;
        MaxPayloadBytes = options.Value.MaxPayloadBytes;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _notify = notify;

        // A busy or briefly unavailable store should not cost an event: a few quick retries with jitter come first.
        _retry = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromMilliseconds(50),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(static ex => ex is not (ArgumentException or OperationCanceledException or ObjectDisposedException)),
            })
            .Build();
    }

    /// <inheritdoc />
    public bool IsEnabled => _endpoints.Length > 0;

    /// <inheritdoc />
    public bool IncludeFullPayloads { get; }

    /// <summary>Gets the largest body an event may have, in bytes (<see cref="WebhookOptions.MaxPayloadBytes"/>, read once).</summary>
    public int MaxPayloadBytes { get; }

    /// <summary>Gets the outbox rows are written to.</summary>
    public IWebhookOutboxStore Outbox => _outbox;

    /// <inheritdoc />
    public bool IsSubscribed(string eventType)
    {
        foreach (var endpoint in _endpoints)
        {
            if (endpoint.Subscribes(eventType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lists the endpoints that subscribe to an event type.</summary>
    /// <param name="eventType">The event type.</param>
    /// <returns>Their ids; empty when none does.</returns>
    public IReadOnlyList<string> EndpointsFor(string eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        if (_endpoints.Length == 0)
        {
            return [];
        }

        List<string>? ids = null;
        foreach (var endpoint in _endpoints)
        {
            if (endpoint.Subscribes(eventType))
            {
                (ids ??= []).Add(endpoint.Id);
            }
        }

        return ids is null ? [] : ids;
    }

    /// <summary>Wakes the dispatcher after rows were written outside <see cref="PublishAsync"/>.</summary>
    public void NotifyWritten() => _notify?.Invoke();

    /// <summary>Gets the current time of the publisher's clock, which stamps events.</summary>
    /// <returns>The time.</returns>
    public DateTimeOffset Now() => _time.GetUtcNow();

    /// <inheritdoc />
    public async Task<WebhookEvent?> PublishAsync(string eventType, JsonObject data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        ArgumentNullException.ThrowIfNull(data);
        var endpoints = EndpointsFor(eventType);
        if (endpoints.Count == 0)
        {
            return null;
        }

        var webhookEvent = WebhookEvent.Create(eventType, _time.GetUtcNow(), data);
        try
        {
            // Inside the try: data the body cannot be written from (nested deeper than the JSON writer allows) is a failed
            // write, logged, as when the store serialises it, not an exception thrown at the state change that raised it.
            webhookEvent = await FitAndEnqueueAsync(webhookEvent, endpoints, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPublishFailed(_logger, webhookEvent.Type, webhookEvent.Id, ex);
            return null;
        }

        _notify?.Invoke();
        return webhookEvent;
    }

    /// <summary>Writes an event under a given id and with a given timestamp (that of the change it tells of, so the same body
    /// whichever process or pass writes it), as <see cref="PublishAsync"/> does, unless the outbox already holds that id:
    /// then nothing is written (another process, or an earlier call, wrote it), which is logged at debug level (event 101).
    /// A write that still fails after the retries is thrown, not logged: the caller (crash recovery, through the webhook
    /// observer) keeps the run's session running so that the next recovery publishes the event again.</summary>
    /// <returns>The event written, or <see langword="null"/> when no endpoint subscribes or the id was written already.</returns>
    /// <exception cref="Exception">The outbox write failed after the retries (the store's exception).</exception>
    internal async Task<WebhookEvent?> PublishOnceAsync(string eventId, string eventType, DateTimeOffset timestamp, JsonObject data, CancellationToken cancellationToken = default)
    {
        var endpoints = EndpointsFor(eventType);
        if (endpoints.Count == 0)
        {
            return null;
        }

        var webhookEvent = WebhookEvent.Create(eventType, timestamp, data) with { Id = eventId };
        try
        {
            webhookEvent = await FitAndEnqueueAsync(webhookEvent, endpoints, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            // The id is made valid by the caller and the endpoints are the configured ones: the outbox refused it as one
            // it already holds.
            LogAlreadyWritten(_logger, webhookEvent.Type, webhookEvent.Id, ex.Message);
            return null;
        }

        _notify?.Invoke();
        return webhookEvent;
    }

    /// <summary>Makes the event to write to the outbox, with a new id, within <see cref="MaxPayloadBytes"/>: a larger body has
    /// its longest free texts cut and listed in <c>data.truncated</c> (see <see cref="WebhookOptions.MaxPayloadBytes"/>),
    /// which is logged at warning level (event 79; event 88 when nothing could be cut and the event goes as it is). <see cref="PublishAsync"/> uses it; so do stores that write outbox rows inside their
    /// own transactions.</summary>
    /// <param name="eventType">The event type.</param>
    /// <param name="timestamp">When the event happened.</param>
    /// <param name="data">The data; never changed (an event that is cut gets a copy).</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentException"><paramref name="eventType"/> is null or blank.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="data"/> is nested deeper than the JSON writer's 1,000 levels,
    /// so no body can be written from it (<see cref="PublishAsync"/> logs this as a failed write and returns
    /// <see langword="null"/>).</exception>
    /// <remarks>Thread-safe. Costs one serialisation of the body, more only when it is too large.</remarks>
    public WebhookEvent CreateEvent(string eventType, DateTimeOffset timestamp, JsonObject data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventType);
        ArgumentNullException.ThrowIfNull(data);
        return Fit(WebhookEvent.Create(eventType, timestamp, data));
    }

    /// <summary>Makes an event as <see cref="CreateEvent(string, DateTimeOffset, JsonObject)"/> does, but with the id given,
    /// and logs a body cut or left over the limit (events 79 and 88) only when asked: for a store that makes an event
    /// before it knows whether the change that raises it will stand (to send its body ahead of a lock), without logging,
    /// and makes it again with the same id and time, logging, when it writes it. So no log names an event that never
    /// reaches the outbox, and the one written is logged once.</summary>
    /// <param name="eventId">The event's id, as <see cref="WebhookEvent.NewId"/> makes them.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="timestamp">When the event happened.</param>
    /// <param name="data">The data; never changed (an event that is cut gets a copy).</param>
    /// <param name="logCut">Whether to log a body over <see cref="MaxPayloadBytes"/>.</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentException"><paramref name="eventId"/> or <paramref name="eventType"/> is null or blank.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="data"/> is nested deeper than the JSON writer's 1,000
    /// levels.</exception>
    /// <remarks>Thread-safe. The same id, type, time and data give the same body.</remarks>
    public WebhookEvent CreateEvent(string eventId, string eventType, DateTimeOffset timestamp, JsonObject data, bool logCut)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventId);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventType);
        ArgumentNullException.ThrowIfNull(data);
        var webhookEvent = new WebhookEvent { Id = eventId, Type = eventType, Timestamp = timestamp, Data = data };
        return logCut ? Fit(webhookEvent) : WebhookPayloadFit.Fit(webhookEvent, MaxPayloadBytes).Event;
    }

    /// <summary>Fits the event's body within <see cref="MaxPayloadBytes"/> (logged when it is cut) and writes it to the outbox
    /// for the endpoints, retried by the publisher's pipeline; what <see cref="PublishAsync"/> and <see cref="PublishOnceAsync"/>
    /// write, each catching what it throws in its own way.</summary>
    /// <returns>The event as written.</returns>
    private async Task<WebhookEvent> FitAndEnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpoints, CancellationToken cancellationToken)
    {
        var fitted = Fit(webhookEvent);
        await _retry.ExecuteAsync(
            static async (state, ct) => await state.Outbox.EnqueueAsync(state.Event, state.Endpoints, ct).ConfigureAwait(false),
            (Outbox: _outbox, Event: fitted, Endpoints: endpoints),
            cancellationToken).ConfigureAwait(false);
        return fitted;
    }

    private WebhookEvent Fit(WebhookEvent webhookEvent)
    {
        var (fitted, original, bytes, cut) = WebhookPayloadFit.Fit(webhookEvent, MaxPayloadBytes);
        if (original > MaxPayloadBytes && cut > 0)
        {
            LogPayloadCut(_logger, fitted.Type, fitted.Id, original, MaxPayloadBytes, cut, bytes);
        }
        else if (original > MaxPayloadBytes)
        {
            LogPayloadNotCut(_logger, fitted.Type, fitted.Id, original, MaxPayloadBytes);
        }

        return fitted;
    }

    [LoggerMessage(EventId = 79, Level = LogLevel.Warning, Message = "Webhook event {EventType} {EventId} had a {OriginalBytes}-byte body, over WebhookOptions.MaxPayloadBytes ({MaxPayloadBytes}); {CutCount} texts were cut (listed in data.truncated), leaving {Bytes} bytes. Receivers fetch the whole texts from the stores by id.")]
    private static partial void LogPayloadCut(ILogger logger, string eventType, string eventId, int originalBytes, int maxPayloadBytes, int cutCount, int bytes);

    [LoggerMessage(EventId = 88, Level = LogLevel.Warning, Message = "Webhook event {EventType} {EventId} has a {OriginalBytes}-byte body, over WebhookOptions.MaxPayloadBytes ({MaxPayloadBytes}), and is sent as it is: its size is in what is never cut (ids, numbers, strings of at most 64 bytes), cutting would not make it smaller, or its data already has a 'truncated' property. A receiver with a smaller body limit refuses it (413, a dead letter).")]
    private static partial void LogPayloadNotCut(ILogger logger, string eventType, string eventId, int originalBytes, int maxPayloadBytes);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Webhook event {EventType} {EventId} is already in the outbox (written by another process or an earlier recovery) and is not written again: {Reason}")]
    private static partial void LogAlreadyWritten(ILogger logger, string eventType, string eventId, string reason);

    [LoggerMessage(EventId = 70, Level = LogLevel.Error, Message = "Webhook event {EventType} {EventId} could not be written to the outbox and will not be delivered.")]
    private static partial void LogPublishFailed(ILogger logger, string eventType, string eventId, Exception exception);
}
