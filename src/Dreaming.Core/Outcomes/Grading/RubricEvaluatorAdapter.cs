using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Dreaming;

/// <summary>Makes a rubric usable as a Microsoft.Extensions.AI.Evaluation <see cref="IEvaluator"/>.</summary>
/// <remarks>
/// <para>Grades the text of the model response against the rubric; the task shown to the grader is the text of the
/// last user message. Produces one <see cref="NumericMetric"/> per criterion, named by the criterion id, valued 1, 0.5
/// or 0 (no value, with a diagnostic, when the criterion is in error or skipped), and <see cref="ScoreMetricName"/>
/// with the rubric's score. Each has an interpretation: a criterion fails when not met, or when it is required and
/// only partially met, or in error; the score fails when the rubric is not passed.</para>
/// <para>Unless an <see cref="IRubricEvaluator"/> is given, model-judged criteria are graded by the chat client of the
/// <see cref="ChatConfiguration"/> passed to each evaluation, as the library's own evaluators do, and skipped
/// without one.</para>
/// </remarks>
public sealed class RubricEvaluatorAdapter : IEvaluator
{
    /// <summary>The name of the metric holding the rubric's overall score.</summary>
    public const string ScoreMetricName = "rubric.score";

    private readonly Rubric _rubric;
    private readonly IRubricEvaluator? _evaluator;
    private readonly ModelGraderOptions? _graderOptions;

    /// <summary>Initializes a new instance that grades with the chat client of each evaluation's <see cref="ChatConfiguration"/>.</summary>
    /// <param name="rubric">The rubric.</param>
    /// <param name="graderOptions">The grader options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="RubricException">The rubric is invalid, or a criterion id is <see cref="ScoreMetricName"/>.</exception>
    /// <exception cref="ArgumentException">A grader option is invalid.</exception>
    public RubricEvaluatorAdapter(Rubric rubric, ModelGraderOptions? graderOptions = null)
    {
        _rubric = Validated(rubric);
        if (graderOptions is not null && new ModelGraderOptionsValidator().Validate(null, graderOptions) is { Failed: true } validation)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(graderOptions));
        }

        _graderOptions = graderOptions;
        EvaluationMetricNames = MetricNames(_rubric);
    }

    /// <summary>Initializes a new instance that grades with <paramref name="evaluator"/>; the chat configuration is not used.</summary>
    /// <param name="rubric">The rubric.</param>
    /// <param name="evaluator">The rubric evaluator.</param>
    /// <exception cref="RubricException">The rubric is invalid, or a criterion id is <see cref="ScoreMetricName"/>.</exception>
    public RubricEvaluatorAdapter(Rubric rubric, IRubricEvaluator evaluator)
    {
        _rubric = Validated(rubric);
        _evaluator = evaluator ?? throw new ArgumentNullException(nameof(evaluator));
        EvaluationMetricNames = MetricNames(_rubric);
    }

    /// <inheritdoc />
    public IReadOnlyCollection<string> EvaluationMetricNames { get; }

    /// <inheritdoc />
    public async ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(modelResponse);
        var task = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
        var evaluator = _evaluator ?? new RubricEvaluator(chatConfiguration is null ? null : new ModelGrader(chatConfiguration.ChatClient, _graderOptions));
        var evaluation = await evaluator.EvaluateAsync(_rubric, modelResponse.Text, string.IsNullOrWhiteSpace(task) ? null : task, cancellationToken).ConfigureAwait(false);

        var metrics = new List<EvaluationMetric>(evaluation.Criteria.Count + 1);
        metrics.AddRange(evaluation.Criteria.Select(CriterionMetric));
        metrics.Add(ScoreMetric(evaluation));
        return new EvaluationResult(metrics);
    }

    private static Rubric Validated(Rubric rubric)
    {
        RubricValidator.Validate(rubric);
        if (rubric.Criteria.Any(c => string.Equals(c.Id, ScoreMetricName, StringComparison.OrdinalIgnoreCase)))
        {
            throw new RubricException($"Rubric {rubric.Id}: the criterion id {ScoreMetricName} is the name of the overall score metric.");
        }

        return rubric;
    }

    private static string[] MetricNames(Rubric rubric) => [.. rubric.Criteria.Select(c => c.Id), ScoreMetricName];

    private static NumericMetric CriterionMetric(CriterionResult result)
    {
        var criterion = result.Criterion;
        var metric = new NumericMetric(criterion.Id, result.Score, result.Reason);
        var (rating, failed) = result.Verdict switch
        {
            CriterionVerdict.Met => (EvaluationRating.Good, false),
            CriterionVerdict.PartiallyMet => (EvaluationRating.Average, criterion.Required),
            CriterionVerdict.NotMet => (EvaluationRating.Unacceptable, true),
            CriterionVerdict.Skipped => (EvaluationRating.Inconclusive, false),
            _ => (EvaluationRating.Inconclusive, true),
        };
        metric.Interpretation = new EvaluationMetricInterpretation(rating, failed, $"{VerdictName(result.Verdict)}: {criterion.Text}");
        if (result.Verdict == CriterionVerdict.Error)
        {
            metric.AddDiagnostics(EvaluationDiagnostic.Error($"Criterion {criterion.Id} could not be checked: {result.Reason}"));
        }
        else if (result.Verdict == CriterionVerdict.Skipped)
        {
            metric.AddDiagnostics(EvaluationDiagnostic.Warning($"Criterion {criterion.Id} was not checked: {result.Reason}"));
        }

        metric.AddOrUpdateMetadata("verdict", VerdictName(result.Verdict));
        metric.AddOrUpdateMetadata("weight", criterion.Weight.ToString(CultureInfo.InvariantCulture));
        metric.AddOrUpdateMetadata("required", criterion.Required ? "true" : "false");
        if (criterion.Section is not null)
        {
            metric.AddOrUpdateMetadata("section", criterion.Section);
        }

        return metric;
    }

    private static NumericMetric ScoreMetric(RubricEvaluation evaluation)
    {
        var explanation = RubricScoring.Explain(evaluation);
        var metric = new NumericMetric(ScoreMetricName, evaluation.Score, explanation);
        var rating = evaluation.Passed
            ? (evaluation.Score >= 1 ? EvaluationRating.Exceptional : EvaluationRating.Good)
            : (evaluation.HasErrors ? EvaluationRating.Inconclusive : EvaluationRating.Unacceptable);
        metric.Interpretation = new EvaluationMetricInterpretation(rating, failed: !evaluation.Passed, explanation);
        if (evaluation.HasErrors)
        {
            metric.AddDiagnostics(EvaluationDiagnostic.Error("Some criteria could not be checked, so the rubric cannot pass."));
        }

        metric.AddOrUpdateMetadata("rubric.id", evaluation.Rubric.Id);
        metric.AddOrUpdateMetadata("rubric.version", evaluation.Rubric.Version.ToString(CultureInfo.InvariantCulture));
        metric.AddOrUpdateMetadata("threshold", evaluation.Rubric.PassThreshold.ToString(CultureInfo.InvariantCulture));
        metric.AddOrUpdateMetadata("aggregation", RubricAggregationNames.Of(evaluation.Rubric.Aggregation));
        metric.AddOrUpdateMetadata("passed", evaluation.Passed ? "true" : "false");
        metric.AddOrUpdateMetadata("grader.input_tokens", evaluation.GraderUsage.InputTokens.ToString(CultureInfo.InvariantCulture));
        metric.AddOrUpdateMetadata("grader.output_tokens", evaluation.GraderUsage.OutputTokens.ToString(CultureInfo.InvariantCulture));
        return metric;
    }

    private static string VerdictName(CriterionVerdict verdict) => verdict switch
    {
        CriterionVerdict.Met => "met",
        CriterionVerdict.PartiallyMet => "partially_met",
        CriterionVerdict.NotMet => "not_met",
        CriterionVerdict.Error => "error",
        _ => "skipped",
    };
}
