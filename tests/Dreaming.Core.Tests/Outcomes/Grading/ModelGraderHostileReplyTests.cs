using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests.Outcomes.Grading;

/// <summary>Grader replies a model gone wrong (or steered by the work it grades) can give: what is kept of them is bounded.</summary>
public class ModelGraderHostileReplyTests
{
    private static readonly RubricCriterion[] s_criteria = [Model("c1", "Mentions the order number"), Model("c2", "Apologises once")];

    private static readonly ModelGraderOptions s_noCallRetries = new() { CallRetries = 0 };

    [Fact]
    public async Task An_enormous_reason_is_cut_in_the_result_the_revision_feedback_quotes()
    {
        var huge = new string('x', 1_000_000);
        var reply = JsonSerializer.Serialize(new
        {
            criteria = new[]
            {
                new { id = "c1", reason = huge, verdict = "not_met" },
                new { id = "c2", reason = "fine", verdict = "met" },
            },
        });
        var grader = new ScriptedGrader(reply);

        var grade = await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        var reason = grade.Criteria[0].Reason!;
        Assert.Equal(CriterionVerdict.NotMet, grade.Criteria[0].Verdict);
        Assert.InRange(reason.Length, GraderReply.MaxReasonLength, GraderReply.MaxReasonLength + 100);
        Assert.StartsWith(new string('x', GraderReply.MaxReasonLength), reason, StringComparison.Ordinal);
        Assert.Contains("cut from 1000000 characters", reason, StringComparison.Ordinal);
        Assert.Equal("fine", grade.Criteria[1].Reason);
    }

    [Fact]
    public async Task A_reply_answering_thousands_of_ids_not_asked_for_gets_a_correction_of_bounded_size()
    {
        var entries = Enumerable.Range(0, 20_000).Select(i => new { id = $"invented-{i}-" + new string('y', 200), reason = "r", verdict = "met" })
            .Append(new { id = "c1", reason = "r", verdict = "met" });
        var flood = JsonSerializer.Serialize(new { criteria = entries });
        var grader = new ScriptedGrader(flood, ScriptedGrader.Reply(("c1", "met"), ("c2", "met")));

        var grade = await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        Assert.Equal(2, grader.CallCount);
        var correction = grader.Call(1).Messages[^1].Text;
        Assert.InRange(correction.Length, 1, 4_000);
        Assert.Contains("and 19990 more", correction, StringComparison.Ordinal);
        Assert.All(grade.Criteria, c => Assert.Equal(CriterionVerdict.Met, c.Verdict));
    }

    [Fact]
    public async Task An_enormous_unknown_verdict_is_quoted_cut_in_the_correction_and_the_error()
    {
        var verdict = new string('v', 500_000);
        var reply = JsonSerializer.Serialize(new { criteria = new[] { new { id = "c1", reason = "r", verdict }, new { id = "c2", reason = "r", verdict = "met" } } });
        var grader = new ScriptedGrader(reply);

        var grade = await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        Assert.Equal(2, grader.CallCount);
        Assert.InRange(grader.Call(1).Messages[^1].Text.Length, 1, 2_000);
        Assert.Equal(CriterionVerdict.Error, grade.Criteria[0].Verdict);
        Assert.InRange(grade.Criteria[0].Reason!.Length, 1, 1_000);
        Assert.Contains("cut from 500000 characters", grade.Criteria[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_nested_deeper_than_the_reader_allows_is_unreadable_not_a_crash()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 100_000)) + "1" + new string('}', 100_000);
        var grader = new ScriptedGrader(deep);

        var grade = await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        Assert.All(grade.Criteria, c => Assert.Equal(CriterionVerdict.Error, c.Verdict));
        Assert.All(grade.Criteria, c => Assert.Contains("no JSON object", c.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Half_a_surrogate_pair_escaped_in_a_reply_reads_as_a_replacement_character_not_an_exception()
    {
        // JSON may write half a pair as an escape (a model or proxy cutting "\ud83d\ude00" in two); reading such a string or
        // name threw InvalidOperationException out of GradeAsync.
        var grader = new ScriptedGrader("""{"criteria":[{"id":"c1","verdict":"met","reason":"Says sorry \ud83d"},{"id\udc00":"x"},{"id":"c2","verdict":"not_met","reason":"r"}]}""");

        var grade = await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        Assert.Equal(1, grader.CallCount);
        Assert.Equal([CriterionVerdict.Met, CriterionVerdict.NotMet], grade.Criteria.Select(c => c.Verdict));
        Assert.Equal("Says sorry \ufffd", grade.Criteria[0].Reason);
    }
}
