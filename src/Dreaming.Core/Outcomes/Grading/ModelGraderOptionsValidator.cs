using Microsoft.Extensions.Options;

namespace Dreaming;

internal sealed class ModelGraderOptionsValidator : IValidateOptions<ModelGraderOptions>
{
    // CancellationTokenSource cannot wait longer than this.
    private static readonly TimeSpan s_longestTimeout = TimeSpan.FromMilliseconds(int.MaxValue - 1);
    private static readonly TimeSpan s_longestRetryDelay = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, ModelGraderOptions options)
    {
        var failures = new List<string>();
        if (options.Samples < 1 || options.Samples > ModelGraderOptions.MaxSamples || options.Samples % 2 == 0)
        {
            failures.Add($"ModelGraderOptions.Samples is {options.Samples}; it must be an odd number from 1 to {ModelGraderOptions.MaxSamples}.");
        }

        if (options.Timeout != Timeout.InfiniteTimeSpan && (options.Timeout <= TimeSpan.Zero || options.Timeout > s_longestTimeout))
        {
            failures.Add($"ModelGraderOptions.Timeout is {options.Timeout}; it must be positive and at most {s_longestTimeout}, or infinite.");
        }

        if (options.CallRetries is < 0 or > ModelGraderOptions.MaxCallRetries)
        {
            failures.Add($"ModelGraderOptions.CallRetries is {options.CallRetries}; it must be from 0 to {ModelGraderOptions.MaxCallRetries}.");
        }

        if (options.RetryDelay < TimeSpan.Zero || options.RetryDelay > s_longestRetryDelay)
        {
            failures.Add($"ModelGraderOptions.RetryDelay is {options.RetryDelay}; it must be from zero to {s_longestRetryDelay}.");
        }

        if (options.ModelId is not null && string.IsNullOrWhiteSpace(options.ModelId))
        {
            failures.Add("ModelGraderOptions.ModelId must be null or not blank.");
        }

        if (options.MaxArtifactLength < 1)
        {
            failures.Add($"ModelGraderOptions.MaxArtifactLength is {options.MaxArtifactLength}; it must be at least 1.");
        }

        if (options.Temperature is { } temperature && (!float.IsFinite(temperature) || temperature < 0 || temperature > 2))
        {
            failures.Add($"ModelGraderOptions.Temperature is {temperature}; it must be from 0 to 2.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
