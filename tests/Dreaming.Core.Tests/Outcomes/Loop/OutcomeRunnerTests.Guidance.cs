using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Dreaming.Tests;

// What the escalation handler decided is in the session's record, as the agent's question is: a reader of the session (and
// a dream) sees why the agent changed course, or why the loop stopped.
public partial class OutcomeRunnerTests
{
    [Fact]
    public async Task Guidance_after_an_unsatisfied_loop_is_recorded_as_a_note_between_the_iterations_redacted_and_size_limited()
    {
        const string Key = "sk-abcdefghijklmnopqrstuvwxyz123456";
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.MaxContentLength = 1000);
        var guidance = $"Quote the order number #W123 (key {Key}). " + new string('x', 5000);
        var run = await Runner(host).RunAsync(Request(
            attempt => attempt.Guidance is null ? "no number" : "order #W123",
            (_, _) => Task.FromResult(EscalationDecision.Continue(guidance))) with { MaxIterations = 2 });

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        Assert.Equal(3, run.Iterations);
        var events = await host.Store.GetEventsAsync(run.SessionId);
        var note = Assert.Single(events.OfType<NoteEvent>());
        Assert.StartsWith("outcome.guidance (after iteration 2): Quote the order number #W123 (key [REDACTED:api-key]). xxx", note.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, note.Text, StringComparison.Ordinal);
        Assert.Contains("...[truncated: original length", note.Text, StringComparison.Ordinal);
        Assert.True(note.Text.Length < 1100, $"the note is {note.Text.Length} characters");

        // Between the second iteration's end and the third's start: the guided attempt follows it.
        var order = events.Where(e => e is NoteEvent or OutcomeEvaluationEndedEvent).Select(e => e is OutcomeEvaluationEndedEvent ended ? ended.Result : "note").ToList();
        Assert.Equal(["needs_revision", "max_iterations_reached", "note", "satisfied"], order);
    }

    [Fact]
    public async Task Guidance_answering_a_help_request_is_recorded_after_the_question()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var run = await Runner(host).RunAsync(Request(
            attempt => attempt.Guidance is null ? throw new AgentNeedsHelpException("Which order is it?") : $"Refunded {attempt.Guidance}.",
            (_, _) => Task.FromResult(EscalationDecision.Continue("order #W123"))));

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        var notes = (await host.Store.GetEventsAsync(run.SessionId)).OfType<NoteEvent>().Select(n => n.Text);
        Assert.Equal(["outcome.help_requested (iteration 1): Which order is it?", "outcome.guidance (after iteration 1): order #W123"], notes);
    }

    [Fact]
    public async Task A_handlers_give_up_is_recorded_with_its_reason_after_an_unsatisfied_loop_and_after_a_help_request()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var unsatisfied = await Runner(host).RunAsync(Request(
            _ => "no number",
            (_, _) => Task.FromResult(EscalationDecision.GiveUp("needs a person"))) with { MaxIterations = 2 });
        var helpless = await Runner(host).RunAsync(Request(
            _ => throw new AgentNeedsHelpException("Which order is it?"),
            (_, _) => Task.FromResult(EscalationDecision.GiveUp())));

        Assert.True(unsatisfied.Blocked);
        Assert.Equal(
            ["outcome.gave_up (after iteration 2): needs a person"],
            (await host.Store.GetEventsAsync(unsatisfied.SessionId)).OfType<NoteEvent>().Select(n => n.Text));
        Assert.True(helpless.Blocked);
        Assert.Equal(
            ["outcome.help_requested (iteration 1): Which order is it?", "outcome.gave_up (after iteration 1): gave up"],
            (await host.Store.GetEventsAsync(helpless.SessionId)).OfType<NoteEvent>().Select(n => n.Text));
    }

    [Fact]
    public async Task A_help_request_no_handler_answered_is_followed_by_a_note_saying_why()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var noHandler = await Runner(host).RunAsync(Request(_ => throw new AgentNeedsHelpException("Which order is it?")));
        var noneLeft = await Runner(host).RunAsync(Request(
            _ => throw new AgentNeedsHelpException("Which order is it?"),
            (_, _) => Task.FromResult(EscalationDecision.Continue("go on"))) with { MaxEscalations = 0 });

        Assert.True(noHandler.Blocked);
        Assert.Equal(
            ["outcome.help_requested (iteration 1): Which order is it?", "outcome.help_unanswered (after iteration 1): no escalation handler is set"],
            (await host.Store.GetEventsAsync(noHandler.SessionId)).OfType<NoteEvent>().Select(n => n.Text));
        Assert.True(noneLeft.Blocked);
        Assert.Equal(
            ["outcome.help_requested (iteration 1): Which order is it?", "outcome.help_unanswered (after iteration 1): no escalation is left"],
            (await host.Store.GetEventsAsync(noneLeft.SessionId)).OfType<NoteEvent>().Select(n => n.Text));
    }

    [Fact]
    public async Task A_handler_that_throws_leaves_a_note_with_its_error_redacted_and_size_limited_after_a_help_request_and_after_an_unsatisfied_loop()
    {
        const string Key = "sk-abcdefghijklmnopqrstuvwxyz123456";
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.MaxContentLength = 1000);
        var message = $"the pager rejected key {Key}. " + new string('x', 5000);
        var helpless = await Runner(host).RunAsync(Request(
            _ => throw new AgentNeedsHelpException("Which order is it?"),
            (_, _) => throw new InvalidOperationException(message)));
        var unsatisfied = await Runner(host).RunAsync(Request(
            _ => "no number",
            (_, _) => Task.FromResult<EscalationDecision>(null!)) with { MaxIterations = 2 });

        Assert.Equal(OutcomeResult.Failed, helpless.Result);
        Assert.StartsWith("the escalation handler failed: the pager rejected key", helpless.Error, StringComparison.Ordinal);
        var notes = (await host.Store.GetEventsAsync(helpless.SessionId)).OfType<NoteEvent>().Select(n => n.Text).ToList();
        Assert.Equal(2, notes.Count);
        Assert.Equal("outcome.help_requested (iteration 1): Which order is it?", notes[0]);
        Assert.StartsWith("outcome.escalation_failed (after iteration 1): the pager rejected key [REDACTED:api-key]. xxx", notes[1], StringComparison.Ordinal);
        Assert.DoesNotContain(Key, notes[1], StringComparison.Ordinal);
        Assert.Contains("...[truncated: original length", notes[1], StringComparison.Ordinal);
        Assert.True(notes[1].Length < 1100, $"the note is {notes[1].Length} characters");

        Assert.Equal("the escalation handler failed: it returned no decision", unsatisfied.Error);
        Assert.Equal(
            ["outcome.escalation_failed (after iteration 2): it returned no decision"],
            (await host.Store.GetEventsAsync(unsatisfied.SessionId)).OfType<NoteEvent>().Select(n => n.Text));
    }

    [Fact]
    public async Task The_loop_ended_log_line_says_whether_the_loop_was_blocked()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var logger = new FakeLogger<OutcomeRunner>();
        var runner = new OutcomeRunner(host.Sessions, new DelegateEvaluator(static (rubric, _) => new RubricEvaluation
        {
            Rubric = rubric,
            Criteria = [new CriterionResult { Criterion = rubric.Criteria[0], Verdict = CriterionVerdict.Met }],
            Score = 1,
            Passed = true,
        }), logger);

        var blocked = await runner.RunAsync(Request(_ => throw new AgentBlockedException("the order system is down")));
        var satisfied = await runner.RunAsync(Request(_ => "order #W123"));

        var ended = logger.Collector.GetSnapshot().Where(r => r.Id.Id == 30).ToList();
        Assert.Equal(2, ended.Count);
        Assert.Equal(LogLevel.Information, ended[0].Level);
        Assert.Equal($"Outcome loop of session {blocked.SessionId} ended Failed after 1 iterations (blocked: True).", ended[0].Message);
        Assert.Equal("True", ended[0].GetStructuredStateValue("Blocked"));
        Assert.Equal($"Outcome loop of session {satisfied.SessionId} ended Satisfied after 1 iterations (blocked: False).", ended[1].Message);
        Assert.Equal("False", ended[1].GetStructuredStateValue("Blocked"));
    }
}
