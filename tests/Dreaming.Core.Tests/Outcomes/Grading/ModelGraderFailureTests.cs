using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests.Outcomes.Grading;

public class ModelGraderFailureTests
{
    private static readonly RubricCriterion[] s_criteria = [Model("c1", "Mentions the order number"), Model("c2", "Apologises once")];

    private static readonly ModelGraderOptions s_noCallRetries = new() { CallRetries = 0 };

    [Fact]
    public async Task A_grader_that_throws_gives_errors_with_the_message_without_a_retry()
    {
        var grader = new ScriptedGrader((_, _) => throw new HttpRequestException("connection refused"));

        var grade = await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        Assert.Equal(1, grader.CallCount);
        Assert.All(grade.Criteria, c => Assert.Equal(CriterionVerdict.Error, c.Verdict));
        Assert.All(grade.Criteria, c => Assert.Contains("connection refused", c.Reason, StringComparison.Ordinal));
        Assert.Equal(0, grade.Usage.ModelCalls);
    }

    [Fact]
    public async Task A_call_that_fails_transiently_is_made_again_after_a_jittered_wait_on_the_graders_clock()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var grader = new ScriptedGrader((n, _) => n < 2
            ? throw new HttpRequestException("429 Too Many Requests")
            : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, ScriptedGrader.Reply(("c1", "met"), ("c2", "not_met"))))));

        var grading = new ModelGrader(grader.Client, new ModelGraderOptions { RetryDelay = TimeSpan.FromSeconds(10) }, timeProvider: time).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");
        await WaitForCallsAsync(grader, 1);
        await Task.Delay(200);
        Assert.Equal(1, grader.CallCount); // the wait is on the grader's clock, which has not moved

        // Polly's exponential backoff with jitter waits between 0 and about 1.38 x RetryDelay before the first retry
        // (its decorrelated jitter; anywhere in that range, so no lower bound is asserted) and at most about 2.8 x before
        // the second; the clock moves a second at a time, so a timer armed after a step is still reached.
        Assert.InRange(await AdvanceUntilCallsAsync(time, grader, 2), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
        Assert.InRange(await AdvanceUntilCallsAsync(time, grader, 3), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        var grade = await grading.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, grader.CallCount);
        Assert.Equal([CriterionVerdict.Met, CriterionVerdict.NotMet], grade.Criteria.Select(c => c.Verdict));
    }

    private static async Task<TimeSpan> AdvanceUntilCallsAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider time, ScriptedGrader grader, int calls)
    {
        var advanced = TimeSpan.Zero;
        while (grader.CallCount < calls && advanced < TimeSpan.FromSeconds(60))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            for (var i = 0; i < 20 && grader.CallCount < calls; i++)
            {
                await Task.Delay(5);
            }
        }

        await WaitForCallsAsync(grader, calls);
        return advanced;
    }

    [Fact]
    public async Task A_call_that_keeps_failing_is_an_error_after_its_retries()
    {
        var grader = new ScriptedGrader((_, _) => throw new HttpRequestException("503 Service Unavailable"));

        var grade = await new ModelGrader(grader.Client, new ModelGraderOptions { CallRetries = 2, RetryDelay = TimeSpan.Zero }).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        Assert.Equal(3, grader.CallCount);
        Assert.All(grade.Criteria, c => Assert.Equal(CriterionVerdict.Error, c.Verdict));
        Assert.All(grade.Criteria, c => Assert.Contains("503 Service Unavailable", c.Reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("CallRetries", -1, 1.0, 1)]
    [InlineData("CallRetries", 11, 1.0, 1)]
    [InlineData("RetryDelay", 2, -1.0, 1)]
    [InlineData("RetryDelay", 2, 301.0, 1)]
    [InlineData("Samples", 2, 1.0, 2)]
    public void Invalid_options_are_refused_when_the_grader_is_registered_naming_them(string option, int retries, double delaySeconds, int samples)
    {
        var builder = new ServiceCollection().AddDreamingAgents();

        var ex = Assert.Throws<ArgumentException>(() => builder.AddGrader(new ScriptedGrader("x").Client, o =>
        {
            o.CallRetries = retries;
            o.RetryDelay = TimeSpan.FromSeconds(delaySeconds);
            o.Samples = samples;
        }));

        Assert.Contains("ModelGraderOptions." + option, ex.Message, StringComparison.Ordinal);
    }

    private static async Task WaitForCallsAsync(ScriptedGrader grader, int calls)
    {
        for (var i = 0; i < 500 && grader.CallCount < calls; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(calls, grader.CallCount);
    }

    [Fact]
    public async Task Work_longer_than_the_limit_is_not_sent_and_gets_errors_naming_the_limit()
    {
        var grader = new ScriptedGrader(ScriptedGrader.Reply(("c1", "met"), ("c2", "met")));
        var artifact = new string('x', 5_000_001);

        var grade = await new ModelGrader(grader.Client).GradeAsync(Rubric(s_criteria), s_criteria, artifact);

        Assert.Equal(0, grader.CallCount);
        Assert.All(grade.Criteria, c => Assert.Equal(CriterionVerdict.Error, c.Verdict));
        Assert.All(grade.Criteria, c => Assert.Contains("MaxArtifactLength", c.Reason, StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new ModelGrader(grader.Client, new ModelGraderOptions { MaxArtifactLength = 0 }));
    }

    [Fact]
    public async Task A_failing_retry_keeps_the_answers_of_the_first_reply()
    {
        var grader = new ScriptedGrader((n, _) => n == 0
            ? Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, ScriptedGrader.Reply(("c1", "met")))))
            : throw new InvalidOperationException("overloaded"));

        var grade = await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        Assert.Equal(CriterionVerdict.Met, grade.Criteria[0].Verdict);
        Assert.Equal(CriterionVerdict.Error, grade.Criteria[1].Verdict);
        Assert.Contains("overloaded", grade.Criteria[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_grader_that_times_out_gives_errors_naming_the_timeout()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var grader = new ScriptedGrader(async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        });
        var options = new ModelGraderOptions { Timeout = TimeSpan.FromSeconds(5), CallRetries = 0 };

        var grading = new ModelGrader(grader.Client, options, timeProvider: time).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");
        Assert.False(grading.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(6));
        var grade = await grading.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, grader.CallCount);
        Assert.All(grade.Criteria, c => Assert.Equal("grader error: no answer within 5 s", c.Reason));
        Assert.All(grade.Criteria, c => Assert.Equal(CriterionVerdict.Error, c.Verdict));
    }

    [Fact]
    public async Task The_timeout_holds_even_for_a_client_that_ignores_its_token()
    {
        var grader = new ScriptedGrader((_, _) => new TaskCompletionSource<ChatResponse>().Task);
        var options = new ModelGraderOptions { Timeout = TimeSpan.FromMilliseconds(50), CallRetries = 0 };

        var grade = await new ModelGrader(grader.Client, options).GradeAsync(Rubric(s_criteria), s_criteria, "artifact").WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(grade.Criteria, c => Assert.Equal(CriterionVerdict.Error, c.Verdict));
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_thrown_not_recorded_as_an_error()
    {
        using var cts = new CancellationTokenSource();
        var grader = new ScriptedGrader(async (_, cancellationToken) =>
        {
            await cts.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new ModelGrader(grader.Client).GradeAsync(Rubric(s_criteria), s_criteria, "artifact", cancellationToken: cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new RubricEvaluator(new ModelGrader(grader.Client)).EvaluateAsync(Rubric(s_criteria), "artifact", cancellationToken: cts.Token));
    }

    [Fact]
    public async Task A_cancellation_the_client_reports_as_a_transport_error_is_still_a_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var grader = new ScriptedGrader((_, _) =>
        {
            cts.Cancel();
            throw new HttpRequestException("The connection was aborted.");
        });

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new ModelGrader(grader.Client).GradeAsync(Rubric(s_criteria), s_criteria, "artifact", cancellationToken: cts.Token));

        Assert.IsType<HttpRequestException>(ex.InnerException);
    }

    [Theory]
    [InlineData("Samples", 2, null, null, null)]
    [InlineData("Samples", 0, null, null, null)]
    [InlineData("Samples", 11, null, null, null)]
    [InlineData("Timeout", 1, 0.0, null, null)]
    [InlineData("Timeout", 1, -1.0, null, null)]
    [InlineData("Temperature", 1, null, 2.5f, null)]
    [InlineData("Temperature", 1, null, float.NaN, null)]
    [InlineData("ModelId", 1, null, null, " ")]
    public void Invalid_options_are_refused_with_a_message_naming_them(string option, int samples, double? timeoutSeconds, float? temperature, string? modelId)
    {
        var options = new ModelGraderOptions { Samples = samples, Temperature = temperature, ModelId = modelId };
        if (timeoutSeconds is { } seconds)
        {
            options.Timeout = TimeSpan.FromSeconds(seconds);
        }

        var ex = Assert.Throws<ArgumentException>(() => new ModelGrader(new ScriptedGrader("x").Client, options));
        Assert.Contains("ModelGraderOptions." + option, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_options_are_accepted()
    {
        _ = new ModelGrader(new ScriptedGrader("x").Client, new ModelGraderOptions { Samples = 9, Timeout = Timeout.InfiniteTimeSpan, Temperature = 0 });
        Assert.Equal(1, ModelGraderOptions.MaxRetries);
    }
}
