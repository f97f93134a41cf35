using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Dreaming;

/// <summary>The Polly v8 pipeline every attempt of an item runs through: a retry (exceptions and timeouts; never a
/// used-up item budget, an agent that reported itself blocked or asked for help, a stop or a cancellation) around a
/// timeout read from the attempt's context.</summary>
internal static class ItemPipeline
{
    /// <summary>The context property that holds the attempt's timeout.</summary>
    public static readonly ResiliencePropertyKey<TimeSpan> TimeoutKey = new("dreaming.orchestration.item_timeout");

    /// <summary>The context property that holds the run, whose retries wait for a place under its concurrency limit.</summary>
    public static readonly ResiliencePropertyKey<PlanExecution> ExecutionKey = new("dreaming.orchestration.execution");

    /// <summary>Returns whether an attempt that threw <paramref name="exception"/> is never tried again, whatever
    /// <see cref="OrchestratorOptions.ItemRetries"/> says: a used-up item budget, or an agent that reported itself blocked
    /// or asked for help (no one in a run can answer it, and trying again would only ask again).</summary>
    public static bool NeverRetried(Exception exception) =>
        exception is ItemBudgetExceededException or AgentBlockedException or AgentNeedsHelpException;

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
                    && !NeverRetried(ex)
                    && !args.Context.CancellationToken.IsCancellationRequested),
                // Before the retry's delay and outside its timeout: while an abandoned attempt's agent call still runs,
                // the retry waits for a place under the concurrency limit (at most until that call is written off, or
                // the run stops), and then gets its whole timeout.
                OnRetry = static args => args.Context.Properties.TryGetValue(ExecutionKey, out var execution)
                    ? execution.WaitForPlaceAsync(args.Context.CancellationToken)
                    : default,
            });
        }

        return builder
            .AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = static args => ValueTask.FromResult(args.Context.Properties.GetValue(TimeoutKey, Timeout.InfiniteTimeSpan)) })
            .Build();
    }
}
