using System.Globalization;
using System.Text.RegularExpressions;

namespace Dreaming;

/// <summary>The rules every rubric must satisfy, shared by <see cref="RubricBuilder"/>, <see cref="MarkdownRubricParser"/>
/// and evaluators: regexes compile and schema files load here, so a bad rubric fails before any work is graded.</summary>
internal static class RubricValidator
{
    /// <summary>Throws when <paramref name="rubric"/> breaks a rule.</summary>
    /// <exception cref="RubricException">The first rule broken, naming the setting or criterion.</exception>
    public static void Validate(Rubric rubric)
    {
        if (FindProblem(rubric) is { } problem)
        {
            throw new RubricException($"Rubric \"{rubric.Id}\": {problem.Message}");
        }
    }

    /// <summary>Finds the first rule <paramref name="rubric"/> breaks, if any.</summary>
    public static RubricProblem? FindProblem(Rubric rubric)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        var problem = FindRubricProblem(rubric);
        if (problem is not null)
        {
            return new RubricProblem(null, problem);
        }

        var ids = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < rubric.Criteria.Count; i++)
        {
            var criterion = rubric.Criteria[i];
            problem = criterion is null ? $"criterion #{i + 1} is null" : FindCriterionProblem(criterion, rubric.BaseDirectory);
            if (problem is null && !ids.TryAdd(criterion!.Id, i))
            {
                problem = $"criterion \"{criterion.Id}\" (#{i + 1}) has the same id as criterion #{ids[criterion.Id] + 1}; ids must be unique";
            }

            if (problem is not null)
            {
                return new RubricProblem(i, problem);
            }
        }

        return rubric.Criteria.All(c => c.Weight == 0)
            ? new RubricProblem(null, "every criterion has weight 0; at least one must weigh more for the rubric to have a score")
            : null;
    }

    private static string? FindRubricProblem(Rubric rubric)
    {
        if (string.IsNullOrWhiteSpace(rubric.Id))
        {
            return "the id must not be blank";
        }

        if (string.IsNullOrWhiteSpace(rubric.Title))
        {
            return "the title must not be blank";
        }

        if (rubric.Version < 1)
        {
            return $"Version is {rubric.Version}; it must be at least 1";
        }

        if (!(rubric.PassThreshold is >= 0 and <= 1))
        {
            return $"PassThreshold is {rubric.PassThreshold.ToString(CultureInfo.InvariantCulture)}; it must be between 0 and 1";
        }

        if (rubric.Aggregation is not (RubricAggregation.WeightedMean or RubricAggregation.Minimum))
        {
            return $"Aggregation is {rubric.Aggregation}; it must be {nameof(RubricAggregation.WeightedMean)} or {nameof(RubricAggregation.Minimum)}";
        }

        return rubric.Criteria is null || rubric.Criteria.Count == 0 ? "the rubric has no criteria" : null;
    }

    private static string? FindCriterionProblem(RubricCriterion criterion, string? baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(criterion.Id))
        {
            return $"a criterion has a blank id (text: \"{criterion.Text}\")";
        }

        var name = $"criterion \"{criterion.Id}\"";
        if (string.IsNullOrWhiteSpace(criterion.Text))
        {
            return $"{name} has no text";
        }

        if (!double.IsFinite(criterion.Weight) || criterion.Weight < 0)
        {
            return $"{name}: weight {criterion.Weight.ToString(CultureInfo.InvariantCulture)} must be a finite number, 0 or more";
        }

        return criterion.Kind switch
        {
            CriterionKind.Model or CriterionKind.Json => null,
            CriterionKind.Contains or CriterionKind.NotContains => string.IsNullOrEmpty(criterion.Argument)
                ? $"{name}: {criterion.Kind} needs the text to look for" : null,
            CriterionKind.Equals => criterion.Argument is null ? $"{name}: Equals needs the text to compare with" : null,
            CriterionKind.Regex => FindRegexProblem(name, criterion.Argument),
            CriterionKind.JsonSchema => FindSchemaProblem(name, criterion.Argument, baseDirectory),
            CriterionKind.MaxLength or CriterionKind.MinLength =>
                int.TryParse(criterion.Argument, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                    ? null
                    : $"{name}: {criterion.Kind} needs a whole number of characters, 0 or more, not \"{criterion.Argument}\"",
            CriterionKind.Custom => criterion.Predicate is null ? $"{name}: Custom needs a predicate" : null,
            _ => $"{name} has the undefined kind {(int)criterion.Kind}",
        };
    }

    private static string? FindRegexProblem(string name, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return $"{name}: Regex needs a pattern";
        }

        try
        {
            // The static method parses the pattern into the framework's regex cache, the one the checks use: evaluators
            // validate before every grading, and a repeated validation is then a lookup, not a parse.
            _ = Regex.IsMatch(string.Empty, pattern, DeterministicChecks.RegexCriterionOptions, DeterministicChecks.RegexTimeout);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"{name}: invalid regex: {ex.Message}";
        }
    }

    private static string? FindSchemaProblem(string name, string? path, string? baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return $"{name}: JsonSchema needs the path of a schema file";
        }

        return JsonSchemaFiles.TryGet(path, baseDirectory, out _, out var error) ? null : $"{name}: {error}";
    }
}
