namespace Dreaming;

/// <summary>What one HTTP attempt came to, before the dispatcher decides what happens next.</summary>
/// <param name="Delivered">Whether the endpoint answered 2xx.</param>
/// <param name="StatusCode">The status, or <see langword="null"/> when no response came back.</param>
/// <param name="Error">What went wrong, when not delivered.</param>
/// <param name="RetryAfter">The delay a <c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c> or <c>Retry-After</c> header asked for, counted from <paramref name="AnsweredAt"/> (a
/// date already past is zero).</param>
/// <param name="DisableEndpoint">Why the endpoint must be disabled (410 Gone, an internal target), if it must.</param>
/// <param name="AnsweredAt">When the response came back (the clock's now then), or <see langword="null"/> when none did.</param>
/// <param name="NotRetried">Whether a retry cannot succeed, so the delivery is a dead letter at once (a 413 without a
/// <c>Retry-After</c>, <c>retry-after-ms</c> or <c>x-ms-retry-after-ms</c>: every attempt sends the same body).</param>
internal readonly record struct WebhookAttemptOutcome(bool Delivered, int? StatusCode, string? Error, TimeSpan? RetryAfter, string? DisableEndpoint, DateTimeOffset? AnsweredAt = null, bool NotRetried = false);
