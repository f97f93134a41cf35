namespace Dreaming.Tests;

/// <summary>Decay retires an insight unchanged for DecayAfter that was not found again: one the same dream finds again
/// (after a gap between dreams longer than DecayAfter, or sessions that never called its tools) is merged, keeping its
/// id and counters, not retired and added afresh.</summary>
public sealed class CurationDecayFoundAgainTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("airline");
    private static readonly CurationOptions s_options = new() { DecayAfter = TimeSpan.FromDays(7) };

    [Fact]
    public void A_templated_lesson_found_again_by_the_dream_that_would_decay_it_merges()
    {
        const string Signature = "Error: not enough seats on flight <id>";
        var first = TemplateLessonWriter.Write(Finding("update_reservation_flights", Signature, 7, 5, "s1"), 0.58);
        var stale = Assert.Single(MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now.AddDays(-30)).Insights) with { Helpful = 6, Seen = 8 };
        var again = TemplateLessonWriter.Write(Finding("update_reservation_flights", Signature, 9, 6, "s2"), 0.6);

        var result = MemoryCurator.Curate([stale], [again], [], s_scope, _ => [], s_now, s_options);

        var insight = Assert.Single(result.Insights);
        Assert.Equal(stale.Id, insight.Id);
        Assert.Equal(InsightStatus.Active, insight.Status);
        Assert.Equal(6, insight.Helpful);
        Assert.Equal(["s1", "s2"], insight.Evidence.Select(e => e.SessionId));
        Assert.Equal(s_now, insight.UpdatedAt);
        Assert.Equal((DreamChangeOp.Update, again.Text), (Assert.Single(result.Changes).Op, insight.Text));
    }

    [Fact]
    public void A_free_text_lesson_found_again_with_the_same_text_merges()
    {
        var stale = new Insight
        {
            Id = "ins-stale",
            Kind = InsightKind.Lesson,
            Text = "Confirm the cabin class with the user before calling update_reservation_flights.",
            Scope = s_scope,
            Triggers = new InsightTriggers { Tools = ["update_reservation_flights"] },
            Status = InsightStatus.Active,
            Source = InsightSource.Reflected,
            Helpful = 4,
            CreatedAt = s_now.AddDays(-40),
            UpdatedAt = s_now.AddDays(-30),
        };
        var again = new LessonCandidate
        {
            Kind = InsightKind.Lesson,
            Text = stale.Text,
            Triggers = stale.Triggers,
            Evidence = [new InsightEvidence("s9", 3)],
            Finding = Finding("update_reservation_flights", "task contrast", 4, 3, "s9"),
            Source = InsightSource.Reflected,
        };

        var result = MemoryCurator.Curate([stale], [again], [], s_scope, _ => [], s_now, s_options);

        var insight = Assert.Single(result.Insights);
        Assert.Equal((stale.Id, InsightStatus.Active, 4), (insight.Id, insight.Status, insight.Helpful));
        Assert.Equal(DreamChangeOp.Merge, Assert.Single(result.Changes).Op);
    }

    [Fact]
    public void A_stale_lesson_not_found_again_still_decays()
    {
        var first = TemplateLessonWriter.Write(Finding("update_reservation_flights", "Error: gift card balance is not enough", 5, 5, "s1"), 0.58);
        var stale = Assert.Single(MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now.AddDays(-30)).Insights);
        var other = TemplateLessonWriter.Write(Finding("update_reservation_flights", "Error: certificate cannot be used to update reservation", 4, 3, "s2"), 0.58);

        var result = MemoryCurator.Curate([stale], [other], [], s_scope, _ => [], s_now, s_options);

        Assert.Equal(InsightStatus.Retired, result.Insights.Single(i => i.Id == stale.Id).Status);
        Assert.Equal([DreamChangeOp.Retire, DreamChangeOp.Add], result.Changes.Select(c => c.Op));
        Assert.Contains("decayed", result.Changes[0].Reason, StringComparison.Ordinal);
    }

    private static Finding Finding(string tool, string signature, int sessions, int failed, string session) =>
        DreamTestData.ToolErrorFinding(tool, signature, session) with
        {
            Sessions = sessions,
            FailedSessions = failed,
            FailureRate = (double)failed / sessions,
        };
}
