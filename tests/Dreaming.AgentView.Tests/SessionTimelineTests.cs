using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using static Dreaming.AgentView.Tests.TestEvents;
using static Dreaming.AgentView.Tests.TestSessions;

namespace Dreaming.AgentView.Tests;

/// <summary>A session's timeline: every event type rendered, tool calls paired with their results, failures marked, long
/// texts folded, the number of events rendered capped.</summary>
public sealed class SessionTimelineTests
{
    private static IElement Row(IHtmlDocument page, long sequence) => page.QuerySelector("tr#event-" + sequence) ?? throw new InvalidOperationException("no event " + sequence);

    private static string Field(IHtmlDocument page, long sequence, string name) =>
        Row(page, sequence).QuerySelector($"span.field[data-field='{name}']")?.TextContent ?? "(none)";

    private static async Task<IHtmlDocument> ShowAsync(AgentViewHost host, params SessionEvent[] events)
    {
        await host.Traces.SeedAsync(Full("s", "task", events));
        return await host.PageAsync("/dreaming/sessions/s");
    }

    [Fact]
    public async Task Every_event_type_is_rendered_with_its_offset_type_and_fields()
    {
        await using var host = await AgentViewHost.StartAsync();
        var page = await ShowAsync(
            host,
            new MessageEvent { Role = "system", Text = "Be brief." },
            new MessageEvent { Role = "user", Text = "Refund #W123", AuthorName = "carol" },
            new ModelResponseEvent { ModelId = "gpt-x", ResponseId = "r-1", Latency = TimeSpan.FromMilliseconds(1234), Usage = new SessionUsage { InputTokens = 1500, OutputTokens = 20, CachedInputTokens = 1000, CostMinorUnits = 70 }, FinishReason = "tool_calls", Streaming = true },
            new ToolCallEvent { CallId = "c1", ToolName = "refund", Arguments = "{\"order\":\"W123\"}" },
            new ToolResultEvent { CallId = "c1", ToolName = "refund", Result = "ok" },
            new MessageEvent { Role = "assistant", Text = "Done." },
            new ErrorEvent { ErrorType = "HttpRequestException", Message = "503", Operation = "chat", RetryStatus = ErrorRetryStatus.Retrying },
            new NoteEvent { Text = "outcome.guidance (after iteration 1): use the invoice" },
            new InsightsInjectedEvent { MemoryVersionId = "mv/2", InsightIds = ["i1", "i2"] },
            new InsightsCitedEvent { InsightIds = ["i2"] },
            new OrchestrationStartedEvent { Goal = "Plan the trip", ItemCount = 3, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "coordinator", MaxTotalTokens = 100000 },
            new OrchestrationItemCompletedEvent { ItemId = "flights", Agent = "booker", Status = "completed", ChildSessionId = "child/1", Attempts = 2, Outcome = "satisfied", Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5 } },
            new OrchestrationCompletedEvent { ItemCount = 3, DurationMs = 4200, Usage = new SessionUsage { InputTokens = 30, OutputTokens = 15 } },
            new OrchestrationFailedEvent { Status = "budget_reached", Reason = "out of tokens", CompletedItems = 1, ItemCount = 3, ItemId = "hotels", EstimatedTokens = 12 },
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund", RubricVersion = 2 },
            new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "refund", Result = "satisfied", Score = 1, Threshold = 0.75, Passed = true, GraderUsage = new SessionUsage { InputTokens = 400, OutputTokens = 30 } },
            new MessageEvent { Role = "user", Text = "late", Timestamp = Start.AddMinutes(3).AddSeconds(5).AddMilliseconds(250) });

        var types = page.QuerySelectorAll("table.timeline tbody tr td:nth-child(3)").Select(td => td.TextContent).ToArray();
        Assert.Equal(
            ["message.system", "message.user", "model.response", "tool.call", "tool.result", "message.assistant", "error", "note", "memory.injected", "memory.cited", "orchestration.started", "orchestration.item_completed", "orchestration.completed", "orchestration.failed", "outcome.evaluation_started", "outcome.evaluation_ended", "message.user"],
            types);
        Assert.Equal("+1.000 s", Row(page, 1).Children[1].TextContent);
        Assert.Equal("2026-11-01 09:00:01.000", Row(page, 1).Children[1].QuerySelector("span")!.GetAttribute("title"));
        Assert.Equal("+3:05.250", Row(page, 17).Children[1].TextContent);
        Assert.Equal("Be brief.", Row(page, 1).QuerySelector("pre")?.TextContent);
        Assert.Equal("by carol", Field(page, 2, "author"));
        Assert.Equal("model gpt-x", Field(page, 3, "model"));
        Assert.Equal("latency 1,234 ms", Field(page, 3, "latency"));
        Assert.Equal("tokens 1,500 in, 20 out, 1,000 cached, cost 70", Field(page, 3, "tokens"));
        Assert.Equal("finish tool_calls", Field(page, 3, "finish"));
        Assert.Equal("streamed", Field(page, 3, "streaming"));
        Assert.Equal("tool refund", Field(page, 4, "tool"));
        Assert.Equal("{\"order\":\"W123\"}", Row(page, 4).QuerySelector("pre.arguments")?.TextContent);
        Assert.Equal("ok", Row(page, 5).QuerySelector("pre.result")?.TextContent);
        Assert.Equal("HttpRequestException", Field(page, 7, "error-type"));
        Assert.Equal("operation chat", Field(page, 7, "operation"));
        Assert.Equal("retry retrying", Field(page, 7, "retry"));
        Assert.Equal("503", Row(page, 7).QuerySelector("pre.failure")?.TextContent);
        Assert.Equal("outcome.guidance (after iteration 1): use the invoice", Row(page, 8).QuerySelector("pre.note")?.TextContent);
        Assert.Equal("version mv/2", Field(page, 9, "memory"));
        Assert.Equal("/dreaming/memory/versions/mv%2F2", Row(page, 9).QuerySelector("td:last-child a")?.GetAttribute("href"));
        Assert.Equal("scope agent:support", Field(page, 9, "scope"));
        Assert.Equal("2 insights i1, i2", Field(page, 9, "insights"));
        Assert.Equal("1 insight i2", Field(page, 10, "insights"));
        Assert.Equal("Plan the trip", Row(page, 11).QuerySelector("pre.goal")?.TextContent);
        Assert.Equal("token budget 100,000", Field(page, 11, "token-budget"));
        Assert.Equal("on failure stop_run", Field(page, 11, "policy"));
        Assert.Equal("session child/1", Field(page, 12, "child"));
        Assert.Equal("/dreaming/sessions/child%2F1", Row(page, 12).QuerySelector("span[data-field=child] a")?.GetAttribute("href"));
        Assert.Equal("attempts 2", Field(page, 12, "attempts"));
        Assert.Equal("duration 4,200 ms", Field(page, 13, "duration"));
        Assert.Equal("tokens 0 in, 0 out (+12 estimated)", Field(page, 14, "tokens"));
        Assert.Equal("completed 1 of 3", Field(page, 14, "completed"));
        Assert.Equal("rubric refund v2", Field(page, 15, "rubric"));
        Assert.Equal("score 1 (threshold 0.75)", Field(page, 16, "score"));
        Assert.Equal("grader 400 in, 30 out", Field(page, 16, "grader"));
        Assert.Equal("#outcome", Row(page, 16).QuerySelector("td:last-child a")?.GetAttribute("href"));
        var failures = page.QuerySelectorAll("tr.event-failure").Select(tr => tr.Id ?? "").ToArray();
        Assert.Equal(["event-7", "event-14"], failures);
    }

    [Fact]
    public async Task Tool_calls_link_to_their_results_and_failed_or_refused_ones_are_marked()
    {
        await using var host = await AgentViewHost.StartAsync();
        var page = await ShowAsync(
            host,
            new ToolCallEvent { CallId = "a", ToolName = "lookup", Arguments = "{}" },
            new ToolCallEvent { CallId = "b", ToolName = "charge", Arguments = "{}" },
            new ToolResultEvent { CallId = "b", ToolName = "charge", IsError = true, ErrorType = "TimeoutException", ErrorMessage = "took too long", Result = "Error: Function failed." },
            new ToolResultEvent { CallId = "a", ToolName = "lookup", Result = "found" },
            new ToolCallEvent { CallId = "a", ToolName = "lookup", ArgumentsError = "The arguments are not valid JSON: x" },
            new ToolResultEvent { CallId = "z", ToolName = "delete", IsError = true, ErrorType = ToolResultEvent.RejectedErrorType, ErrorMessage = "not allowed", Result = "rejected" });

        Assert.Equal("result #4", Field(page, 1, "pair"));
        Assert.Equal("#event-4", Row(page, 1).QuerySelector("span[data-field=pair] a")?.GetAttribute("href"));
        Assert.Equal("result #3", Field(page, 2, "pair"));
        Assert.Equal("call #2", Field(page, 3, "pair"));
        Assert.Equal("call #1", Field(page, 4, "pair"));
        Assert.Equal("no result recorded", Field(page, 5, "pair"));
        Assert.Equal("no call recorded", Field(page, 6, "pair"));
        Assert.Equal("Failed: TimeoutException", Row(page, 3).QuerySelector("p.failure")?.TextContent);
        Assert.Equal("took too long", Row(page, 3).QuerySelector("pre.failure")?.TextContent);
        Assert.Equal("Error: Function failed.", Row(page, 3).QuerySelector("pre.result")?.TextContent);
        Assert.Equal("Arguments not read: The arguments are not valid JSON: x", Row(page, 5).QuerySelector("p.failure")?.TextContent);
        Assert.Equal("Refused", Row(page, 6).QuerySelector("p.failure")?.TextContent);
        Assert.Equal(["event-3", "event-5", "event-6"], page.QuerySelectorAll("tr.event-failure").Select(tr => tr.Id ?? "").ToArray());
    }

    [Fact]
    public async Task A_long_text_is_folded_with_the_whole_of_it_in_details_and_a_huge_one_is_cut_with_a_note()
    {
        await using var host = await AgentViewHost.StartAsync();
        var longText = new string('a', 299) + "\U0001F600" + new string('b', 1000);
        var huge = new string('x', 1_048_576);
        var page = await ShowAsync(host, new MessageEvent { Role = "user", Text = longText }, new ToolResultEvent { CallId = "c", Result = huge });

        var details = Row(page, 1).QuerySelector("details")!;
        Assert.Equal(new string('a', 299) + "\u2026 (1,301 characters)", details.QuerySelector("summary")!.TextContent);
        Assert.Equal(longText, details.QuerySelector("pre")!.TextContent);
        Assert.Null(details.QuerySelector("p.cut-note"));
        var cut = Row(page, 2).QuerySelector("details")!;
        Assert.Equal(65_536, cut.QuerySelector("pre")!.TextContent.Length);
        Assert.Equal("983,040 more characters not shown (one text shows at most 65,536). The whole text, as recorded (JSON).", cut.QuerySelector("p.cut-note")?.TextContent);
        Assert.Equal("?event=2", cut.QuerySelector("p.cut-note a")?.GetAttribute("href"));
    }

    [Fact]
    public async Task A_page_shows_at_most_its_budget_of_long_texts_in_full()
    {
        await using var host = await AgentViewHost.StartAsync();
        var events = Enumerable.Range(0, 40).Select(_ => (SessionEvent)new NoteEvent { Text = new string('n', 60_000) }).ToArray();
        var page = await ShowAsync(host, events);

        // The task ("task") is shown first, in the same budget.
        var shown = page.QuerySelectorAll("details pre").Sum(pre => (long)pre.TextContent.Length);
        Assert.Equal(2_000_000 - "task".Length, shown);
        Assert.Equal("60,000 more characters not shown (this page already shows 2,000,000 in full). The whole text, as recorded (JSON).", Row(page, 40).QuerySelector("p.cut-note")?.TextContent);
        Assert.Equal("40,004 more characters not shown (this page already shows 2,000,000 in full). The whole text, as recorded (JSON).", Row(page, 34).QuerySelector("p.cut-note")?.TextContent);
    }

    [Fact]
    public async Task A_session_with_more_events_than_the_cap_renders_a_window_of_them_with_links_to_the_next_and_the_first()
    {
        await using var host = await AgentViewHost.StartAsync();
        var events = Enumerable.Range(0, 2_345).Select(i => (SessionEvent)new NoteEvent { Text = "n" + i }).ToArray();
        events[0] = new ToolCallEvent { CallId = "far", ToolName = "slow" };
        events[2_099] = new ToolResultEvent { CallId = "far", ToolName = "slow", Result = "done" };
        var page = await ShowAsync(host, events);

        Assert.Equal(2_000, page.QuerySelectorAll("table.timeline tbody tr").Length);
        Assert.Equal("Events #1 to #2000 of 2,345 are shown. Next events", page.QuerySelector("section#timeline p.cap-note")?.TextContent);
        var next = page.QuerySelector("section#timeline p.cap-note a")!.GetAttribute("href")!;
        Assert.Equal("/dreaming/sessions/s?after=2000#timeline", next);
        Assert.Equal("/dreaming/sessions/s?after=2099#event-2100", Row(page, 1).QuerySelector("span[data-field=pair] a")?.GetAttribute("href"));
        Assert.Equal("2,345", page.QuerySelector("dd#fact-events")?.TextContent);

        var second = await host.PageAsync(next);
        Assert.Equal(345, second.QuerySelectorAll("table.timeline tbody tr").Length);
        Assert.Equal("event-2001", second.QuerySelector("table.timeline tbody tr")?.Id);
        Assert.Equal("Events #2001 to #2345 of 2,345 are shown. First events", second.QuerySelector("section#timeline p.cap-note")?.TextContent);
        Assert.Equal("/dreaming/sessions/s#timeline", second.QuerySelector("section#timeline p.cap-note a")?.GetAttribute("href"));
        Assert.Equal("/dreaming/sessions/s?after=0#event-1", Row(second, 2_100).QuerySelector("span[data-field=pair] a")?.GetAttribute("href"));

        var past = await host.PageAsync("/dreaming/sessions/s?after=9999");
        Assert.Equal("No events after #9999. First events", past.QuerySelector("section#timeline p.empty")?.TextContent);
    }

    [Theory]
    [InlineData("after=-1", "-1")]
    [InlineData("after=ten", "ten")]
    [InlineData("after=1&after=2", "1,2")]
    public async Task A_bad_event_number_is_a_400_naming_it(string query, string value)
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(Full("s", "task", new NoteEvent { Text = "n" }));
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/sessions/s?" + query, UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var page = await AgentViewHost.ParseAsync(await response.Content.ReadAsStringAsync());
        Assert.Equal($"The event number '{value}' given as 'after' is not one whole number of 0 or more.", page.QuerySelector("p.error-message")?.TextContent);
    }

    [Fact]
    public async Task Hostile_text_in_every_event_field_is_shown_as_text()
    {
        await using var host = await AgentViewHost.StartAsync();
        const string h = Hostile;
        var page = await ShowAsync(
            host,
            new MessageEvent { Role = h, Text = h, AuthorName = h },
            new ModelResponseEvent { ModelId = h, ResponseId = h, FinishReason = h },
            new ToolCallEvent { CallId = h, ToolName = h, Arguments = h, ArgumentsError = h },
            new ToolResultEvent { CallId = h, ToolName = h, Result = h, IsError = true, ErrorType = h, ErrorMessage = h },
            new ErrorEvent { ErrorType = h, Message = h, Operation = h, RetryStatus = h },
            new NoteEvent { Text = h },
            new InsightsInjectedEvent { MemoryVersionId = h, InsightIds = [h] },
            new InsightsCitedEvent { InsightIds = [h] },
            new OrchestrationStartedEvent { Goal = h, ItemCount = 1, MaxConcurrency = 1, FailurePolicy = h, PlanSource = h },
            new OrchestrationItemCompletedEvent { ItemId = h, Agent = h, Status = h, ChildSessionId = h, Outcome = h, Error = h },
            new OrchestrationFailedEvent { Status = h, Reason = h, ItemId = h },
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = h },
            new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = h, Result = h, Aggregation = h, Error = h, Criteria = [new CriterionVerdictRecord(h, h, 0.5, h)] });

        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Empty(page.QuerySelectorAll("main img"));
        Assert.Equal("message." + HostileAsParsed, Row(page, 1).Children[2].TextContent);
        Assert.Equal(HostileAsParsed, Row(page, 1).QuerySelector("pre.message-other")?.TextContent);
        Assert.Equal("model " + HostileAsParsed, Field(page, 2, "model"));
        Assert.Equal("tool " + HostileAsParsed, Field(page, 3, "tool"));
        Assert.Equal(HostileAsParsed, Row(page, 3).QuerySelector("pre.arguments")?.TextContent);
        Assert.Equal(HostileAsParsed, Row(page, 4).QuerySelector("pre.failure")?.TextContent);
        Assert.Equal(HostileAsParsed, Field(page, 5, "error-type"));
        Assert.Equal(HostileAsParsed, Row(page, 6).QuerySelector("pre.note")?.TextContent);
        Assert.Equal("version " + HostileAsParsed, Field(page, 7, "memory"));
        Assert.Equal("1 insight " + HostileAsParsed, Field(page, 8, "insights"));
        Assert.Equal(HostileAsParsed, Row(page, 9).QuerySelector("pre.goal")?.TextContent);
        Assert.Equal("session " + HostileAsParsed, Field(page, 10, "child"));
        Assert.Equal(HostileAsParsed, Row(page, 11).QuerySelector("pre.failure")?.TextContent);
        Assert.Equal("rubric " + HostileAsParsed + " v1", Field(page, 12, "rubric"));
        Assert.Equal("result " + HostileAsParsed, Field(page, 13, "result"));
        var cell = page.QuerySelector("table.outcome tbody td")!;
        Assert.Equal(HostileAsParsed, cell.GetAttribute("title"));
        Assert.Equal(HostileAsParsed.Replace('_', ' ') + " (0.5)", cell.TextContent);
        Assert.Equal(HostileAsParsed, page.QuerySelector("table.outcome tbody th")?.TextContent);
    }
}
