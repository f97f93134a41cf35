using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>session show</c> (and <c>inspect</c>) summarise every kind of event on its timeline line: the memory a
/// session was given and cited, its outcome iterations and an orchestration's progress, not only messages, tools, model
/// calls and errors.</summary>
public class SessionShowEventTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Every_event_kind_is_summarised_with_its_fields_and_the_header_names_the_team_scope()
    {
        using var cli = new CliRunner();
        await ImportAsync(cli, Session("ses_team", scope: "billing"),
        [
            new InsightsInjectedEvent { MemoryVersionId = "mv-agent", InsightIds = ["ins-1", "ins-2"] },
            new InsightsInjectedEvent { MemoryVersionId = "mv-team", InsightIds = ["ins-7"], Scope = MemoryScope.Team("billing") },
            new InsightsInjectedEvent { MemoryVersionId = "mv-global", InsightIds = [], Scope = MemoryScope.Global },
            new InsightsCitedEvent { InsightIds = ["ins-2", "ins-7"] },
            new OutcomeEvaluationStartedEvent { Iteration = 2, RubricId = "refund-policy", RubricVersion = 3 },
            new OutcomeEvaluationEndedEvent
            {
                Iteration = 2, RubricId = "tone", Result = "needs_revision", Score = 0.6, Threshold = 0.8,
                Aggregation = RubricAggregationNames.Minimum, GraderUsage = new SessionUsage { InputTokens = 120, OutputTokens = 30 },
            },
            new OutcomeEvaluationEndedEvent { Iteration = 3, RubricId = "refund-policy", Result = "satisfied", Score = 0.9, Threshold = 0.8, Passed = true },
            new OutcomeEvaluationEndedEvent { Iteration = 4, RubricId = "refund-policy", Result = "failed", Threshold = 0.8, Error = "grader timed out" },
            // As the outcome loop records an evaluation cancelled while grading: no score, threshold or aggregation.
            new OutcomeEvaluationEndedEvent { Iteration = 5, RubricId = "refund-policy", Result = "interrupted", Error = "canceled" },
        ]);

        var (exit, output, error) = await cli.RunAsync("session", "show", "ses_team", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("scope     team:billing" + Environment.NewLine, output, StringComparison.Ordinal);
        AssertLine(output, "memory.injected", "mv-agent (agent:bot), 2 insights: ins-1, ins-2");
        AssertLine(output, "memory.injected", "mv-team (team:billing), 1 insight: ins-7");
        AssertLine(output, "memory.injected", "mv-global (global), 0 insights");
        AssertLine(output, "memory.cited", "2 insights: ins-2, ins-7");
        AssertLine(output, "outcome.evaluation_started", "iteration 2, rubric refund-policy v3");
        AssertLine(output, "outcome.evaluation_ended", "iteration 2, rubric tone: needs_revision, score 0.6 (threshold 0.8, minimum), grader 120+30 tokens");
        AssertLine(output, "outcome.evaluation_ended", "iteration 3, rubric refund-policy: satisfied, score 0.9 (threshold 0.8, weighted_mean)");
        AssertLine(output, "outcome.evaluation_ended", "iteration 4, rubric refund-policy: failed, score 0 (threshold 0.8, weighted_mean): grader timed out");
        AssertLine(output, "outcome.evaluation_ended", "iteration 5, rubric refund-policy: interrupted, not scored: canceled");
        Assert.DoesNotContain("Event", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orchestration_events_show_counts_items_status_and_usage()
    {
        using var cli = new CliRunner();
        await ImportAsync(cli, Session("ses_run"),
        [
            new OrchestrationStartedEvent { Goal = "Answer the backlog", ItemCount = 3, MaxConcurrency = 2, FailurePolicy = "skip_dependents", PlanSource = "host", MaxTotalTokens = 50_000 },
            new OrchestrationItemCompletedEvent
            {
                ItemId = "draft", Agent = "w", Status = "completed", Attempts = 1, Outcome = "satisfied", ChildSessionId = "ses_c",
                Usage = new SessionUsage { InputTokens = 40, OutputTokens = 12, CostMinorUnits = 5 },
            },
            new OrchestrationItemCompletedEvent { ItemId = "check", Agent = "checker", Status = "failed", Attempts = 3, Error = "tool crashed" },
            new OrchestrationCompletedEvent { ItemCount = 3, DurationMs = 4210.4, Usage = new SessionUsage { InputTokens = 100, OutputTokens = 20 } },
            new OrchestrationFailedEvent
            {
                Status = "budget_reached", Reason = "over budget", CompletedItems = 1, ItemCount = 3, ItemId = "check",
                Usage = new SessionUsage { InputTokens = 50_000, OutputTokens = 900 }, EstimatedTokens = 100,
            },
        ]);

        var (exit, output, error) = await cli.RunAsync("inspect", "ses_run", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.DoesNotContain("scope ", output, StringComparison.Ordinal);
        AssertLine(output, "orchestration.started", "3 items, max concurrency 2, skip_dependents, plan from host, budget 50000 tokens: Answer the backlog");
        AssertLine(output, "orchestration.item_completed", "draft (w): completed, 1 attempt, outcome satisfied, session ses_c, 40+12 tokens, cost 5 minor units");
        AssertLine(output, "orchestration.item_completed", "check (checker): failed, 3 attempts, 0+0 tokens: tool crashed");
        AssertLine(output, "orchestration.completed", "3 items in 4210 ms, 100+20 tokens");
        AssertLine(output, "orchestration.failed", "budget_reached, 1 of 3 items completed, item check, 50000+900 tokens (+100 estimated): over budget");
    }

    [Fact]
    public async Task A_tool_that_threw_shows_the_exception_before_the_generic_text_the_model_got()
    {
        // UseDreaming() outside UseFunctionInvocation() records a throwing tool as the text the model was sent ("Error:
        // Function failed." by default) plus the exception's type and message: the line must show why it failed.
        using var cli = new CliRunner();
        await ImportAsync(cli, Session("ses_tools"),
        [
            new ToolResultEvent { CallId = "c1", ToolName = "refund", Result = "Error: Function failed.", IsError = true, ErrorType = "InvalidOperationException", ErrorMessage = "amount mismatch" },
            new ToolResultEvent { CallId = "c2", ToolName = "refund", IsError = true, ErrorMessage = "amount mismatch" },
            new ToolResultEvent { CallId = "c3", ToolName = "refund", Result = "Error: Function failed.", IsError = true, ErrorType = "TimeoutException" },
            new ToolResultEvent { CallId = "c4", ToolName = "lookup", Result = "Error: no such order", IsError = true },
            new ToolResultEvent { CallId = "c5", ToolName = "lookup", Result = "shipped" },
        ]);

        var (exit, output, error) = await cli.RunAsync("session", "show", "ses_tools", "--db", cli.Database);

        Assert.True(exit == 0, error);
        AssertLine(output, "tool.result", "ERROR refund: InvalidOperationException: amount mismatch (result: Error: Function failed.)");
        AssertLine(output, "tool.result", "ERROR refund: amount mismatch");
        AssertLine(output, "tool.result", "ERROR refund: TimeoutException (result: Error: Function failed.)");
        AssertLine(output, "tool.result", "ERROR lookup: Error: no such order");
        AssertLine(output, "tool.result", "lookup: shipped");
    }

    [Fact]
    public async Task A_tool_call_whose_arguments_were_not_read_shows_why_not_no_arguments()
    {
        // A model's arguments that were not valid JSON reach the session as a call with no arguments and the parse error.
        using var cli = new CliRunner();
        const string ParseError = "Error parsing function call arguments. Expected depth to be zero.";
        await ImportAsync(cli, Session("ses_args"),
        [
            new ToolCallEvent { CallId = "c1", ToolName = "lookup", ArgumentsError = ParseError },
            new ToolCallEvent { CallId = "c2", ToolName = "lookup", Arguments = "{\"id\":7}" },
            new ToolCallEvent { CallId = "c3", ToolName = "ping" },

            // An imported log keeps the text the model sent: it is shown, with why it was not read.
            new ToolCallEvent { CallId = "c4", ToolName = "lookup", Arguments = "{\"id\":7", ArgumentsError = "The arguments are not valid JSON: cut short." },
        ]);

        var (exit, output, error) = await cli.RunAsync("session", "show", "ses_args", "--db", cli.Database);

        Assert.True(exit == 0, error);
        AssertLine(output, "tool.call", "lookup(<arguments not read>) [c1]: " + ParseError);
        AssertLine(output, "tool.call", "lookup({\"id\":7) [c4]: The arguments are not valid JSON: cut short.");
        AssertLine(output, "tool.call", "lookup({\"id\":7}) [c2]");
        AssertLine(output, "tool.call", "ping() [c3]");

        var (_, json, _) = await cli.RunAsync("session", "show", "ses_args", "--db", cli.Database, "--json");
        using var document = JsonDocument.Parse(json);
        var events = document.RootElement.GetProperty("events");
        Assert.Equal(ParseError, events[0].GetProperty("data").GetProperty("argumentsError").GetString());
        Assert.False(events[0].GetProperty("data").TryGetProperty("arguments", out _));
        Assert.False(events[1].GetProperty("data").TryGetProperty("argumentsError", out _));
    }

    [Fact]
    public async Task A_model_response_without_a_finish_reason_ends_with_its_tokens_not_a_bare_finish()
    {
        // A provider (or a fake client) that reports no finish reason left the line ending "…tokens, finish ".
        using var cli = new CliRunner();
        await ImportAsync(cli, Session("ses_finish"),
        [
            new ModelResponseEvent { ModelId = "fake-1", Usage = new SessionUsage { InputTokens = 200, OutputTokens = 40 } },
            new ModelResponseEvent { ModelId = "fake-1", Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5 }, FinishReason = "stop" },
        ]);

        var (exit, output, error) = await cli.RunAsync("session", "show", "ses_finish", "--db", cli.Database);

        Assert.True(exit == 0, error);
        AssertLine(output, "model.response", "fake-1 0 ms, 200+40 tokens");
        AssertLine(output, "model.response", "fake-1 0 ms, 10+5 tokens, finish stop");
    }

    [Fact]
    public async Task A_blank_scope_which_is_no_team_prints_no_scope_line()
    {
        using var cli = new CliRunner();
        await ImportAsync(cli, Session("ses_blank", scope: "   "), [new NoteEvent { Text = "done" }]);

        var (exit, output, error) = await cli.RunAsync("session", "show", "ses_blank", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.DoesNotContain("scope ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_ids_stay_escaped_long_ones_are_cut_and_json_is_unchanged()
    {
        using var cli = new CliRunner();
        var longItem = "item-" + new string('x', 80);
        await ImportAsync(cli, Session("ses_evil", scope: "team\u001b]0;pwned\u0007"),
        [
            new InsightsInjectedEvent { MemoryVersionId = "mv-\u202Eevil", InsightIds = ["ins-\u001b[31mred", "ins-2"] },
            new InsightsCitedEvent { InsightIds = ["ins-\u001b[31mred"] },
            new OrchestrationItemCompletedEvent { ItemId = "a\u001b[2Jb\u009b", Agent = "w", Status = "completed", Attempts = 1 },
            new OrchestrationItemCompletedEvent { ItemId = longItem, Agent = "w", Status = "failed", Attempts = 2 },
        ]);

        var (exit, output, error) = await cli.RunAsync("session", "show", "ses_evil", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.DoesNotContain(output, c => c is '\u001b' or '\u0007' or '\u009b' or '\u202E');
        Assert.Contains(@"scope     team:team\x1B]0;pwned\x07", output, StringComparison.Ordinal);
        AssertLine(output, "memory.injected", @"mv-\u202Eevil (agent:bot), 2 insights: ins-\x1B[31mred, ins-2");
        AssertLine(output, "memory.cited", @"1 insight: ins-\x1B[31mred");
        AssertLine(output, "orchestration.item_completed", @"a\x1B[2Jb\x9B (w): completed, 1 attempt, 0+0 tokens");

        // A long id is cut (never half an escape) so that the status after it still shows.
        AssertLine(output, "orchestration.item_completed", longItem[..39] + "… (w): failed, 2 attempts, 0+0 tokens");

        var (_, json, _) = await cli.RunAsync("session", "show", "ses_evil", "--db", cli.Database, "--json");
        using var document = JsonDocument.Parse(json);
        var events = document.RootElement.GetProperty("events");
        Assert.Equal("team\u001b]0;pwned\u0007", document.RootElement.GetProperty("session").GetProperty("scope").GetString());
        Assert.Equal("ins-\u001b[31mred", events[0].GetProperty("data").GetProperty("insightIds")[0].GetString());
        Assert.Equal("a\u001b[2Jb\u009b", events[2].GetProperty("data").GetProperty("itemId").GetString());
    }

    [Fact]
    public async Task An_evaluation_names_the_required_criteria_that_failed_it_and_json_gives_what_each_criterion_counts_for()
    {
        using var cli = new CliRunner();
        await ImportAsync(cli, Session("ses_gates"),
        [
            new OutcomeEvaluationEndedEvent
            {
                Iteration = 1, RubricId = "refund", Result = "needs_revision", Score = 1, Threshold = 0.5,
                Criteria =
                [
                    new CriterionVerdictRecord("order", "not_met", 0, "missing") { Weight = 0, Required = true, Kind = "contains" },
                    new CriterionVerdictRecord("amount", "met", 1, null) { Weight = 2, Required = false, Kind = "regex" },
                    new CriterionVerdictRecord("policy", "skipped", null, "no grader") { Weight = 1, Required = true, Kind = "model" },
                ],
            },
            // Recorded before weights were: the line is as it was, and the JSON has none of the three.
            new OutcomeEvaluationEndedEvent { Iteration = 2, RubricId = "refund", Result = "needs_revision", Score = 1, Threshold = 0.5, Criteria = [new CriterionVerdictRecord("order", "not_met", 0, "missing")] },
        ]);

        var (exit, output, error) = await cli.RunAsync("inspect", "ses_gates", "--db", cli.Database);

        Assert.True(exit == 0, error);
        // The gates come before the score: the line is cut at 100 characters.
        Assert.Contains("outcome.evaluation_ended  iteration 1, rubric refund: needs_revision (required not met: order; required skipped: policy), sc", output, StringComparison.Ordinal);
        AssertLine(output, "outcome.evaluation_ended", "iteration 2, rubric refund: needs_revision, score 1 (threshold 0.5, weighted_mean)");

        var (_, json, _) = await cli.RunAsync("inspect", "ses_gates", "--db", cli.Database, "--json");
        using var document = JsonDocument.Parse(json);
        var events = document.RootElement.GetProperty("events");
        var amount = events[0].GetProperty("data").GetProperty("criteria")[1];
        Assert.Equal((2.0, false, "regex"), (amount.GetProperty("weight").GetDouble(), amount.GetProperty("required").GetBoolean(), amount.GetProperty("kind").GetString()));
        Assert.Equal(["id", "verdict", "score", "reason"], events[1].GetProperty("data").GetProperty("criteria")[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_required_criterion_the_grader_could_not_check_is_said_to_have_errored_not_to_be_unmet()
    {
        using var cli = new CliRunner();
        await ImportAsync(cli, Session("ses_errored"),
        [
            new OutcomeEvaluationEndedEvent
            {
                Iteration = 1, RubricId = "refund", Result = "failed", Score = 0.5, Threshold = 0.5,
                Criteria =
                [
                    new CriterionVerdictRecord("tone", "error", null, "grader reply did not parse") { Weight = 1, Required = true, Kind = "model" },
                    new CriterionVerdictRecord("order", "partially_met", 0.5, "half") { Weight = 1, Required = true, Kind = "model" },
                ],
            },
        ]);

        var (exit, output, error) = await cli.RunAsync("session", "show", "ses_errored", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("iteration 1, rubric refund: failed (required not met: order; required errored: tone), score 0.5", output, StringComparison.Ordinal);
    }

    private static void AssertLine(string output, string eventType, string summary)
    {
        var lines = output.Split(Environment.NewLine);
        var tail = eventType.PadRight(18) + "  " + summary;
        Assert.True(lines.Any(l => l.EndsWith(tail, StringComparison.Ordinal)), $"No line ends with '{tail}' in:{Environment.NewLine}{output}");
    }

    private static SessionRecord Session(string id, string? scope = null) => new()
    {
        Id = id,
        AgentId = "bot",
        Scope = scope,
        Task = "task " + id,
        Status = SessionStatus.Completed,
        StartedAt = s_start,
        EndedAt = s_start.AddMinutes(1),
    };

    private static async Task ImportAsync(CliRunner cli, SessionRecord session, IReadOnlyList<SessionEvent> events)
    {
        var numbered = events.Select((e, i) => e with { SessionId = session.Id, Sequence = i + 1, Timestamp = s_start.AddSeconds(i + 1) }).ToList();
        using var store = new SqliteTraceStore(cli.Database);
        await store.ImportAsync([new SessionWithEvents(session with { EventCount = numbered.Count }, numbered)]);
    }
}
