using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Dreaming;

/// <summary>The Polly v8 pipeline every attempt of an item runs through: a retry (exceptions and timeouts; never a
/// used-up item budget, a stop or a cancellation) around a timeout read from the attempt's context.</summary>
internal static class ItemPipeline
{
    /// <summary>The context property that holds the attempt's timeout.</summary>
    public static readonly ResiliencePropertyKey<TimeSpan> TimeoutKey = new("dreaming.orchestration.item_timeout");

    public static ResiliencePipeline Build(OrchestratorOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.ItemRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.ItemRetries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex
                    && ex is not ItemBudgetExceededException
                    && !args.Context.CancellationToken.IsCancellationRequested),
            });
        }

        return builder
            .AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = static args => ValueTask.FromResult(args.Context.Properties.GetValue(TimeoutKey, Timeout.InfiniteTimeSpan)) })
            .Build();
    }
}
