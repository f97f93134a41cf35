namespace Dreaming.Tests;

public class InsightCreditsTests
{
    private static readonly MemoryScope s_agent = MemoryScope.Agent("agent");

    private static readonly Insight s_refund = Insight("ins-refund", "refund");
    private static readonly Insight s_lookup = Insight("ins-lookup", "lookup_order");

    [Fact]
    public void Without_citations_a_pass_credits_every_insight_given()
    {
        var credits = InsightCredits.From([Session("s1", passed: true, given: ["ins-refund", "ins-lookup"])], [s_refund, s_lookup], s_agent);

        Assert.All(credits, c => Assert.True(c.Helpful));
        Assert.All(credits, c => Assert.False(c.Cited));
    }

    [Fact]
    public void With_citations_a_pass_credits_only_the_cited_insights_and_the_others_are_only_seen()
    {
        var credits = InsightCredits.From([Session("s1", passed: true, given: ["ins-refund", "ins-lookup"], cited: ["ins-refund"])], [s_refund, s_lookup], s_agent);

        var refund = credits.Single(c => c.InsightId == "ins-refund");
        var lookup = credits.Single(c => c.InsightId == "ins-lookup");
        Assert.Equal((true, false, true), (refund.Helpful, refund.Harmful, refund.Cited));
        Assert.Equal((false, false, false), (lookup.Helpful, lookup.Harmful, lookup.Cited));
    }

    [Fact]
    public void A_failure_is_harmful_for_a_cited_insight_and_for_one_about_the_failing_tool_only()
    {
        var session = Session("s1", passed: false, given: ["ins-refund", "ins-lookup"], cited: ["ins-lookup"], failingTool: "refund");
        var other = Insight("ins-other", "search_flights");
        var credits = InsightCredits.From([session with { Session = session.Session with { InsightIds = ["ins-refund", "ins-lookup", "ins-other"] } }], [s_refund, s_lookup, other], s_agent);

        Assert.True(credits.Single(c => c.InsightId == "ins-refund").Harmful);
        Assert.True(credits.Single(c => c.InsightId == "ins-lookup").Harmful);
        Assert.DoesNotContain(credits, c => c.InsightId == "ins-other");
        Assert.DoesNotContain(credits, c => c.Helpful);
    }

    [Fact]
    public void A_failure_is_harmful_for_an_insight_about_a_tool_whose_arguments_were_not_read_whatever_its_result()
    {
        // The model sent lookup_order arguments that were not valid JSON; the tool, whose parameters are optional, ran with
        // none and answered. Mining counts that call a failure of lookup_order, so the insight about it failed here too.
        var session = Session("s1", passed: false, given: ["ins-refund", "ins-lookup"]);
        session = session with
        {
            Events =
            [
                .. session.Events,
                new ToolCallEvent { CallId = "c1", ToolName = "lookup_order", ArgumentsError = "Error parsing function call arguments. 'o' is an invalid start of a value.", Sequence = 2 },
                new ToolResultEvent { CallId = "c1", ToolName = "lookup_order", Result = "no orders", Sequence = 3 },
            ],
        };

        var credits = InsightCredits.From([session], [s_refund, s_lookup], s_agent);

        Assert.True(credits.Single(c => c.InsightId == "ins-lookup").Harmful);
        Assert.False(credits.Single(c => c.InsightId == "ins-refund").Harmful);
    }

    [Fact]
    public void The_curator_counts_citations_in_the_reason_and_counters()
    {
        var sessions = new[]
        {
            Session("s1", passed: true, given: ["ins-refund", "ins-lookup"], cited: ["ins-refund"]),
            Session("s2", passed: true, given: ["ins-refund", "ins-lookup"], cited: ["ins-refund"]),
        };
        var credits = InsightCredits.From(sessions, [s_refund, s_lookup], s_agent);

        var result = MemoryCurator.Curate([s_refund, s_lookup], [], credits, s_refund.Scope, _ => [], s_refund.UpdatedAt.AddDays(1));

        var refund = result.Insights.Single(i => i.Id == "ins-refund");
        var lookup = result.Insights.Single(i => i.Id == "ins-lookup");
        Assert.Equal((2, 2), (refund.Helpful, refund.Seen));
        Assert.Equal((0, 2), (lookup.Helpful, lookup.Seen));
        Assert.Contains(result.Changes, c => c.InsightId == "ins-refund" && c.Reason.Contains("(2 cited it)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sequence_lesson_is_triggered_by_both_tools_and_harmful_only_where_the_sequence_was_called()
    {
        var finding = new Finding
        {
            Kind = FindingKinds.ToolSequence,
            Pattern = FindingKinds.ToolSequence,
            Signature = "search_direct_flight -> search_onestop_flight",
            Sessions = 18,
            FailedSessions = 17,
            FailureRate = 17.0 / 18,
            Lift = 1.63,
            FailureRateLowerBound = 0.7,
            PValue = 0.001,
            Strength = 0.7,
            Occurrences = 18,
            WastedCalls = 0,
            WastedTokens = 0,
            Evidence = [],
        };
        var lesson = TemplateLessonWriter.Write(finding, 0.58);
        Assert.Equal(["search_direct_flight", "search_onestop_flight"], lesson.Triggers.Tools);
        var insight = Insight("ins-seq", "x") with { Triggers = lesson.Triggers };

        var called = Session("s1", passed: false, given: ["ins-seq"]) is var s
            ? s with { Events = [.. s.Events, new ToolCallEvent { CallId = "a", ToolName = "search_direct_flight", Arguments = "{}" }, new ToolCallEvent { CallId = "b", ToolName = "search_onestop_flight", Arguments = "{}" }] }
            : null!;
        var other = Session("s2", passed: false, given: ["ins-seq"], failingTool: "book_reservation", called: []);

        var credits = InsightCredits.From([called, other], [insight], s_agent);

        Assert.True(credits.Single(c => c.SessionId == "s1").Harmful);
        Assert.DoesNotContain(credits, c => c.SessionId == "s2");
    }

    [Fact]
    public void Only_the_insights_given_from_the_dreams_scope_are_credited()
    {
        // The agent's event has no scope (as every event before team and global memory); the global one names its scope.
        var session = Session("s1", passed: true, given: ["ins-refund"]);
        session = session with { Events = [.. session.Events, new InsightsInjectedEvent { MemoryVersionId = "g1", InsightIds = ["ins-lookup"], Scope = MemoryScope.Global, Sequence = 5 }] };

        Assert.Equal(["ins-refund"], InsightCredits.From([session], [s_refund, s_lookup], s_agent).Select(c => c.InsightId));
        Assert.Equal(["ins-lookup"], InsightCredits.From([session], [s_refund, s_lookup], MemoryScope.Global).Select(c => c.InsightId));
        Assert.Empty(InsightCredits.From([session], [s_refund, s_lookup], MemoryScope.Agent("another")));
        Assert.Empty(InsightCredits.From([session], [s_refund, s_lookup], MemoryScope.Team("billing")));
    }

    [Fact]
    public void A_session_that_never_called_an_insights_tools_gives_it_no_credit_unless_it_cited_it()
    {
        // Every insight that fits the budget is given to every session: a greeting that passed says nothing about a lesson on
        // refunds, and crediting it helpful let a lesson that hurts its own sessions outweigh its harm with unrelated passes.
        var greeting = Session("s1", passed: true, given: ["ins-refund", "ins-lookup"], called: ["greet"]);
        var cited = Session("s2", passed: true, given: ["ins-refund", "ins-lookup"], cited: ["ins-lookup"], called: ["greet"]);
        var general = Insight("ins-general", "x") with { Triggers = InsightTriggers.None };
        var failed = Session("s3", passed: false, given: ["ins-refund", "ins-general"], called: ["greet"]);
        var refunded = Session("s4", passed: true, given: ["ins-refund", "ins-lookup"], called: ["refund"]);

        var credits = InsightCredits.From([greeting, cited, failed, refunded], [s_refund, s_lookup, general], s_agent);

        Assert.DoesNotContain(credits, c => c.SessionId == "s1");
        Assert.Equal([("ins-lookup", true)], credits.Where(c => c.SessionId == "s2").Select(c => (c.InsightId, c.Helpful)));
        Assert.Equal([("ins-general", true)], credits.Where(c => c.SessionId == "s3").Select(c => (c.InsightId, c.Harmful)));
        Assert.Equal([("ins-refund", true)], credits.Where(c => c.SessionId == "s4").Select(c => (c.InsightId, c.Helpful)));
    }

    // By default the session called, with success, the tools of the insights of these tests, so each is about it.
    private static SessionWithEvents Session(string id, bool passed, string[] given, string[]? cited = null, string? failingTool = null, string[]? called = null)
    {
        var events = new List<SessionEvent> { new InsightsInjectedEvent { MemoryVersionId = "v1", InsightIds = given, Sequence = 1 } };
        foreach (var tool in called ?? ["refund", "lookup_order"])
        {
            events.Add(new ToolCallEvent { CallId = "ok-" + tool, ToolName = tool, Arguments = "{}", Sequence = 1 });
            events.Add(new ToolResultEvent { CallId = "ok-" + tool, ToolName = tool, Result = "ok", Sequence = 1 });
        }

        if (failingTool is not null)
        {
            events.Add(new ToolCallEvent { CallId = "c1", ToolName = failingTool, Arguments = "{}", Sequence = 2 });
            events.Add(new ToolResultEvent { CallId = "c1", ToolName = failingTool, Result = "Error: no", IsError = true, Sequence = 3 });
        }

        if (cited is not null)
        {
            events.Add(new InsightsCitedEvent { InsightIds = cited, Sequence = 4 });
        }

        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = "agent", Task = "task", Status = SessionStatus.Completed, Outcome = passed ? SessionOutcome.Succeeded() : SessionOutcome.Failed(), EventCount = events.Count },
            events);
    }

    private static Insight Insight(string id, string tool) => new()
    {
        Id = id,
        Text = "About " + tool,
        Scope = MemoryScope.Agent("agent"),
        Status = InsightStatus.Active,
        Source = InsightSource.Mined,
        Triggers = new InsightTriggers { Tools = [tool] },
        Evidence = [new InsightEvidence("s0")],
        CreatedAt = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
    };
}
