using System.Globalization;
using Microsoft.Extensions.Options;

namespace Dreaming;

internal sealed class DreamingOptionsValidator : IValidateOptions<DreamingOptions>
{
    // The longest a timer can wait (about 24.8 days), as for OrchestratorOptions.ItemTimeout.
    private static readonly TimeSpan LongestDrain = OrchestratorOptionsValidator.LongestTimeout;

    public ValidateOptionsResult Validate(string? name, DreamingOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AgentId))
        {
            failures.Add("DreamingOptions.AgentId must not be empty.");
        }
        else if (AgentIds.Problem(options.AgentId, "DreamingOptions.AgentId") is { } problem)
        {
            failures.Add(problem);
        }

        Range(failures, nameof(DreamingOptions.WriteQueueCapacity), options.WriteQueueCapacity, 1, 1_000_000);
        Range(failures, nameof(DreamingOptions.WriteBatchSize), options.WriteBatchSize, 1, 10_000);
        Range(failures, nameof(DreamingOptions.MaxContentLength), options.MaxContentLength, 256, 100_000_000);
        Range(failures, nameof(DreamingOptions.MemoryTokenBudget), options.MemoryTokenBudget, 50, InsightRanker.MaxTokenBudget);
        if (options.WriteDrainTimeout != Timeout.InfiniteTimeSpan && (options.WriteDrainTimeout <= TimeSpan.Zero || options.WriteDrainTimeout > LongestDrain))
        {
            failures.Add($"DreamingOptions.WriteDrainTimeout is {options.WriteDrainTimeout}; it must be positive and at most {LongestDrain}, or infinite (Timeout.InfiniteTimeSpan, the default).");
        }

        if (!Enum.IsDefined(options.Backpressure))
        {
            failures.Add($"DreamingOptions.Backpressure has the undefined value {(int)options.Backpressure}.");
        }

        if (!Enum.IsDefined(options.UnscopedCalls))
        {
            failures.Add($"DreamingOptions.UnscopedCalls has the undefined value {(int)options.UnscopedCalls}.");
        }

        if (options.ToolErrorPrefix is { Length: 0 })
        {
            failures.Add("DreamingOptions.ToolErrorPrefix must be null or non-empty: an empty prefix would mark every tool result as an error.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"DreamingOptions.{setting} is {value}; it must be between {min:N0} and {max:N0}."));
        }
    }
}
