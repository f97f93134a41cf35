using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dreaming;

/// <summary>Grades an artifact against a rubric: deterministic criteria without a model, the others with a
/// <see cref="ModelGrader"/> in one request.</summary>
/// <remarks>
/// <para>Without a grader, model-judged criteria are <see cref="CriterionVerdict.Skipped"/>: listed, excluded from
/// the score, and failing the rubric only when required. Score and pass follow <see cref="RubricScoring"/>.</para>
/// <para>The class is thread-safe.</para>
/// </remarks>
public sealed partial class RubricEvaluator : IRubricEvaluator
{
    /// <summary>The reason given for a model-judged criterion when no grader is configured.</summary>
    public const string NoGraderReason = "no grader configured";

    private readonly ModelGrader? _grader;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="grader">The grader for model-judged criteria, or <see langword="null"/> to skip them.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    public RubricEvaluator(ModelGrader? grader = null, ILogger<RubricEvaluator>? logger = null)
    {
        _grader = grader;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<RubricEvaluation> EvaluateAsync(Rubric rubric, string artifact, string? task = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        ArgumentNullException.ThrowIfNull(artifact);
        RubricValidator.Validate(rubric);
        cancellationToken.ThrowIfCancellationRequested();

        var results = new CriterionResult[rubric.Criteria.Count];
        var modelJudged = new List<RubricCriterion>();
        for (var i = 0; i < results.Length; i++)
        {
            var criterion = rubric.Criteria[i];
            if (criterion.Kind == CriterionKind.Model)
            {
                modelJudged.Add(criterion);
            }
            else
            {
                results[i] = DeterministicChecks.Check(criterion, artifact, rubric.BaseDirectory);
            }
        }

        var usage = SessionUsage.Zero;
        long estimated = 0;
        if (modelJudged.Count > 0)
        {
            IReadOnlyList<CriterionResult> graded;
            if (_grader is null)
            {
                graded = modelJudged.Select(c => new CriterionResult { Criterion = c, Verdict = CriterionVerdict.Skipped, Reason = NoGraderReason }).ToArray();
            }
            else
            {
                var grade = await _grader.GradeAsync(rubric, modelJudged, artifact, task, cancellationToken).ConfigureAwait(false);
                graded = grade.Criteria;
                usage = grade.Usage;
                estimated = grade.EstimatedTokens;
            }

            var byId = graded.ToDictionary(r => r.Criterion.Id, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < results.Length; i++)
            {
                if (rubric.Criteria[i].Kind == CriterionKind.Model)
                {
                    results[i] = byId[rubric.Criteria[i].Id];
                }
            }
        }

        var evaluation = RubricScoring.Evaluate(rubric, results, usage);
        if (estimated > 0)
        {
            evaluation = evaluation with { GraderEstimatedTokens = estimated };
        }

        LogEvaluated(_logger, rubric.Id, evaluation.Score, evaluation.Passed);
        return evaluation;
    }

    [LoggerMessage(EventId = 44, Level = LogLevel.Debug, Message = "Rubric {RubricId} evaluated: score {Score}, passed {Passed}.")]
    private static partial void LogEvaluated(ILogger logger, string rubricId, double score, bool passed);
}
