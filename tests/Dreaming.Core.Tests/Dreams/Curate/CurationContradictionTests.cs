using static Dreaming.Tests.CurationCases;

namespace Dreaming.Tests;

/// <summary>Curation of lessons that contradict each other or one in memory: the newer, better supported one stays, the
/// other is retired or rejected and reported; lessons on other subjects or of the same polarity are no contradiction.</summary>
public class CurationContradictionTests
{
    [Fact]
    public void A_newer_better_supported_lesson_retires_the_one_it_contradicts()
    {
        var older = Existing("ins-old", "Always confirm the payment total before calling book_reservation.", "s1", InsightSource.Reflected);
        var newer = Candidate("Do not confirm the payment total before calling book_reservation.", "s2", "s3", "s4");

        var result = Curate([older], [newer]);

        Assert.Equal(InsightStatus.Retired, result.Insights.Single(i => i.Id == "ins-old").Status);
        Assert.Contains(result.Insights, i => i.Text == newer.Text && i.Status == InsightStatus.Active);
        Assert.Contains(result.Changes, c => c.Op == DreamChangeOp.Retire && c.InsightId == "ins-old" && c.Reason.Contains("contradicted by a newer lesson", StringComparison.Ordinal));
    }

    [Fact]
    public void A_contradicting_lesson_with_less_support_or_against_a_person_is_rejected_and_reported()
    {
        var supported = Existing("ins-old", "Always confirm the payment total before calling book_reservation.", "s1", InsightSource.Reflected) with { Helpful = 4 };
        var human = Existing("ins-human", "Never call book_reservation before the customer confirms the price.", "s1", InsightSource.Human);
        var weak = Candidate("Do not confirm the payment total before calling book_reservation.", "s2");
        var strong = Candidate("Always call book_reservation before the customer confirms the price.", "s2", "s3", "s4", "s5", "s6");

        var result = Curate([supported, human], [weak, strong]);

        Assert.All(result.Insights, i => Assert.Equal(InsightStatus.Active, i.Status));
        Assert.Equal(2, result.Insights.Count);
        var rejects = result.Changes.Where(c => c.Op == DreamChangeOp.Reject).ToList();
        Assert.Equal(["ins-old", "ins-human"], rejects.Select(c => c.InsightId));
        Assert.Contains("better supported (5 against 1)", rejects[0].Reason, StringComparison.Ordinal);
        Assert.Contains("which a person wrote", rejects[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lesson_whose_evidence_is_at_the_bound_is_not_retired_by_a_contradiction_with_as_many_sessions()
    {
        // The bound keeps MaxEvidence sessions of a lesson that showed more: a contradicting lesson with as many sessions has
        // less support, not as much, and retired it before.
        var options = new CurationOptions { MaxEvidence = 3 };
        var older = Existing("ins-old", "Always confirm the payment total before calling book_reservation.", "s1", InsightSource.Reflected) with
        {
            Evidence = [new InsightEvidence("s1"), new InsightEvidence("s2"), new InsightEvidence("s3")],
        };
        var newer = Candidate("Do not confirm the payment total before calling book_reservation.", "s4", "s5", "s6");

        var result = MemoryCurator.Curate([older], [newer], [], s_scope, _ => [], s_now, options);

        Assert.Equal(InsightStatus.Active, Assert.Single(result.Insights).Status);
        var reject = Assert.Single(result.Changes);
        Assert.Equal(DreamChangeOp.Reject, reject.Op);
        Assert.Contains("(3 against 3, its evidence at the bound of 3 sessions)", reject.Reason, StringComparison.Ordinal);

        // More sessions than the bound count as the bound: the tie is the same.
        Assert.Equal(DreamChangeOp.Reject, Assert.Single(MemoryCurator.Curate([older], [Candidate(newer.Text, "s4", "s5", "s6", "s7", "s8")], [], s_scope, _ => [], s_now, options).Changes).Op);
    }

    [Fact]
    public void Of_two_new_lessons_that_contradict_each_other_the_stronger_one_stays_and_the_other_is_rejected()
    {
        // Both come from this dream, with as much support: the first (from the stronger finding) is not "older", and a
        // lesson added a moment ago must not be retired by a weaker one from the same sessions.
        var stronger = Candidate("Always confirm the payment total before calling book_reservation.", "s1", "s2");
        var weaker = Candidate("Do not confirm the payment total before calling book_reservation.", "s3", "s4");

        var result = Curate([], [stronger, weaker]);

        var kept = Assert.Single(result.Insights);
        Assert.Equal(stronger.Text, kept.Text);
        Assert.Equal(InsightStatus.Active, kept.Status);
        Assert.DoesNotContain(result.Changes, c => c.Op == DreamChangeOp.Retire);
        var reject = Assert.Single(result.Changes, c => c.Op == DreamChangeOp.Reject);
        Assert.Equal(kept.Id, reject.InsightId);
        Assert.Equal(weaker.Text, reject.Text);
        Assert.Contains("added by this dream from a stronger finding", reject.Reason, StringComparison.Ordinal);

        // With more support, the later one still wins, and the one it replaces is retired.
        var better = Candidate("Do not confirm the payment total before calling book_reservation.", "s3", "s4", "s5");
        var replaced = Curate([], [stronger, better]);
        Assert.Equal(better.Text, Assert.Single(replaced.Insights, i => i.Status == InsightStatus.Active).Text);
        Assert.Contains(replaced.Changes, c => c.Op == DreamChangeOp.Retire && c.Text == stronger.Text);
    }

    [Fact]
    public void Lessons_on_different_subjects_or_with_the_same_polarity_are_not_contradictions()
    {
        var existing = Existing("ins-1", "Always confirm the payment total before calling book_reservation.", "s1", InsightSource.Reflected);
        var result = Curate([existing], [Candidate("Do not retry search_flights with the same dates.", "s2"), Candidate("Always confirm the cabin class before calling book_reservation.", "s3")]);
        Assert.DoesNotContain(result.Changes, c => c.Op is DreamChangeOp.Reject or DreamChangeOp.Retire);
    }
}
