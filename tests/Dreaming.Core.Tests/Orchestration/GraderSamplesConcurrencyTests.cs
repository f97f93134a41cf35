using Dreaming.Tests.Outcomes.Grading;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>MaxConcurrency counts items, not model calls: a grader with Samples = 3 makes its three calls at once even
/// with one item at a time; a concurrency limit in the grader's client (as orchestration.md shows) bounds the calls.
/// Each call is held until all three have arrived at the grader's client (counted outside the limiter), so that without
/// the limiter all three are in flight at once, with no timing involved.</summary>
public sealed class GraderSamplesConcurrencyTests
{
    private static readonly Rubric s_rubric = GradingFixtures.Rubric(GradingFixtures.Model("c1"));

    [Fact]
    public async Task One_item_at_a_time_still_makes_every_sample_call_at_once()
    {
        var calls = new ConcurrentCalls(waitFor: 3);
        var most = await RunAsync(calls, limit: null);
        Assert.Equal(3, most);
    }

    [Fact]
    public async Task A_concurrency_limit_in_the_graders_client_bounds_the_calls()
    {
        var calls = new ConcurrentCalls(waitFor: 3);
        var most = await RunAsync(calls, limit: 1);
        Assert.Equal(1, most);
        Assert.Equal(3, calls.Total);
    }

    private static async Task<int> RunAsync(ConcurrentCalls calls, int? limit)
    {
        var passed = ScriptedGrader.Reply(("c1", "met"));
        var grader = new ScriptedGrader(async (_, ct) =>
        {
            await calls.EnterAsync(ct);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, passed));
        });
        IChatClient limited = limit is { } n ? new ConcurrencyLimitingChatClient(grader.Client, n) : grader.Client;
        IChatClient client = new ArrivalCountingChatClient(limited, calls);
        await using var host = OrchestrationHarness.Create(
            o => o.ItemRetries = 0,
            services: s => s.AddSingleton(new ModelGrader(client, new ModelGraderOptions { Samples = 3, CallRetries = 0 })));
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("the work")));

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a") with { Rubric = s_rubric }), agent).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        return calls.Most;
    }

    /// <summary>Counts the calls in flight behind the limiter; each waits until <c>waitFor</c> calls have arrived at the
    /// grader's client, in front of the limiter (bounded by 30 s, so that a grader that made its calls one at a time cannot
    /// hang the test: the count then shows it).</summary>
    private sealed class ConcurrentCalls(int waitFor)
    {
        private readonly TaskCompletionSource _enough = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;
        private int _inFlight;
        private int _most;
        private int _total;

        public int Most => Volatile.Read(ref _most);

        public int Total => Volatile.Read(ref _total);

        public void Arrive()
        {
            if (Interlocked.Increment(ref _arrived) >= waitFor)
            {
                _enough.TrySetResult();
            }
        }

        public async Task EnterAsync(CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            Interlocked.Increment(ref _total);
            int seen;
            while (now > (seen = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, seen) != seen)
            {
            }

            try
            {
                await _enough.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    /// <summary>Counts each call as it arrives, before any limiter.</summary>
    private sealed class ArrivalCountingChatClient(IChatClient inner, ConcurrentCalls calls) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            calls.Arrive();
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }

    /// <summary>The limiter orchestration.md shows: at most <c>limit</c> calls through the client at once.</summary>
    private sealed class ConcurrencyLimitingChatClient(IChatClient inner, int limit) : DelegatingChatClient(inner)
    {
        private readonly SemaphoreSlim _slots = new(limit, limit);

        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _slots.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
