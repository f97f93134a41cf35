using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class OutcomeRunnerTests
{
    [Fact]
    public async Task Cancellation_reports_interrupted_and_still_records_the_session()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        using var cts = new CancellationTokenSource();
        var run = await Runner(host).RunAsync(
            new OutcomeRequest
            {
                AgentId = "writer",
                Task = "Summarise",
                Rubric = s_rubric,
                Agent = async (attempt, ct) =>
                {
                    if (attempt.Iteration == 2)
                    {
                        await cts.CancelAsync();
                        await Task.Delay(Timeout.Infinite, ct);
                    }

                    return "nothing useful";
                },
            },
            cts.Token);

        Assert.Equal(OutcomeResult.Interrupted, run.Result);
        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal(SessionStatus.Abandoned, session!.Status);
        Assert.Equal("interrupted", session.Outcome!.Label);
        Assert.Single(run.Evaluations);
    }

    [Fact]
    public async Task Cancellation_does_not_wait_for_a_grader_that_ignores_its_token()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var grader = new HangingEvaluator();
        using var cts = new CancellationTokenSource();
        var running = new OutcomeRunner(host.Sessions, grader).RunAsync(Request(_ => "the work"), cts.Token);
        await grader.Called.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();
        // The grader never completes: only a loop that stops waiting for it returns (the guard fails the test otherwise).
        var run = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(OutcomeResult.Interrupted, run.Result);
        Assert.Empty(run.Evaluations);
        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal(SessionStatus.Abandoned, session!.Status);
        Assert.Equal("interrupted", session.Outcome!.Label);
        Assert.Empty((await host.Store.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running })).Items);
    }

    [Fact]
    public async Task Cancellation_during_grading_ends_the_started_evaluation_as_interrupted()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var grader = new HangingEvaluator();
        using var cts = new CancellationTokenSource();
        var running = new OutcomeRunner(host.Sessions, grader).RunAsync(Request(_ => "the work"), cts.Token);
        await grader.Called.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(10));

        // As on the hosted platform: an interrupt after evaluation_start ends that evaluation "interrupted", so a
        // started evaluation is never left without its end.
        var events = (await host.Store.GetEventsAsync(run.SessionId)).Where(e => e is OutcomeEvaluationStartedEvent or OutcomeEvaluationEndedEvent).ToList();
        Assert.Equal(2, events.Count);
        Assert.IsType<OutcomeEvaluationStartedEvent>(events[0]);
        var ended = Assert.IsType<OutcomeEvaluationEndedEvent>(events[1]);
        Assert.Equal("interrupted", ended.Result);
        Assert.Equal(1, ended.Iteration);
    }

    [Fact]
    public async Task Cancellation_does_not_wait_for_an_agent_that_ignores_its_token()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var running = Runner(host).RunAsync(
            Request(_ => "unused") with
            {
                Agent = (_, _) =>
                {
                    called.TrySetResult();
                    return new TaskCompletionSource<string>().Task;
                },
            },
            cts.Token);
        await called.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(OutcomeResult.Interrupted, run.Result);
        Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
    }

    [Fact]
    public async Task Cancellation_does_not_wait_for_an_escalation_handler_that_ignores_its_token()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var running = Runner(host).RunAsync(
            Request(_ => "no number", (_, _) =>
            {
                called.TrySetResult();
                return new TaskCompletionSource<EscalationDecision>().Task;
            }) with { MaxIterations = 1 },
            cts.Token);
        await called.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(OutcomeResult.Interrupted, run.Result);
        Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
    }
}
