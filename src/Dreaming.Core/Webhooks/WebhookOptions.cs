namespace Dreaming;

/// <summary>Settings of webhook delivery: the endpoints, the retry schedule and the safety limits.</summary>
/// <remarks>Bound from the <c>Dreaming:Webhooks</c> configuration section by <c>AddWebhooks(IConfiguration)</c>, or set in
/// code. Validated when the host starts; an invalid value fails the start with a message naming it.</remarks>
public sealed class WebhookOptions
{
    /// <summary>The default retry schedule, as Svix runs the Standard Webhooks one: immediately, 5 s, 5 min, 30 min, 2 h,
    /// 5 h, 10 h, 10 h (eight attempts, about 27.6 hours).</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>The default of <see cref="MaxPayloadBytes"/>: 65,536 bytes.</summary>
    public const int DefaultMaxPayloadBytes = 65_536;

    /// <summary>Gets the endpoints.</summary>
    public IList<WebhookEndpoint> Endpoints { get; } = [];

    /// <summary>Gets or sets a value indicating whether events carry full payloads (artifacts, insight texts, the task) instead
    /// of ids and a summary. Full payloads may carry what the agent saw; only turn this on for receivers you trust with it.</summary>
    /// <value><see langword="false"/> by default.</value>
    public bool IncludeFullPayloads { get; set; }

    /// <summary>Gets or sets a value indicating whether endpoints may resolve to loopback, private, link-local or otherwise
    /// internal addresses. Off, such targets are refused (server-side request forgery); tests and local development turn it on.</summary>
    /// <value><see langword="false"/> by default.</value>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Gets or sets the delay before each attempt, one entry per attempt: the first entry is the first attempt, which
    /// is made as soon as the event is written, so it must be zero (as in the Standard Webhooks schedule); each next one is
    /// the delay before a retry, counted from the previous failure. A delivery that fails its last attempt becomes a dead
    /// letter.</summary>
    /// <value><see langword="null"/> (or empty) for <see cref="DefaultRetrySchedule"/>. A first entry other than zero, a
    /// negative delay, or one over 365 days fails the host's start.</value>
    public IList<TimeSpan>? RetrySchedule { get; set; }

    /// <summary>Gets or sets the jitter: each retry delay is moved at random by up to this fraction, either way.</summary>
    /// <value>0.2 (±20 %) by default; 0 to 1.</value>
    public double Jitter { get; set; } = 0.2;

    /// <summary>Gets or sets how long one attempt may take, from connecting to the last byte of the response headers.</summary>
    /// <value>15 seconds by default; 1 s to 5 min.</value>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets after how many failed deliveries in a row an endpoint is disabled; 0 never. A delivery fails
    /// when it exhausts its retries (about 27.6 hours on the default schedule), so an outage of hours, with many events
    /// retrying, disables nothing.</summary>
    /// <value>5 by default.</value>
    public int MaxConsecutiveFailures { get; set; } = 5;

    /// <summary>Gets or sets the longest a <c>Retry-After</c> (or <c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c>) header may push an attempt back.</summary>
    /// <value>24 hours by default; at most 365 days.</value>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets the largest body an event may have, in bytes. A larger one has its longest free texts (a task,
    /// an artifact, an error, insight texts, reasons) cut, each ending with <c>…</c>, until it fits, and its
    /// <c>data.truncated</c> lists each cut text's <c>path</c> (a JSON Pointer into <c>data</c>) and <c>original_length</c>
    /// (characters); ids, types, timestamps, the scope and numbers are never cut. An event whose size is in what is never
    /// cut has its texts cut as far as they go and is sent smaller but still over the cap; one with nothing to cut, or that
    /// cutting would not make smaller (thousands of texts just over 64 bytes), is sent as it is. The cut is made when the event is
    /// written, before it is signed, so every attempt sends the same valid JSON, and a receiver's size limit does not make
    /// it a dead letter (a <c>413</c>). Fetch the whole text from the stores by id.</summary>
    /// <value>65,536 (64 KiB) by default, under the 100 KB body limit some receiver frameworks set by default; 4,096 to
    /// 104,857,600 (100 MiB).</value>
    public int MaxPayloadBytes { get; set; } = DefaultMaxPayloadBytes;

    /// <summary>Gets or sets how often the dispatcher looks for due deliveries when nothing woke it.</summary>
    /// <value>1 second by default.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many deliveries the dispatcher claims at once, and the most attempts it has in flight to one
    /// endpoint (each endpoint is a lane: a slow one holds up only its own deliveries).</summary>
    /// <value>16 by default; 1 to 1000.</value>
    public int BatchSize { get; set; } = 16;

    /// <summary>Gets the schedule in effect.</summary>
    internal IReadOnlyList<TimeSpan> EffectiveSchedule => RetrySchedule is { Count: > 0 } schedule ? [.. schedule] : DefaultRetrySchedule;

    /// <summary>Gets how long a claim holds a delivery: long enough for an attempt to finish, short enough that a crashed
    /// dispatcher's deliveries come back soon.</summary>
    internal TimeSpan ClaimLease => AttemptTimeout + AttemptTimeout;
}
