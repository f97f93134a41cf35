using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class OutcomeRunnerTests
{
    [Fact]
    public async Task An_escalation_handler_that_throws_fails_the_loop_and_still_records_the_session()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var run = await Runner(host).RunAsync(Request(
            _ => "no number",
            (_, _) => throw new InvalidOperationException("the pager is down")) with { MaxIterations = 1 });

        Assert.Equal(OutcomeResult.Failed, run.Result);
        Assert.Contains("the pager is down", run.Error, StringComparison.Ordinal);
        Assert.Equal(1, run.Iterations);
        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal(SessionStatus.Failed, session!.Status);
        Assert.Equal("failed", session.Outcome!.Label);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Work_that_cannot_pass_because_criteria_were_skipped_fails_at_once_instead_of_revising_in_vain(bool required)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        // No grader: the judged criterion is skipped whatever the work, so a required one (or one that is all the score)
        // can never be met, and revising cannot change that.
        var builder = new RubricBuilder("polite", "Polite").Judged("Apologises once", required: required);
        var rubric = (required ? builder.Contains("Names the order", "#W123") : builder).Build();
        var calls = 0;

        var run = await new OutcomeRunner(host.Sessions, new RubricEvaluator()).RunAsync(Request(_ => "Sorry about order #W123 " + Interlocked.Increment(ref calls)) with { Rubric = rubric, MaxIterations = 3 });

        Assert.Equal(OutcomeResult.Failed, run.Result);
        Assert.Equal(1, calls);
        Assert.Contains("skipped", run.Error, StringComparison.Ordinal);
        Assert.Contains(RubricEvaluator.NoGraderReason, run.Error, StringComparison.Ordinal);
        var ended = (await host.Store.GetEventsAsync(run.SessionId)).OfType<OutcomeEvaluationEndedEvent>().Single();
        Assert.Equal("failed", ended.Result);
        Assert.Equal(run.Error, ended.Error);
    }

    [Fact]
    public async Task Grader_errors_fail_the_loop_and_never_pass()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var evaluator = new DelegateEvaluator((rubric, _) => new RubricEvaluation
        {
            Rubric = rubric,
            Criteria = [new CriterionResult { Criterion = rubric.Criteria[0], Verdict = CriterionVerdict.Error, Reason = "grader returned prose" }],
            Score = 0,
            Passed = false,
        });
        var run = await new OutcomeRunner(host.Sessions, evaluator).RunAsync(Request(_ => "anything"));

        Assert.Equal(OutcomeResult.Failed, run.Result);
        Assert.Equal(1, run.Iterations);
        Assert.Equal(SessionStatus.Failed, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
    }

    [Fact]
    public async Task A_rubric_that_cannot_be_applied_or_an_agent_that_throws_fails_with_the_reason()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var broken = new DelegateEvaluator((_, _) => throw new RubricException("criterion 'x' has a negative weight"));
        var run = await new OutcomeRunner(host.Sessions, broken).RunAsync(Request(_ => "anything"));
        Assert.Equal(OutcomeResult.Failed, run.Result);
        Assert.Contains("negative weight", run.Error, StringComparison.Ordinal);

        var throwing = await Runner(host).RunAsync(Request(_ => throw new InvalidOperationException("model unavailable")));
        Assert.Equal(OutcomeResult.Failed, throwing.Result);
        Assert.Contains("model unavailable", throwing.Error, StringComparison.Ordinal);
        var ended = (await host.Store.GetEventsAsync(throwing.SessionId)).OfType<OutcomeEvaluationEndedEvent>().Single();
        Assert.Equal("failed", ended.Result);
    }

    [Fact]
    public async Task Escalation_guidance_continues_the_loop_and_giving_up_blocks_the_session()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var guided = await Runner(host).RunAsync(Request(
            attempt => attempt.Guidance is null ? "no number" : "order #W123",
            (escalation, _) => Task.FromResult(EscalationDecision.Continue("Quote the order number #W123."))) with { MaxIterations = 2 });
        Assert.Equal(OutcomeResult.Satisfied, guided.Result);
        Assert.Equal(3, guided.Iterations);

        OutcomeEscalation? asked = null;
        var blocked = await Runner(host).RunAsync(Request(
            _ => "no number",
            (escalation, _) =>
            {
                asked = escalation;
                return Task.FromResult(EscalationDecision.GiveUp("needs a person"));
            }) with { MaxIterations = 2 });
        Assert.True(blocked.Blocked);
        Assert.Equal(OutcomeResult.MaxIterationsReached, blocked.Result);
        Assert.Equal(2, asked!.Iterations);
        Assert.Equal(SessionStatus.Blocked, (await host.Store.GetSessionAsync(blocked.SessionId))!.Status);
    }

    [Fact]
    public async Task A_failed_iteration_also_asks_the_escalation_handler()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var broken = true;
        var evaluator = new DelegateEvaluator((rubric, artifact) => broken
            ? new RubricEvaluation { Rubric = rubric, Criteria = [new CriterionResult { Criterion = rubric.Criteria[0], Verdict = CriterionVerdict.Error, Reason = "grader down" }], Score = 0, Passed = false }
            : new RubricEvaluation { Rubric = rubric, Criteria = [new CriterionResult { Criterion = rubric.Criteria[0], Verdict = CriterionVerdict.Met }], Score = 1, Passed = true });
        OutcomeEscalation? asked = null;

        var run = await new OutcomeRunner(host.Sessions, evaluator).RunAsync(Request(_ => "order #W123", (escalation, _) =>
        {
            asked = escalation;
            broken = false;
            return Task.FromResult(EscalationDecision.Continue("The grader is back; try again."));
        }));

        Assert.Equal(OutcomeResult.Failed, asked!.Result);
        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        Assert.Equal(2, run.Iterations);
        Assert.Null(run.Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(21)]
    public async Task Max_iterations_out_of_range_is_rejected_naming_the_setting(int iterations)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Runner(host).RunAsync(Request(_ => "x") with { MaxIterations = iterations }));
        Assert.Contains("OutcomeRequest.MaxIterations", ex.Message, StringComparison.Ordinal);
    }

    // Built in code: an attribute's string argument is stored as UTF-8, which would replace the half character.
    [Fact]
    public async Task An_agent_id_with_an_unpaired_surrogate_is_rejected_naming_the_request_setting()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Runner(host).RunAsync(Request(_ => "x") with { AgentId = "writer\uD800" }));
        Assert.Equal("request", ex.ParamName);
        Assert.StartsWith("OutcomeRequest.AgentId has an unpaired surrogate (half a character, U+D800) at index 6", ex.Message, StringComparison.Ordinal);
        Assert.Empty((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
    }
}
