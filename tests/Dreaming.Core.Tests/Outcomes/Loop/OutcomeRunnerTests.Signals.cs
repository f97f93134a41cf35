namespace Dreaming.Tests;

// The agent's own signals: it asks for help (AgentNeedsHelpException) or reports itself blocked (AgentBlockedException).
public partial class OutcomeRunnerTests
{
    [Fact]
    public async Task An_agent_asking_for_help_gets_the_handlers_guidance_in_its_next_attempt()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var asked = new List<OutcomeEscalation>();
        var guidanceSeen = new List<string?>();
        var run = await Runner(host).RunAsync(Request(
            attempt =>
            {
                guidanceSeen.Add(attempt.Guidance);
                return attempt.Guidance is null ? throw new AgentNeedsHelpException("Which order is it?") : $"Refunded {attempt.Guidance}.";
            },
            (escalation, _) =>
            {
                asked.Add(escalation);
                return Task.FromResult(EscalationDecision.Continue("order #W123"));
            }));

        var escalation = Assert.Single(asked);
        Assert.True(escalation.IsHelpRequest);
        Assert.Equal("Which order is it?", escalation.Question);
        Assert.Equal(OutcomeResult.NeedsRevision, escalation.Result);
        Assert.Equal(1, escalation.Iterations);
        Assert.Null(escalation.LastArtifact);
        Assert.Equal([null, "order #W123"], guidanceSeen);
        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        Assert.False(run.Blocked);
        Assert.Null(run.Error);
        Assert.Equal(2, run.Iterations);
        Assert.Single(run.Evaluations);

        var events = await host.Store.GetEventsAsync(run.SessionId);
        Assert.Equal("outcome.help_requested (iteration 1): Which order is it?", events.OfType<NoteEvent>().First().Text);
        var ended = Assert.Single(events.OfType<OutcomeEvaluationEndedEvent>());
        Assert.Equal(2, ended.Iteration);
        Assert.Equal(SessionStatus.Completed, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
    }

    [Fact]
    public async Task An_agent_asking_for_help_with_no_handler_ends_the_loop_blocked_naming_the_question()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var calls = 0;
        var run = await Runner(host).RunAsync(Request(_ =>
        {
            calls++;
            throw new AgentNeedsHelpException("Which order is it?");
        }));

        Assert.Equal(1, calls);
        Assert.True(run.Blocked);
        Assert.Equal(OutcomeResult.Failed, run.Result);
        Assert.Equal("the agent asked for help and no escalation handler is set: Which order is it?", run.Error);
        Assert.Equal(1, run.Iterations);
        Assert.Empty(run.Evaluations);
        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal(SessionStatus.Blocked, session!.Status);
        Assert.Equal("failed", session.Outcome!.Label);
        var events = await host.Store.GetEventsAsync(run.SessionId);
        Assert.Empty(events.OfType<OutcomeEvaluationStartedEvent>());
        Assert.Empty(events.OfType<OutcomeEvaluationEndedEvent>());
        Assert.Equal(2, events.OfType<NoteEvent>().Count());
    }

    [Fact]
    public async Task A_handler_giving_up_on_a_help_request_blocks_the_loop_with_its_reason_and_the_question()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var run = await Runner(host).RunAsync(Request(
            _ => throw new AgentNeedsHelpException("Which order is it?"),
            (_, _) => Task.FromResult(EscalationDecision.GiveUp("no one on call"))));

        Assert.True(run.Blocked);
        Assert.Equal(OutcomeResult.Failed, run.Result);
        Assert.Equal("the agent asked for help and the escalation handler gave up (no one on call): Which order is it?", run.Error);
        Assert.Equal(SessionStatus.Blocked, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
    }

    [Fact]
    public async Task Help_requests_use_up_the_escalations_and_then_block_so_the_loop_stays_bounded()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var asked = 0;
        var calls = 0;
        var run = await Runner(host).RunAsync(Request(
            attempt =>
            {
                calls++;
                throw new AgentNeedsHelpException($"Still stuck after '{attempt.Guidance}'?");
            },
            (_, _) =>
            {
                asked++;
                return Task.FromResult(EscalationDecision.Continue("try harder"));
            }) with { MaxIterations = 3, MaxEscalations = 2 }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, asked);
        Assert.Equal(3, calls);
        Assert.Equal(3, run.Iterations);
        Assert.True(run.Blocked);
        Assert.Equal(OutcomeResult.Failed, run.Result);
        Assert.Equal("the agent asked for help and no escalation is left: Still stuck after 'try harder'?", run.Error);
        // Three questions and the two answers, each guidance after the question it answers, then why the third had none.
        Assert.Equal(
            ["outcome.help_requested (iteration 1): Still stuck after ''?", "outcome.guidance (after iteration 1): try harder",
             "outcome.help_requested (iteration 2): Still stuck after 'try harder'?", "outcome.guidance (after iteration 2): try harder",
             "outcome.help_requested (iteration 3): Still stuck after 'try harder'?", "outcome.help_unanswered (after iteration 3): no escalation is left"],
            (await host.Store.GetEventsAsync(run.SessionId)).OfType<NoteEvent>().Select(n => n.Text));
    }

    [Fact]
    public async Task An_agent_reporting_itself_blocked_ends_the_loop_at_once_without_grading_or_asking_the_handler()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var calls = 0;
        var graded = 0;
        var handlerAsked = false;
        var evaluator = new DelegateEvaluator((rubric, artifact) =>
        {
            graded++;
            return new RubricEvaluation { Rubric = rubric, Criteria = [new CriterionResult { Criterion = rubric.Criteria[0], Verdict = CriterionVerdict.NotMet }], Score = 0, Passed = false };
        });

        var run = await new OutcomeRunner(host.Sessions, evaluator).RunAsync(Request(
            _ => ++calls == 1 ? "no number" : throw new AgentBlockedException("the order system is down"),
            (_, _) =>
            {
                handlerAsked = true;
                return Task.FromResult(EscalationDecision.Continue("go on"));
            }) with { MaxIterations = 5 });

        Assert.Equal(2, calls);
        Assert.Equal(1, graded);
        Assert.False(handlerAsked);
        Assert.True(run.Blocked);
        Assert.Equal(OutcomeResult.Failed, run.Result);
        Assert.Equal("the order system is down", run.Error);
        Assert.Equal(2, run.Iterations);
        Assert.Equal("no number", run.FinalArtifact);
        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal(SessionStatus.Blocked, session!.Status);
        Assert.Equal("failed", session.Outcome!.Label);
        Assert.Equal(0.0, session.Outcome.Score);
        var events = await host.Store.GetEventsAsync(run.SessionId);
        Assert.Equal("outcome.blocked (iteration 2): the order system is down", Assert.Single(events.OfType<NoteEvent>()).Text);
        Assert.Equal(["needs_revision"], events.OfType<OutcomeEvaluationEndedEvent>().Select(e => e.Result));
    }

    [Fact]
    public async Task Cancellation_while_the_handler_answers_a_help_request_ends_the_loop_interrupted()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var called = new TaskCompletionSource<OutcomeEscalation>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var running = Runner(host).RunAsync(
            Request(_ => throw new AgentNeedsHelpException("Which order is it?"), (escalation, _) =>
            {
                called.TrySetResult(escalation);
                return new TaskCompletionSource<EscalationDecision>().Task;
            }),
            cts.Token);
        Assert.Equal("Which order is it?", (await called.Task.WaitAsync(TimeSpan.FromSeconds(30))).Question);

        await cts.CancelAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OutcomeResult.Interrupted, run.Result);
        Assert.False(run.Blocked);
        Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
    }

    [Fact]
    public async Task The_same_block_in_several_loops_is_mined_from_their_notes_as_one_dead_end()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        for (var i = 0; i < 3; i++)
        {
            var order = 1000 + i;
            await Runner(host).RunAsync(Request(_ => throw new AgentBlockedException($"the order system is down for order {order}")));
            await Runner(host).RunAsync(Request(_ => "order #W123"));
        }

        var report = await new FindingMiner().MineAsync(host.Store.StreamSessionsAsync(new SessionQuery { AgentId = "writer" }));

        var stuck = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.AgentStuck);
        Assert.Equal(FindingKinds.AgentStuck, stuck.Kind);
        Assert.Equal("blocked: the order system is down for order <num>", stuck.Signature);
        Assert.Equal((3, 3), (stuck.Sessions, stuck.FailedSessions));
    }

    [Fact]
    public void The_signals_refuse_a_blank_question_or_reason_naming_the_parameter()
    {
        Assert.Equal("question", Assert.ThrowsAny<ArgumentException>(() => new AgentNeedsHelpException(" ")).ParamName);
        Assert.Equal("reason", Assert.ThrowsAny<ArgumentException>(() => new AgentBlockedException("")).ParamName);
        Assert.Equal("Which order?", new AgentNeedsHelpException("Which order?").Message);
        Assert.Equal("The agent is blocked.", new AgentBlockedException().Reason);
    }
}
