using System.Text.Json;
using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests.Outcomes.Grading;

/// <summary>The correction sent to a grader that answered ids not asked for counts the ids, not the entries.</summary>
public class GraderIgnoredIdCountTests
{
    private static readonly RubricCriterion[] s_criteria = [Model("c1", "Mentions the order number"), Model("c2", "Apologises once")];

    private static readonly ModelGraderOptions s_noCallRetries = new() { CallRetries = 0 };

    [Fact]
    public async Task One_id_not_asked_for_answered_twelve_times_is_named_once_without_and_more()
    {
        var entries = Enumerable.Repeat(new { id = "x", reason = "r", verdict = "met" }, 12)
            .Append(new { id = "c1", reason = "r", verdict = "met" });
        var grader = new ScriptedGrader(JsonSerializer.Serialize(new { criteria = entries }), ScriptedGrader.Reply(("c1", "met"), ("c2", "met")));

        await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        var correction = grader.Call(1).Messages[^1].Text;
        Assert.Contains("it answered ids that were not asked for (x)", correction, StringComparison.Ordinal);
        Assert.DoesNotContain("more)", correction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_ids_than_are_listed_count_each_distinct_id_once_ignoring_case()
    {
        // Twelve distinct ids (two past the ten listed), each answered three times, once in capitals.
        var entries = Enumerable.Range(0, 12).SelectMany(i => new[] { $"extra-{i}", $"extra-{i}", $"EXTRA-{i}" })
            .Select(id => new { id, reason = "r", verdict = "met" })
            .Append(new { id = "c1", reason = "r", verdict = "met" });
        var grader = new ScriptedGrader(JsonSerializer.Serialize(new { criteria = entries }), ScriptedGrader.Reply(("c1", "met"), ("c2", "met")));

        await new ModelGrader(grader.Client, s_noCallRetries).GradeAsync(Rubric(s_criteria), s_criteria, "artifact");

        var correction = grader.Call(1).Messages[^1].Text;
        var listed = string.Join(", ", Enumerable.Range(0, GraderReply.MaxListedIds).Select(i => $"extra-{i}"));
        Assert.Contains($"({listed} and 2 more)", correction, StringComparison.Ordinal);
    }
}
