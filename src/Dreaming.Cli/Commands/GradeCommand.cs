using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Model;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming grade --rubric FILE --input FILE</c>: grades one artifact against a Markdown rubric.</summary>
/// <remarks>Exit code 0 when the work passes, 2 when it was graded and did not pass, 1 on an error (such as a malformed rubric)
/// and when a criterion could not be checked (result <c>failed</c>, its verdicts still written).</remarks>
internal static class GradeCommand
{
    public const int NotPassedExitCode = 2;

    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var rubricFile = new Option<string>("--rubric") { Description = "The Markdown rubric file.", Required = true };
        var inputFile = new Option<string>("--input") { Description = "The file holding the work to grade ('-' reads standard input).", Required = true };
        var task = new Option<string?>("--task") { Description = "The task the work was for, given to the grader." };
        var command = new Command("grade", "Grade a piece of work against a Markdown rubric (model-judged criteria need a configured model; see 'dreaming model').")
        {
            rubricFile, inputFile, task,
        };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var rubric = await MarkdownRubricParser.LoadAsync(CliServices.NotAFolder(parse.GetValue(rubricFile)!, "The rubric"), ct).ConfigureAwait(false);
            var inputPath = parse.GetValue(inputFile)!;
            if (inputPath != "-")
            {
                CliServices.NotAFolder(inputPath, "The input");
            }

            var artifact = inputPath == "-"
                ? await Console.In.ReadToEndAsync(ct).ConfigureAwait(false)
                : await File.ReadAllTextAsync(inputPath, ct).ConfigureAwait(false);

            using var graderModel = ModelClientFactory.TryCreate(common.ModelSettings(parse));
            // The endpoint's client already tries again what may pass (429, 5xx, a dropped connection); the grader's own
            // retries would multiply those and repeat a 401 or 404 that cannot.
            var evaluator = new RubricEvaluator(graderModel is null ? null : new ModelGrader(graderModel, new ModelGraderOptions { CallRetries = 0 }));
            var evaluation = await evaluator.EvaluateAsync(rubric, artifact, parse.GetValue(task), ct).ConfigureAwait(false);
            var result = evaluation.Passed ? OutcomeResult.Satisfied : evaluation.HasErrors ? OutcomeResult.Failed : OutcomeResult.NeedsRevision;

            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, new
                {
                    result = OutcomeResultNames.Of(result),
                    score = Shown(evaluation.Score, 4),
                    passed = evaluation.Passed,
                    threshold = rubric.PassThreshold,
                    aggregation = RubricAggregationNames.Of(rubric.Aggregation),
                    criteria = evaluation.Criteria.Select(c => new
                    {
                        id = c.Criterion.Id,
                        text = c.Criterion.Text,
                        section = c.Criterion.Section,
                        weight = c.Criterion.Weight,
                        required = c.Criterion.Required,
                        kind = CriterionKindNames.Of(c.Criterion.Kind),
                        verdict = OutcomeFeedback.VerdictName(c.Verdict),
                        score = c.Score,
                        reason = c.Reason,
                    }),
                });
            }
            else
            {
                WriteText(output, rubric, evaluation, result, graderModel is not null);
            }

            return evaluation.Passed ? 0 : result == OutcomeResult.Failed ? 1 : NotPassedExitCode;
        }).ConfigureAwait(false));
        return command;
    }

    /// <summary>The score cut (not rounded) to <paramref name="decimals"/>, so one just below the threshold (0.74996 against 0.75)
    /// never reads as reaching it; a score within the library's pass tolerance (1e-9) of a value shows that value.</summary>
    private static double Shown(double score, int decimals)
    {
        var scale = Math.Pow(10, decimals);
        return Math.Floor((score + 1e-9) * scale) / scale;
    }

    private static void WriteText(TextWriter output, Rubric rubric, RubricEvaluation evaluation, OutcomeResult result, bool hasGrader)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"{rubric.Title}: {OutcomeResultNames.Of(result)}, score {Shown(evaluation.Score, 3).ToString(inv)} (threshold {rubric.PassThreshold.ToString(inv)}{(rubric.Aggregation == RubricAggregation.WeightedMean ? string.Empty : ", " + RubricAggregationNames.Of(rubric.Aggregation))}), {(evaluation.Passed ? "passed" : "not passed")}");
        foreach (var c in evaluation.Criteria)
        {
            var flags = (c.Criterion.Required ? " required" : string.Empty) + (c.Criterion.Weight != 1 ? string.Create(inv, $" weight {c.Criterion.Weight:0.##}") : string.Empty);
            output.WriteLine($"  {OutcomeFeedback.VerdictName(c.Verdict),-13} {c.Criterion.Id,-12} {Text.Cut(c.Criterion.Text, 50)}{flags}{(c.Reason is null ? string.Empty : " — " + Text.OneLine(c.Reason))}");
        }

        if (!hasGrader && evaluation.Criteria.Any(c => c.Verdict == CriterionVerdict.Skipped))
        {
            output.WriteLine("(model-judged criteria were skipped: no model is configured; see 'dreaming model')");
        }
    }
}
