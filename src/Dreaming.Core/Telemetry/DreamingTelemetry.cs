using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Dreaming;

/// <summary>The library's one <see cref="ActivitySource"/> and <see cref="Meter"/>, and the names it records.</summary>
/// <remarks>
/// Span and attribute names follow the OpenTelemetry GenAI semantic conventions
/// (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-agent-spans/): a session is an <c>invoke_agent</c> span,
/// so the <c>chat</c> spans of Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> nest under it. Its
/// <c>gen_ai.provider.name</c> is <see cref="AgentSessionOptions.ProviderName"/> when given (set at creation), else the
/// <c>ChatClientMetadata.ProviderName</c> of the client of the session's first call through <c>UseDreaming()</c>, which
/// also sets <c>gen_ai.request.model</c>, <c>server.address</c> and <c>server.port</c> when known. Metrics of the
/// library's own work carry the <c>dreaming.</c> prefix.
/// </remarks>
public static class DreamingTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and <see cref="Meter"/>: <c>Dreaming.Core</c>.</summary>
    public const string SourceName = "Dreaming.Core";

    /// <summary>Counter of sessions started (<c>{session}</c>), tagged with <c>gen_ai.agent.id</c>.</summary>
    public const string SessionsStartedMetric = "dreaming.sessions.started";

    /// <summary>Counter of sessions ended (<c>{session}</c>), tagged with <c>gen_ai.agent.id</c> and <c>dreaming.session.status</c>.</summary>
    public const string SessionsEndedMetric = "dreaming.sessions.ended";

    /// <summary>Counter of events queued for the store (<c>{event}</c>).</summary>
    public const string EventsRecordedMetric = "dreaming.events.recorded";

    /// <summary>Counter of events dropped (<c>{event}</c>), tagged with <c>dreaming.drop.reason</c> (<c>queue_full</c>,
    /// <c>store_error</c>, <c>redaction_error</c>, <c>writer_stopped</c> or <c>drain_timeout</c>).</summary>
    public const string EventsDroppedMetric = "dreaming.events.dropped";

    /// <summary>Counter of sessions purged (<c>{session}</c>) by the session retention job (<c>AddSessionRetention</c>).</summary>
    public const string SessionsPurgedMetric = "dreaming.sessions.purged";

    /// <summary>Histogram of the duration of one store write batch (<c>s</c>), advising buckets from 0.5 ms to 10 s.</summary>
    public const string WriteDurationMetric = "dreaming.writer.batch.duration";

    /// <summary>Gauge of the events waiting in the write queue (<c>{event}</c>).</summary>
    public const string QueueLengthMetric = "dreaming.writer.queue.length";

    internal static readonly ActivitySource ActivitySource = new(SourceName, typeof(DreamingTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(SourceName, typeof(DreamingTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> SessionsStarted = Meter.CreateCounter<long>(SessionsStartedMetric, "{session}", "Sessions started.");

    internal static readonly Counter<long> SessionsEnded = Meter.CreateCounter<long>(SessionsEndedMetric, "{session}", "Sessions ended, by status.");

    internal static readonly Counter<long> EventsRecorded = Meter.CreateCounter<long>(EventsRecordedMetric, "{event}", "Events queued for the trace store.");

    internal static readonly Counter<long> SessionsPurged = Meter.CreateCounter<long>(SessionsPurgedMetric, "{session}", "Sessions purged by the session retention job.");

    internal static readonly Counter<long> EventsDropped = Meter.CreateCounter<long>(EventsDroppedMetric, "{event}", "Events dropped instead of stored.");

    private static long s_queuedEvents;

    internal static readonly ObservableGauge<long> QueueLength = Meter.CreateObservableGauge(QueueLengthMetric, () => Volatile.Read(ref s_queuedEvents), "{event}", "Events waiting in the write queues.");

    /// <summary>The bucket boundaries <see cref="WriteDurationMetric"/> advises, in seconds, from half a millisecond to
    /// ten seconds: a store write takes milliseconds, and exporters' default buckets (0, 5, 10, 25… meant for
    /// milliseconds) would put every batch in the first one. An adopter's own view (the OpenTelemetry SDK's
    /// <c>AddView</c>) overrides them.</summary>
    internal static readonly IReadOnlyList<double> WriteDurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    internal static readonly Histogram<double> WriteDuration = Meter.CreateHistogram(
        WriteDurationMetric,
        "s",
        "Duration of one trace store write batch.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WriteDurationBuckets });

    internal static void AddQueued(long delta) => Interlocked.Add(ref s_queuedEvents, delta);

    /// <summary>Attribute names used on spans and metrics.</summary>
    public static class Attributes
    {
        /// <summary><c>gen_ai.operation.name</c>.</summary>
        public const string OperationName = "gen_ai.operation.name";

        /// <summary><c>gen_ai.provider.name</c>: the GenAI provider of the session's model, such as <c>openai</c>.</summary>
        public const string ProviderName = "gen_ai.provider.name";

        /// <summary><c>gen_ai.request.model</c>: the model the session's first chat call asked for.</summary>
        public const string RequestModel = "gen_ai.request.model";

        /// <summary><c>server.address</c>: the host of the session's model endpoint.</summary>
        public const string ServerAddress = "server.address";

        /// <summary><c>server.port</c>: the port of the session's model endpoint.</summary>
        public const string ServerPort = "server.port";

        /// <summary><c>gen_ai.agent.id</c>.</summary>
        public const string AgentId = "gen_ai.agent.id";

        /// <summary><c>gen_ai.agent.name</c>.</summary>
        public const string AgentName = "gen_ai.agent.name";

        /// <summary><c>gen_ai.agent.version</c>.</summary>
        public const string AgentVersion = "gen_ai.agent.version";

        /// <summary><c>gen_ai.conversation.id</c>: the session id.</summary>
        public const string ConversationId = "gen_ai.conversation.id";

        /// <summary><c>gen_ai.usage.input_tokens</c>.</summary>
        public const string InputTokens = "gen_ai.usage.input_tokens";

        /// <summary><c>gen_ai.usage.output_tokens</c>.</summary>
        public const string OutputTokens = "gen_ai.usage.output_tokens";

        /// <summary><c>gen_ai.usage.cache_read.input_tokens</c>.</summary>
        public const string CachedInputTokens = "gen_ai.usage.cache_read.input_tokens";

        /// <summary><c>error.type</c>.</summary>
        public const string ErrorType = "error.type";

        /// <summary><c>dreaming.session.status</c>.</summary>
        public const string SessionStatus = "dreaming.session.status";

        /// <summary><c>dreaming.session.parent_id</c>.</summary>
        public const string ParentSessionId = "dreaming.session.parent_id";

        /// <summary><c>dreaming.session.dropped_events</c>.</summary>
        public const string DroppedEvents = "dreaming.session.dropped_events";

        /// <summary><c>dreaming.drop.reason</c>.</summary>
        public const string DropReason = "dreaming.drop.reason";
    }

    /// <summary>The values of <c>dreaming.drop.reason</c>.</summary>
    internal static class DropReasons
    {
        /// <summary>The write queue was full under <see cref="BackpressurePolicy.Drop"/>.</summary>
        public const string QueueFull = "queue_full";

        /// <summary>The store failed to write the events, after its retries.</summary>
        public const string StoreError = "store_error";

        /// <summary>A redactor threw, so the event was not stored unredacted.</summary>
        public const string RedactionError = "redaction_error";

        /// <summary>The event was recorded once the trace writer had stopped.</summary>
        public const string WriterStopped = "writer_stopped";

        /// <summary>Disposal stopped waiting for the store (<see cref="DreamingOptions.WriteDrainTimeout"/>).</summary>
        public const string DrainTimeout = "drain_timeout";

        /// <summary>Every value, for the docs' check.</summary>
        public static readonly IReadOnlyList<string> All = [QueueFull, StoreError, RedactionError, WriterStopped, DrainTimeout];
    }
}
