using System.Diagnostics;

namespace Dreaming;

/// <summary>Adds <c>gen_ai.evaluation.result</c> events to the session's span, one per criterion and one for the total.</summary>
/// <remarks>Names follow https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/ (<c>gen_ai.evaluation.name</c>,
/// <c>gen_ai.evaluation.score.value</c>, <c>gen_ai.evaluation.score.label</c>, <c>gen_ai.evaluation.explanation</c>).</remarks>
internal static class EvaluationTelemetry
{
    public const string EventName = "gen_ai.evaluation.result";

    public static void Record(IAgentSession session, RubricEvaluation evaluation)
    {
        var activity = (session as AgentSession)?.Activity;
        if (activity is null || !activity.IsAllDataRequested)
        {
            return;
        }

        foreach (var result in evaluation.Criteria)
        {
            activity.AddEvent(Event(
                $"{evaluation.Rubric.Id}.{result.Criterion.Id}",
                result.Score,
                result.Verdict == CriterionVerdict.Met ? "pass" : result.Verdict is CriterionVerdict.Error or CriterionVerdict.Skipped ? OutcomeFeedback.VerdictName(result.Verdict) : "fail",
                result.Reason));
        }

        activity.AddEvent(Event(evaluation.Rubric.Id, evaluation.Score, evaluation.Passed ? "pass" : "fail", null));
    }

    private static ActivityEvent Event(string name, double? score, string label, string? explanation)
    {
        var tags = new ActivityTagsCollection
        {
            ["gen_ai.evaluation.name"] = name,
            ["gen_ai.evaluation.score.label"] = label,
        };
        if (score is { } value)
        {
            tags["gen_ai.evaluation.score.value"] = value;
        }

        if (explanation is not null)
        {
            tags["gen_ai.evaluation.explanation"] = explanation;
        }

        return new ActivityEvent(EventName, tags: tags);
    }
}
