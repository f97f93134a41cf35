using Dreaming.Core.Tests.Dreams.Mining;

namespace Dreaming.Tests;

/// <summary>A criterion's lesson quotes one grader's reason, the first failing verdict the dream read. A later dream that
/// finds the lesson again reads other verdicts first: the lesson keeps the reason it quotes, so it is not reworded because
/// another verdict came first. The quote is one line of text, cut between characters as a reader sees them.</summary>
public sealed class RubricReasonStabilityTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_dream_over_new_sessions_whose_graders_give_another_reason_does_not_reword_the_lesson()
    {
        var traces = new InMemoryTraceStore();
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore());
        var scope = MemoryScope.Agent("bot");
        await traces.ImportAsync(Sessions(0, "The refund was not capped at the order total."));
        await dreams.DreamAsync(new DreamRunRequest { Scope = scope });
        var first = Assert.Single((await memory.GetActiveVersionAsync(scope))!.Insights, i => i.Text.Contains("refund/order", StringComparison.Ordinal));

        // The same figures (8 of 12 failed), other words from the graders.
        await traces.ImportAsync(Sessions(100, "Refunded more than the customer paid."));
        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = scope });

        var again = Assert.Single((await memory.GetActiveVersionAsync(scope))!.Insights, i => i.Id == first.Id);
        Assert.Equal(first.Text, again.Text);
        Assert.EndsWith("One grader's reason: \"The refund was not capped at the order total.\"", again.Text, StringComparison.Ordinal);
        Assert.Equal(DreamChangeOp.Merge, Assert.Single(run.Results.Report.Changes, c => c.InsightId == first.Id).Op);
    }

    [Fact]
    public void A_lesson_found_again_with_other_figures_and_another_reason_takes_the_figures_and_keeps_its_reason()
    {
        var scope = MemoryScope.Agent("bot");
        var first = MemoryCurator.Curate([], [TemplateLessonWriter.Write(Criterion("Refund not capped.", sessions: 10, failed: 9), 0.5)], [], scope, _ => [], Start);

        var again = MemoryCurator.Curate(first.Insights, [TemplateLessonWriter.Write(Criterion("Refunded twice.", sessions: 20, failed: 18), 0.5)], [], scope, _ => [], Start.AddDays(1));

        var insight = Assert.Single(again.Insights);
        Assert.StartsWith("Graders often find \"refund/order\" not met: 18 of the 20 sessions", insight.Text, StringComparison.Ordinal);
        Assert.EndsWith("Check it before you finish. One grader's reason: \"Refund not capped.\"", insight.Text, StringComparison.Ordinal);
        Assert.Contains("with the figures of these sessions now", Assert.Single(again.Changes).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lesson_found_again_without_a_reason_keeps_the_one_it_quotes_and_one_written_before_quotes_gains_one()
    {
        var scope = MemoryScope.Agent("bot");
        var quoted = MemoryCurator.Curate([], [TemplateLessonWriter.Write(Criterion("Refund not capped."), 0.5)], [], scope, _ => [], Start);
        var unquoted = MemoryCurator.Curate([], [TemplateLessonWriter.Write(Criterion(null), 0.5)], [], scope, _ => [], Start);

        var keeps = MemoryCurator.Curate(quoted.Insights, [TemplateLessonWriter.Write(Criterion(null), 0.5)], [], scope, _ => [], Start.AddDays(1));
        var gains = MemoryCurator.Curate(unquoted.Insights, [TemplateLessonWriter.Write(Criterion("Refunded twice."), 0.5)], [], scope, _ => [], Start.AddDays(1));

        Assert.Equal(Assert.Single(quoted.Insights).Text, Assert.Single(keeps.Insights).Text);
        Assert.Equal(DreamChangeOp.Merge, Assert.Single(keeps.Changes).Op);
        Assert.EndsWith("One grader's reason: \"Refunded twice.\"", Assert.Single(gains.Insights).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lesson_framed_the_other_way_keeps_the_reason_it_quotes()
    {
        var scope = MemoryScope.Agent("bot");
        var pitfall = MemoryCurator.Curate([], [TemplateLessonWriter.Write(Criterion("Refund not capped.", sessions: 3, failed: 3), 0.5)], [], scope, _ => [], Start);
        var tip = Criterion("Refunded twice.", sessions: 20, failed: 10) with { Kind = FindingKinds.EfficiencyCost, Evidence = [.. Enumerable.Range(0, 10).Select(i => new FindingEvidence("t" + i, false, [3]))] };

        var reframed = MemoryCurator.Curate(pitfall.Insights, [TemplateLessonWriter.Write(tip, 0.5)], [], scope, _ => [], Start.AddDays(1));

        var insight = Assert.Single(reframed.Insights);
        Assert.StartsWith("To save steps: graders often find \"refund/order\" not met", insight.Text, StringComparison.Ordinal);
        Assert.EndsWith("One grader's reason: \"Refund not capped.\"", insight.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_in_the_reason_become_spaces()
    {
        var text = TemplateLessonWriter.Write(Criterion("The reply\u001b[31m printed\u0007 the\u0000 total\u0085 twice."), 0.5).Text;

        Assert.DoesNotContain(text, char.IsControl);
        Assert.EndsWith("One grader's reason: \"The reply [31m printed the total twice.\"", text, StringComparison.Ordinal);
    }

    // Each straddles the 159th character, after which the ellipsis comes: an accent, a flag (two regional indicators), a
    // family (three emoji joined by zero-width joiners).
    [Theory]
    [InlineData(158, "e\u0301")]
    [InlineData(157, "\U0001F1EB\U0001F1F7")]
    [InlineData(155, "\U0001F468\u200D\U0001F469\u200D\U0001F467")]
    public void The_cut_keeps_a_character_as_a_reader_sees_it_whole_or_leaves_it_out(int before, string character)
    {
        var text = TemplateLessonWriter.Write(Criterion(new string('x', before) + character + " and more after it"), 0.5).Text;

        var quoted = text[(text.IndexOf("One grader's reason: \"", StringComparison.Ordinal) + 22)..^1];
        Assert.Equal(new string('x', before) + "…", quoted);
    }

    [Fact]
    public void Quotes_inside_the_reason_are_kept_as_the_grader_wrote_them()
    {
        var text = TemplateLessonWriter.Write(Criterion("The reply said \"refund/order\" not met: and 'done'."), 0.5).Text;

        Assert.EndsWith("One grader's reason: \"The reply said \"refund/order\" not met: and 'done'.\"", text, StringComparison.Ordinal);
        Assert.StartsWith("Graders often find \"refund/order\" not met: 9 of", text, StringComparison.Ordinal);
    }

    private static List<SessionWithEvents> Sessions(int from, string reason) => [.. Enumerable.Range(from, 12).Select(i =>
    {
        var failed = i - from < 8;
        var builder = failed ? MiningSessions.Failed($"s{i:D3}") : MiningSessions.Succeeded($"s{i:D3}");
        builder.UserMessage("Please refund my order");
        if (failed)
        {
            builder.Evaluation("refund", new CriterionVerdictRecord("order", "not_met", null, reason));
        }

        var built = builder.Build();
        return built with
        {
            Session = built.Session with { AgentId = "bot", Status = SessionStatus.Completed, StartedAt = Start.AddMinutes(i), EndedAt = Start.AddMinutes(i).AddSeconds(5) },
            Events = built.Events.Select((e, n) => e with { SessionId = built.Session.Id, Sequence = n + 1, Timestamp = Start.AddMinutes(i) }).ToList(),
        };
    })];

    private static Finding Criterion(string? reason, int sessions = 10, int failed = 9) => new()
    {
        Kind = FindingKinds.RubricCriterion,
        Pattern = FindingKinds.RubricCriterion,
        Tool = null,
        Signature = "refund/order",
        Sessions = sessions,
        FailedSessions = failed,
        FailureRate = (double)failed / sessions,
        Lift = 1.8,
        FailureRateLowerBound = 0.6,
        PValue = 0.01,
        Strength = 1.2,
        Occurrences = sessions,
        WastedCalls = sessions,
        WastedTokens = 0,
        Example = reason,
        Evidence = [.. Enumerable.Range(0, Math.Min(failed, 5)).Select(i => new FindingEvidence("s" + i, true, [3]))],
    };
}
