using System.Diagnostics;

namespace Dreaming;

/// <summary>Adds <c>gen_ai.evaluation.result</c> events to the session's span, one per criterion and one for the total.</summary>
/// <remarks>Names follow https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/ (<c>gen_ai.evaluation.name</c>,
/// <c>gen_ai.evaluation.score.value</c>, <c>gen_ai.evaluation.score.label</c>, <c>gen_ai.evaluation.explanation</c>). The
/// explanation is the criterion's reason as recorded, redacted: deterministic checks quote the work. A criterion whose
/// evaluator failed (<see cref="CriterionVerdict.Error"/>) also carries <c>error.type</c>, conditionally required then:
/// <c>_OTHER</c>, the conventions' fallback, as the verdict keeps the failure's reason but no error code.</remarks>
internal static class EvaluationTelemetry
{
    public const string EventName = "gen_ai.evaluation.result";

    /// <summary>The <c>error.type</c> of a criterion whose evaluator failed: the conventions' fallback value.</summary>
    public const string EvaluatorErrorType = "_OTHER";

    /// <param name="session">The loop's session.</param>
    /// <param name="evaluation">The evaluation.</param>
    /// <param name="redacted">The criteria as recorded (reasons redacted), in the evaluation's order; <see langword="null"/>
    /// when they could not be redacted, and then no explanation is added.</param>
    public static void Record(IAgentSession session, RubricEvaluation evaluation, IReadOnlyList<CriterionVerdictRecord>? redacted)
    {
        var activity = (session as AgentSession)?.Activity;
        if (activity is null || !activity.IsAllDataRequested)
        {
            return;
        }

        for (var i = 0; i < evaluation.Criteria.Count; i++)
        {
            var result = evaluation.Criteria[i];
            activity.AddEvent(Event(
                $"{evaluation.Rubric.Id}.{result.Criterion.Id}",
                result.Score,
                result.Verdict == CriterionVerdict.Met ? "pass" : result.Verdict is CriterionVerdict.Error or CriterionVerdict.Skipped ? OutcomeFeedback.VerdictName(result.Verdict) : "fail",
                redacted is not null && i < redacted.Count ? redacted[i].Reason : null,
                result.Verdict == CriterionVerdict.Error ? EvaluatorErrorType : null));
        }

        activity.AddEvent(Event(evaluation.Rubric.Id, evaluation.Score, evaluation.Passed ? "pass" : "fail", null, null));
    }

    private static ActivityEvent Event(string name, double? score, string label, string? explanation, string? errorType)
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

        if (errorType is not null)
        {
            tags[DreamingTelemetry.Attributes.ErrorType] = errorType;
        }

        return new ActivityEvent(EventName, tags: tags);
    }
}
