using System.Globalization;
using Microsoft.Extensions.Options;

namespace Dreaming;

internal sealed class OrchestratorOptionsValidator : IValidateOptions<OrchestratorOptions>
{
    // CancellationTokenSource cannot wait longer than this.
    internal static readonly TimeSpan LongestTimeout = TimeSpan.FromMilliseconds(int.MaxValue - 1);

    public ValidateOptionsResult Validate(string? name, OrchestratorOptions options)
    {
        var failures = new List<string>();
        if (options.MaxItems is < 1 or > OrchestratorOptions.MaxItemsLimit)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"OrchestratorOptions.MaxItems is {options.MaxItems}; it must be between 1 and {OrchestratorOptions.MaxItemsLimit:N0}."));
        }

        if (!Enum.IsDefined(options.FailurePolicy))
        {
            failures.Add($"OrchestratorOptions.FailurePolicy has the undefined value {(int)options.FailurePolicy}.");
        }

        if (options.MaxTotalTokens is <= 0)
        {
            failures.Add($"OrchestratorOptions.MaxTotalTokens is {options.MaxTotalTokens}; it must be positive or null.");
        }

        if (options.MaxTotalCostMinorUnits is <= 0)
        {
            failures.Add($"OrchestratorOptions.MaxTotalCostMinorUnits is {options.MaxTotalCostMinorUnits}; it must be positive or null.");
        }

        if (options.MaxDependencyOutputLength is <= 0)
        {
            failures.Add($"OrchestratorOptions.MaxDependencyOutputLength is {options.MaxDependencyOutputLength}; it must be positive or null.");
        }

        if (options.MaxDependencyOutputTotalLength is <= 0)
        {
            failures.Add($"OrchestratorOptions.MaxDependencyOutputTotalLength is {options.MaxDependencyOutputTotalLength}; it must be positive or null.");
        }

        if (options.ItemRetries is < 0 or > OrchestratorOptions.MaxItemRetries)
        {
            failures.Add($"OrchestratorOptions.ItemRetries is {options.ItemRetries}; it must be between 0 and {OrchestratorOptions.MaxItemRetries}.");
        }

        if (options.RetryDelay < TimeSpan.Zero || options.RetryDelay > TimeSpan.FromHours(1))
        {
            failures.Add($"OrchestratorOptions.RetryDelay is {options.RetryDelay}; it must be between 0 and 1 hour.");
        }

        if (!IsValidTimeout(options.ItemTimeout))
        {
            failures.Add($"OrchestratorOptions.ItemTimeout is {options.ItemTimeout}; it must be positive and at most {LongestTimeout}, or infinite.");
        }

        if (options.OutcomeMaxIterations is < 1 or > OutcomeRequest.MaxIterationsLimit)
        {
            failures.Add($"OrchestratorOptions.OutcomeMaxIterations is {options.OutcomeMaxIterations}; it must be between 1 and {OutcomeRequest.MaxIterationsLimit}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsValidTimeout(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan || (timeout > TimeSpan.Zero && timeout <= LongestTimeout);
}
