using System.Diagnostics.Metrics;

namespace Dreaming;

/// <summary>The webhook metrics, on the library's <see cref="DreamingTelemetry"/> meter.</summary>
internal static class WebhookTelemetry
{
    /// <summary>Counter of delivery attempts (<c>{attempt}</c>), tagged with <c>dreaming.webhook.result</c>:
    /// <c>delivered</c>, <c>retry</c> or <c>dead</c>.</summary>
    public const string AttemptsMetric = "dreaming.webhooks.attempts";

    public const string ResultAttribute = "dreaming.webhook.result";

    public static readonly Counter<long> Attempts = DreamingTelemetry.Meter.CreateCounter<long>(AttemptsMetric, "{attempt}", "Webhook delivery attempts.");

    public static void Record(string result) => Attempts.Add(1, new KeyValuePair<string, object?>(ResultAttribute, result));
}
