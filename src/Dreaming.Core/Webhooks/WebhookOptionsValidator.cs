using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Validates <see cref="WebhookOptions"/>; each failure names the setting and the bad value (never a secret).</summary>
/// <remarks>Settings are named by the option (<c>WebhookOptions.Jitter</c>, <c>WebhookOptions.Endpoints[0].Url</c>), not by a
/// configuration path: the options may be bound from any section (<c>Dreaming:Webhooks</c>, <c>Webhooks</c>, ...) or set in
/// code, and the key is the option's name under that section (<c>Jitter</c>, <c>Endpoints:0:Url</c>).</remarks>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = GetFailures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> GetFailures(WebhookOptions options)
    {
        var failures = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            failures.AddRange(endpoint.Validate($"WebhookOptions.Endpoints[{i}]"));
            if (!string.IsNullOrEmpty(endpoint.Id) && !ids.Add(endpoint.Id))
            {
                failures.Add($"WebhookOptions.Endpoints[{i}].Id '{endpoint.Id}' is used by another endpoint; ids must be unique.");
            }
        }

        if (options.RetrySchedule is { } schedule && schedule.Any(d => d < TimeSpan.Zero))
        {
            failures.Add("WebhookOptions.RetrySchedule has a negative delay.");
        }
        else if (options.RetrySchedule is { Count: > 0 } retries && retries[0] != TimeSpan.Zero)
        {
            failures.Add($"WebhookOptions.RetrySchedule starts with {retries[0]}; its first entry is the first attempt, which is made as soon as the event is written, so it must be 00:00:00 (the next entries are the delays before each retry).");
        }

        // Far beyond any useful retry, and far from the overflow of adding it (with its jitter) to a date.
        var longest = TimeSpan.FromDays(365);
        for (var i = 0; options.RetrySchedule is { } delays && i < delays.Count; i++)
        {
            if (delays[i] > longest)
            {
                failures.Add($"WebhookOptions.RetrySchedule[{i}] is {delays[i]}; a delay must be at most {longest}.");
            }
        }

        if (options.MaxRetryAfter > longest)
        {
            failures.Add($"WebhookOptions.MaxRetryAfter is {options.MaxRetryAfter}; it must be at most {longest}.");
        }

        if (options.Jitter is < 0 or > 1 || double.IsNaN(options.Jitter))
        {
            failures.Add($"WebhookOptions.Jitter is {options.Jitter}; it must be between 0 and 1.");
        }

        if (options.AttemptTimeout < TimeSpan.FromSeconds(1) || options.AttemptTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"WebhookOptions.AttemptTimeout is {options.AttemptTimeout}; it must be between 1 second and 5 minutes.");
        }

        if (options.MaxConsecutiveFailures < 0)
        {
            failures.Add($"WebhookOptions.MaxConsecutiveFailures is {options.MaxConsecutiveFailures}; it must be 0 (never) or more.");
        }

        // The dispatcher waits PollInterval on a timer, which waits at most uint.MaxValue - 1 ms (49.7 days): a longer one
        // threw from the wait and stopped the host after its start.
        if (options.PollInterval <= TimeSpan.Zero || options.PollInterval > TimerLimits.LongestWait)
        {
            failures.Add($"WebhookOptions.PollInterval is {options.PollInterval}; it must be more than zero and at most {TimerLimits.LongestWait}.");
        }

        if (options.MaxRetryAfter < TimeSpan.Zero)
        {
            failures.Add($"WebhookOptions.MaxRetryAfter is {options.MaxRetryAfter}; it must not be negative.");
        }

        if (options.BatchSize is < 1 or > 1000)
        {
            failures.Add($"WebhookOptions.BatchSize is {options.BatchSize}; it must be between 1 and 1000.");
        }

        if (options.MaxPayloadBytes is < 4_096 or > 104_857_600)
        {
            failures.Add($"WebhookOptions.MaxPayloadBytes is {options.MaxPayloadBytes}; it must be between 4096 and 104857600 (100 MiB).");
        }

        return failures;
    }
}
