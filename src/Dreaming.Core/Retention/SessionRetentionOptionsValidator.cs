using Microsoft.Extensions.Options;

namespace Dreaming;

internal sealed class SessionRetentionOptionsValidator : IValidateOptions<SessionRetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionRetentionOptions options)
    {
        var failures = new List<string>();
        if (options.MaxAge <= TimeSpan.Zero || options.MaxAge > SessionRetentionOptions.MaxDuration)
        {
            failures.Add($"SessionRetentionOptions.MaxAge is {options.MaxAge}; it must be more than zero and at most {SessionRetentionOptions.MaxDuration.Days} days.");
        }

        if (options.Interval <= TimeSpan.Zero || options.Interval > TimerLimits.LongestWait)
        {
            failures.Add($"SessionRetentionOptions.Interval is {options.Interval}; it must be more than zero and at most {TimerLimits.LongestWait}.");
        }

        if (options.AbandonRunningAfter is { } abandon && (abandon <= TimeSpan.Zero || abandon > SessionRetentionOptions.MaxDuration))
        {
            failures.Add($"SessionRetentionOptions.AbandonRunningAfter is {abandon}; it must be more than zero and at most {SessionRetentionOptions.MaxDuration.Days} days, or null.");
        }

        for (var i = 0; i < options.DreamScopes.Count; i++)
        {
            if (options.DreamScopes[i] is null)
            {
                failures.Add($"SessionRetentionOptions.DreamScopes[{i}] is null.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
