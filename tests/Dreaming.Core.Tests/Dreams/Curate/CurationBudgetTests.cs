using static Dreaming.Tests.CurationCases;

namespace Dreaming.Tests;

/// <summary>The committed memory capped to its token budget: the least useful held back, never deleted, ties broken by
/// order and by evidence sessions, so the same sessions give the same memory.</summary>
public class CurationBudgetTests
{
    [Fact]
    public void The_committed_memory_is_capped_to_its_token_budget_holding_back_the_least_useful_without_deleting()
    {
        var useful = Existing("ins-useful", new string('u', 200), "s1", InsightSource.Reflected) with { Helpful = 9, Seen = 10 };
        var useless = Existing("ins-useless", new string('x', 200), "s1", InsightSource.Reflected) with { Helpful = 0, Seen = 20 };
        var human = Existing("ins-human", new string('h', 400), "s1", InsightSource.Human) with { Seen = 50 };
        var options = new CurationOptions { MemoryTokenBudget = 200 };

        var result = MemoryCurator.Curate([useful, useless, human], [Candidate(new string('n', 200), "s2")], [], s_scope, _ => [], s_now, options);

        Assert.Equal(4, result.Insights.Count);
        Assert.Equal(InsightStatus.Active, result.Insights.Single(i => i.Id == "ins-human").Status);
        Assert.Equal(InsightStatus.Active, result.Insights.Single(i => i.Id == "ins-useful").Status);
        Assert.Equal(InsightStatus.Proposed, result.Insights.Single(i => i.Id == "ins-useless").Status);
        Assert.Equal(InsightStatus.Proposed, result.Insights.Single(i => i.Text.StartsWith('n')).Status);
        Assert.Contains(result.Changes, c => c.Op == DreamChangeOp.Update && c.InsightId == "ins-useless" && c.Reason.Contains("over its 200-token budget", StringComparison.Ordinal));
        Assert.Contains(result.Changes, c => c.Op == DreamChangeOp.Add && c.Reason.Contains("held back as proposed", StringComparison.Ordinal));

        var roomier = MemoryCurator.Curate(result.Insights, [], [], s_scope, _ => [], s_now.AddDays(1), new CurationOptions { MemoryTokenBudget = 1000 });
        Assert.All(roomier.Insights, i => Assert.Equal(InsightStatus.Active, i.Status));
        Assert.Equal(2, roomier.Changes.Count(c => c.Reason.StartsWith("activated", StringComparison.Ordinal)));
        var rendered = InsightRanker.Render(new MemoryVersion { Id = "v", Number = 1, Scope = s_scope, Insights = result.Insights, Author = MemoryAuthor.Person("p"), State = MemoryVersionState.Active, CreatedAt = s_now }, "task", [], 10_000)!;
        Assert.DoesNotContain("ins-useless", rendered.InsightIds);
    }

    [Fact]
    public void New_lessons_that_tie_on_usefulness_are_held_back_by_their_order_so_the_same_sessions_give_the_same_memory()
    {
        // Forty new lessons with equal counters, evidence and creation time, strongest first: the budget (50 tokens)
        // holds one. It must be the strongest, every time, not whichever got the smallest random id.
        var candidates = Enumerable.Range(0, 40)
            .Select(i => Candidate($"Lesson {(char)('a' + (i / 26))}{(char)('a' + (i % 26))}: " + string.Join(' ', Enumerable.Range(0, 20).Select(k => new string((char)('a' + (k % 26)), 3) + (char)('a' + (i / 26)) + (char)('a' + (i % 26)))), "s1", "s2") with { Triggers = new InsightTriggers { Tools = [$"tool{i}"] } })
            .ToList();
        var options = new CurationOptions { MemoryTokenBudget = 50 };

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var result = MemoryCurator.Curate([], candidates, [], s_scope, _ => [], s_now, options);

            var active = Assert.Single(result.Insights, i => i.Status == InsightStatus.Active);
            Assert.StartsWith("Lesson aa:", active.Text, StringComparison.Ordinal);
            Assert.Equal(39, result.Insights.Count(i => i.Status == InsightStatus.Proposed));
        }
    }

    [Fact]
    public void Insights_that_tie_on_usefulness_are_ranked_by_their_evidence_sessions_not_by_entries_naming_one_session_again()
    {
        // Written through the API, an insight may cite one session at three events: it has one session of evidence, the
        // other two, and the budget (50 tokens) holds one of them.
        var repeated = Existing("ins-repeated", new string('r', 100), "s1", InsightSource.Reflected) with
        {
            Evidence = [new InsightEvidence("s1", 4), new InsightEvidence("s1", 9), new InsightEvidence("s1", 12)],
        };
        var two = Existing("ins-two", new string('t', 100), "s2", InsightSource.Reflected) with { Evidence = [new InsightEvidence("s2"), new InsightEvidence("s3")] };

        var result = MemoryCurator.Curate([repeated, two], [], [], s_scope, _ => [], s_now, new CurationOptions { MemoryTokenBudget = 50 });

        Assert.Equal(InsightStatus.Active, result.Insights.Single(i => i.Id == "ins-two").Status);
        Assert.Equal(InsightStatus.Proposed, result.Insights.Single(i => i.Id == "ins-repeated").Status);
    }
}
