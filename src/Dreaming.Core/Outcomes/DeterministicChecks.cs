using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Dreaming;

/// <summary>Runs the criteria that need no model. Thread-safe; linear in the artifact's length for every built-in kind
/// (a regex can only exceed that up to <see cref="RegexTimeout"/>).</summary>
internal static partial class DeterministicChecks
{
    /// <summary>How long one regex criterion may run before its verdict is <see cref="CriterionVerdict.Error"/>.</summary>
    internal static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The options regex criteria are compiled with, at load and at check time alike.</summary>
    internal const RegexOptions RegexCriterionOptions = RegexOptions.CultureInvariant;

    private const int MaxQuotedLength = 60;
    private const int MaxSchemaErrors = 3;

    private static readonly EvaluationOptions s_schemaEvaluation = new() { OutputFormat = OutputFormat.List };

    // Throws on a lone surrogate instead of writing U+FFFD, so such text is reported rather than silently altered.
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonReaderOptions s_validationOptions = new() { MaxDepth = int.MaxValue };

    /// <summary>Checks <paramref name="artifact"/> against a deterministic criterion.</summary>
    /// <param name="criterion">The criterion; any kind but <see cref="CriterionKind.Model"/>.</param>
    /// <param name="artifact">The work to check.</param>
    /// <param name="baseDirectory">The folder a relative <c>json-schema</c> path is resolved against; the current directory when <see langword="null"/>.</param>
    /// <returns>Met or not met with what was found, or <see cref="CriterionVerdict.Error"/> when the check could not be made
    /// (regex timeout, unreadable schema, a custom predicate that threw, an invalid argument).</returns>
    /// <exception cref="ArgumentException">The criterion is model-judged or of an unknown kind.</exception>
    /// <remarks>Lengths count UTF-16 code units (<see cref="string.Length"/>), so a character outside the Basic Multilingual
    /// Plane, such as most emoji, counts as two.</remarks>
    public static CriterionResult Check(RubricCriterion criterion, string artifact, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(criterion);
        ArgumentNullException.ThrowIfNull(artifact);
        return criterion.Kind switch
        {
            CriterionKind.Contains => CheckContains(criterion, artifact, expected: true),
            CriterionKind.NotContains => CheckContains(criterion, artifact, expected: false),
            CriterionKind.Equals => CheckEquals(criterion, artifact),
            CriterionKind.Regex => CheckRegex(criterion, artifact),
            CriterionKind.Json => CheckJson(criterion, artifact),
            CriterionKind.JsonSchema => CheckJsonSchema(criterion, artifact, baseDirectory),
            CriterionKind.MaxLength => CheckLength(criterion, artifact, isMaximum: true),
            CriterionKind.MinLength => CheckLength(criterion, artifact, isMaximum: false),
            CriterionKind.Custom => CheckCustom(criterion, artifact),
            _ => throw new ArgumentException($"Criterion \"{criterion.Id}\" of kind {criterion.Kind} has no deterministic check.", nameof(criterion)),
        };
    }

    private static CriterionResult CheckContains(RubricCriterion criterion, string artifact, bool expected)
    {
        if (string.IsNullOrEmpty(criterion.Argument))
        {
            return Error(criterion, "no text to look for");
        }

        var comparison = criterion.IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var index = artifact.IndexOf(criterion.Argument, comparison);
        var quoted = Quote(criterion.Argument) + (criterion.IgnoreCase ? " (ignoring case)" : string.Empty);
        return (index >= 0, expected) switch
        {
            (true, true) => Result(criterion, CriterionVerdict.Met, $"contains {quoted}"),
            (false, true) => Result(criterion, CriterionVerdict.NotMet, $"does not contain {quoted}"),
            (false, false) => Result(criterion, CriterionVerdict.Met, $"does not contain {quoted}"),
            (true, false) => Result(criterion, CriterionVerdict.NotMet, $"contains {quoted} at index {Number(index)}"),
        };
    }

    private static CriterionResult CheckEquals(RubricCriterion criterion, string artifact)
    {
        if (criterion.Argument is null)
        {
            return Error(criterion, "no text to compare with");
        }

        var comparison = criterion.IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var trimmed = artifact.AsSpan().Trim();
        var quoted = Quote(criterion.Argument) + (criterion.IgnoreCase ? " (ignoring case)" : string.Empty);
        return trimmed.Equals(criterion.Argument, comparison)
            ? Result(criterion, CriterionVerdict.Met, $"equals {quoted}")
            : Result(criterion, CriterionVerdict.NotMet, $"is {Quote(trimmed)}, not {quoted}");
    }

    private static CriterionResult CheckRegex(RubricCriterion criterion, string artifact)
    {
        if (string.IsNullOrEmpty(criterion.Argument))
        {
            return Error(criterion, "no pattern");
        }

        try
        {
            // The static method shares the framework's regex cache, so a rubric's patterns are parsed once, not per check.
            var match = Regex.Match(artifact, criterion.Argument, RegexCriterionOptions, RegexTimeout);
            return match.Success
                ? Result(criterion, CriterionVerdict.Met, $"matches {Quote(match.Value)} at index {Number(match.Index)}")
                : Result(criterion, CriterionVerdict.NotMet, $"no match for /{Abbreviate(criterion.Argument)}/");
        }
        catch (RegexMatchTimeoutException)
        {
            return Error(criterion, $"regex timed out after {RegexTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s on {Number(artifact.Length)} characters");
        }
        catch (ArgumentException ex)
        {
            return Error(criterion, $"invalid regex: {ex.Message}");
        }
    }

    private static CriterionResult CheckJson(RubricCriterion criterion, string artifact)
    {
        if (!TryEncode(artifact, out var utf8, out var invalid))
        {
            return Result(criterion, CriterionVerdict.NotMet, invalid);
        }

        try
        {
            // A forward-only read, without building a document: JSON sets no depth limit, so neither does this check
            // (the reader keeps its nesting in a bit stack, not on the call stack).
            var reader = new Utf8JsonReader(utf8, s_validationOptions);
            while (reader.Read())
            {
            }

            return Result(criterion, CriterionVerdict.Met, "valid JSON");
        }
        catch (JsonException ex)
        {
            return Result(criterion, CriterionVerdict.NotMet, $"not valid JSON: {ex.Message}");
        }
    }

    /// <summary>The work as UTF-8; false, with the reason, when it is not Unicode text (a lone surrogate), so not JSON text.</summary>
    private static bool TryEncode(string artifact, out byte[] utf8, out string invalid)
    {
        try
        {
            utf8 = s_strictUtf8.GetBytes(artifact);
            invalid = string.Empty;
            return true;
        }
        catch (EncoderFallbackException ex)
        {
            utf8 = [];
            invalid = $"not valid JSON: the text holds an unpaired surrogate (U+{(int)ex.CharUnknown:X4}) at index {Number(ex.Index)}";
            return false;
        }
    }

    private static CriterionResult CheckJsonSchema(RubricCriterion criterion, string artifact, string? baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(criterion.Argument))
        {
            return Error(criterion, "no schema path");
        }

        if (!JsonSchemaFiles.TryGet(criterion.Argument, baseDirectory, out var schema, out var error))
        {
            return Error(criterion, error);
        }

        if (!TryEncode(artifact, out var utf8, out var invalid))
        {
            return Result(criterion, CriterionVerdict.NotMet, invalid);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8);
        }
        catch (JsonException ex)
        {
            return Result(criterion, CriterionVerdict.NotMet, $"not valid JSON: {ex.Message}");
        }

        using (document)
        {
            EvaluationResults results;
            try
            {
                results = schema.Evaluate(document.RootElement, s_schemaEvaluation);
            }
            catch (InvalidOperationException) when (ModelReplyJson.HasHalfSurrogateEscape(artifact))
            {
                // The work's fault, not the schema's: a string the evaluator reads holds a character cut in two, as a raw
                // half pair (refused above) would.
                return Result(criterion, CriterionVerdict.NotMet, "not valid JSON: it writes half a surrogate pair as a \\u escape (a character cut in two)");
            }
            catch (Exception ex) when (ex is JsonSchemaException or RefResolutionException or InvalidOperationException or ArgumentException)
            {
                return Error(criterion, $"schema \"{criterion.Argument}\" could not be applied: {ex.Message}");
            }

            return results.IsValid
                ? Result(criterion, CriterionVerdict.Met, $"valid against {criterion.Argument}")
                : Result(criterion, CriterionVerdict.NotMet, DescribeSchemaErrors(results));
        }
    }

    private static CriterionResult CheckLength(RubricCriterion criterion, string artifact, bool isMaximum)
    {
        if (!int.TryParse(criterion.Argument, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
        {
            return Error(criterion, $"length {Quote(criterion.Argument ?? string.Empty)} is not a whole number");
        }

        var length = artifact.Length;
        var met = isMaximum ? length <= limit : length >= limit;
        var relation = (isMaximum, met) switch
        {
            (true, true) => "at most",
            (true, false) => "more than",
            (false, true) => "at least",
            (false, false) => "fewer than",
        };
        return Result(criterion, met ? CriterionVerdict.Met : CriterionVerdict.NotMet, $"{Number(length)} characters, {relation} {Number(limit)}");
    }

    private static CriterionResult CheckCustom(RubricCriterion criterion, string artifact)
    {
        if (criterion.Predicate is null)
        {
            return Error(criterion, "no predicate");
        }

        bool met;
        try
        {
            met = criterion.Predicate(artifact);
        }
        catch (Exception ex)
        {
            // A user predicate may throw anything; the contract is an Error verdict, never a crashed grader.
            return Error(criterion, $"predicate threw {ex.GetType().Name}: {ex.Message}");
        }

        return met
            ? Result(criterion, CriterionVerdict.Met, "predicate returned true")
            : Result(criterion, CriterionVerdict.NotMet, "predicate returned false");
    }

    private static string DescribeSchemaErrors(EvaluationResults results)
    {
        var errors = new List<string>();
        var total = 0;
        foreach (var node in results.Details is { Count: > 0 } details ? details.Prepend(results) : [results])
        {
            if (node.Errors is null)
            {
                continue;
            }

            foreach (var message in node.Errors.Values)
            {
                if (total++ < MaxSchemaErrors)
                {
                    errors.Add($"{JsonPath(node.InstanceLocation.ToString())}: {message}");
                }
            }
        }

        if (total == 0)
        {
            return "does not match the schema";
        }

        var text = string.Join("; ", errors);
        return total > MaxSchemaErrors ? $"{text}; and {Number(total - MaxSchemaErrors)} more" : text;
    }

    /// <summary>Writes a JSON pointer (<c>/items/0/name</c>) as the path people read (<c>$.items[0].name</c>).</summary>
    private static string JsonPath(string pointer)
    {
        var path = new StringBuilder("$");
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (name.All(char.IsAsciiDigit))
            {
                path.Append('[').Append(name).Append(']');
            }
            else
            {
                path.Append('.').Append(name);
            }
        }

        return path.ToString();
    }

    private static string Quote(ReadOnlySpan<char> text) => $"\"{Abbreviate(text)}\"";

    private static string Abbreviate(ReadOnlySpan<char> text)
    {
        var shown = text.Length > MaxQuotedLength ? string.Concat(text[..MaxQuotedLength], "…") : text.ToString();
        return shown.ReplaceLineEndings("\\n");
    }

    private static string Number(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static CriterionResult Result(RubricCriterion criterion, CriterionVerdict verdict, string reason) =>
        new() { Criterion = criterion, Verdict = verdict, Reason = reason };

    private static CriterionResult Error(RubricCriterion criterion, string reason) => Result(criterion, CriterionVerdict.Error, reason);
}
