using Dreaming.Core.Tests.Dreams.Mining;

namespace Dreaming.Tests;

/// <summary>A lesson about a rubric criterion graders keep failing quotes one failing verdict's reason, so that the next
/// session knows what was wrong, not only the criterion's id: on one line, cut, its secrets redacted, and in a dream with
/// the values of the sessions it read masked.</summary>
public sealed class RubricReasonLessonTests
{
    [Fact]
    public void A_failing_criterions_lesson_quotes_the_graders_reason()
    {
        var lesson = TemplateLessonWriter.Write(Criterion("refund/order", "The refund of 150 exceeds the order total of 120; it must be capped at the total."), 0.5);

        Assert.Equal(
            "Graders often find \"refund/order\" not met: 9 of the 10 sessions where it happened failed (90%, against 50% overall). Check it before you finish. One grader's reason: \"The refund of 150 exceeds the order total of 120; it must be capped at the total.\"",
            lesson.Text);
    }

    [Fact]
    public void A_required_criterions_lesson_and_a_criterions_tip_quote_it_too_after_their_advice()
    {
        var required = TemplateLessonWriter.Write(Criterion("refund/order", "Refund not capped.") with { RequiredCriterion = true }, 0.5);
        var tip = TemplateLessonWriter.Write(Criterion("refund/order", "Refund not capped.") with { Kind = FindingKinds.EfficiencyCost, WastedCalls = 6 }, 0.5);

        Assert.EndsWith("Check it before you finish. One grader's reason: \"Refund not capped.\"", required.Text, StringComparison.Ordinal);
        Assert.Contains("it is required", required.Text, StringComparison.Ordinal);
        Assert.EndsWith("another revision. Check it before you finish. One grader's reason: \"Refund not capped.\"", tip.Text, StringComparison.Ordinal);
        // Saying, or no longer saying, that the criterion is required rewrites the template's words, not the reason's.
        Assert.Equal(required.Text, TemplateLessonWriter.WithRequired(TemplateLessonWriter.WithRequired(required.Text, "refund/order", false), "refund/order", true));
        Assert.EndsWith("One grader's reason: \"Refund not capped.\"", TemplateLessonWriter.WithRequired(tip.Text, "refund/order", true), StringComparison.Ordinal);
    }

    [Fact]
    public void The_reason_is_one_line_cut_at_160_characters()
    {
        var reason = "The reply\r\n  quoted   the policy\tbut " + new string('x', 300);

        var text = TemplateLessonWriter.Write(Criterion("refund/order", reason), 0.5).Text;

        var quoted = text[(text.IndexOf("One grader's reason: \"", StringComparison.Ordinal) + 22)..^1];
        Assert.StartsWith("The reply quoted the policy but xxx", quoted, StringComparison.Ordinal);
        Assert.Equal(160, quoted.Length);
        Assert.EndsWith("x…", quoted, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_in_the_reason_is_redacted()
    {
        var text = TemplateLessonWriter.Write(Criterion("deploy/secrets", "The reply printed the key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 and password=hunter22 in the log."), 0.5).Text;

        Assert.DoesNotContain("abcdefghijklmnop", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter22", text, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Without_a_reason_the_lesson_is_as_before(string? reason) =>
        Assert.Equal(
            "Graders often find \"refund/order\" not met: 9 of the 10 sessions where it happened failed (90%, against 50% overall). Check it before you finish.",
            TemplateLessonWriter.Write(Criterion("refund/order", reason), 0.5).Text);

    [Fact]
    public void A_tool_errors_lesson_does_not_quote_its_example()
    {
        var finding = Criterion("x", "Error: payment amount does not add up, total price is 120, but paid 100") with { Kind = FindingKinds.ToolError, Pattern = FindingKinds.ToolError, Tool = "book", Signature = "Error: payment amount does not add up, total price is <num>, but paid <num>" };

        Assert.DoesNotContain("reason", TemplateLessonWriter.Write(finding, 0.5).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dream_quotes_the_reason_with_the_values_of_the_sessions_it_read_masked()
    {
        // The grader names the customer and her order; the customer's message holds both. The lesson reaches every later
        // session, whichever customer's: it says what was wrong without saying whose.
        var traces = new InMemoryTraceStore();
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var sessions = Enumerable.Range(0, 12).Select(i =>
        {
            var failed = i < 8;
            var builder = failed ? MiningSessions.Failed($"s{i:D2}") : MiningSessions.Succeeded($"s{i:D2}");
            builder.UserMessage("Hello, I am Mia Li and I want a refund of order W1001234 please");
            if (failed)
            {
                builder.Evaluation("refund", new CriterionVerdictRecord("order", "not_met", null, "The reply refunded 150 to Mia Li for order W1001234, above its total of 120."));
            }

            var built = builder.Build();
            return built with
            {
                Session = built.Session with { AgentId = "bot", Status = SessionStatus.Completed, StartedAt = start.AddMinutes(i), EndedAt = start.AddMinutes(i).AddSeconds(5) },
                Events = built.Events.Select((e, n) => e with { SessionId = built.Session.Id, Sequence = n + 1, Timestamp = start.AddMinutes(i) }).ToList(),
            };
        }).ToList();
        await traces.ImportAsync(sessions);
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });

        var version = await memory.GetActiveVersionAsync(MemoryScope.Agent("bot"));
        Assert.NotNull(version);
        var lesson = Assert.Single(version.Insights, i => i.Text.Contains("refund/order", StringComparison.Ordinal));
        Assert.EndsWith("One grader's reason: \"The reply refunded 150 to <value> for order <value>, above its total of 120.\"", lesson.Text, StringComparison.Ordinal);
        // The finding keeps the raw reason for the run's own masking and the guard; the run record shows it masked.
        var finding = Assert.Single(run.Results.Report.Findings, f => f.Signature == "refund/order");
        Assert.NotNull(finding.Example);
        Assert.DoesNotContain("Mia", finding.Example, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_reflectors_template_lesson_masks_the_values_of_the_sessions_in_the_reason_too()
    {
        // The model fails: the criterion's lesson is written by template, with the same masking a dream without a model gives.
        var session = MiningSessions.Failed("s1").UserMessage("Hi, I am Mia Li.").Build();
        var model = new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => throw new HttpRequestException("connection refused") };

        var result = await new ModelReflector(model).ReflectAsync(new ReflectionRequest
        {
            Findings = [Criterion("refund/order", "The reply refunded Mia Li twice.")],
            BaseFailureRate = 0.5,
            Sessions = new Dictionary<string, SessionWithEvents> { ["s1"] = session },
            Instructions = null,
        });

        var lesson = Assert.Single(result.Lessons);
        Assert.EndsWith("One grader's reason: \"The reply refunded <value> twice.\"", lesson.Text, StringComparison.Ordinal);
        Assert.Equal("The reply refunded Mia Li twice.", lesson.Finding.Example);
    }

    private static Finding Criterion(string signature, string? reason) => new()
    {
        Kind = FindingKinds.RubricCriterion,
        Pattern = FindingKinds.RubricCriterion,
        Tool = null,
        Signature = signature,
        Sessions = 10,
        FailedSessions = 9,
        FailureRate = 0.9,
        Lift = 1.8,
        FailureRateLowerBound = 0.6,
        PValue = 0.01,
        Strength = 1.2,
        Occurrences = 10,
        WastedCalls = 10,
        WastedTokens = 0,
        Example = reason,
        Evidence = [new FindingEvidence("s1", true, [3])],
    };
}
