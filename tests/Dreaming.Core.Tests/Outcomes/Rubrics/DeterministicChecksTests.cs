using System.Diagnostics;
using Dreaming.Tests;
using Xunit.Abstractions;

namespace Dreaming.Core.Tests.Outcomes.Rubrics;

public sealed class DeterministicChecksTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CriterionKind.Contains, "#W123", false, "Order #W123 refunded.", CriterionVerdict.Met, "contains \"#W123\"")]
    [InlineData(CriterionKind.Contains, "#W123", false, "Order #w123 refunded.", CriterionVerdict.NotMet, "does not contain \"#W123\"")]
    [InlineData(CriterionKind.Contains, "#W123", true, "Order #w123 refunded.", CriterionVerdict.Met, "contains \"#W123\" (ignoring case)")]
    [InlineData(CriterionKind.Contains, "STRASSE", true, "straße", CriterionVerdict.NotMet, "does not contain \"STRASSE\" (ignoring case)")]
    [InlineData(CriterionKind.NotContains, "As an AI", false, "Here is your refund.", CriterionVerdict.Met, "does not contain \"As an AI\"")]
    [InlineData(CriterionKind.NotContains, "As an AI", false, "Sure. As an AI, I", CriterionVerdict.NotMet, "contains \"As an AI\" at index 6")]
    [InlineData(CriterionKind.NotContains, "as an ai", false, "As an AI", CriterionVerdict.Met, "does not contain \"as an ai\"")]
    [InlineData(CriterionKind.NotContains, "as an ai", true, "As an AI", CriterionVerdict.NotMet, "contains \"as an ai\" (ignoring case) at index 0")]
    [InlineData(CriterionKind.Equals, "OK", false, "  OK\n", CriterionVerdict.Met, "equals \"OK\"")]
    [InlineData(CriterionKind.Equals, "OK", false, "ok", CriterionVerdict.NotMet, "is \"ok\", not \"OK\"")]
    [InlineData(CriterionKind.Equals, "OK", true, " ok ", CriterionVerdict.Met, "equals \"OK\" (ignoring case)")]
    [InlineData(CriterionKind.Equals, "OK", false, "OK.", CriterionVerdict.NotMet, "is \"OK.\", not \"OK\"")]
    [InlineData(CriterionKind.Equals, "", false, " \n ", CriterionVerdict.Met, "equals \"\"")]
    [InlineData(CriterionKind.Regex, @"\$\d+\.\d{2}", false, "Refund of $12.50 issued.", CriterionVerdict.Met, "matches \"$12.50\" at index 10")]
    [InlineData(CriterionKind.Regex, @"\$\d+\.\d{2}", false, "Refund of $12 issued.", CriterionVerdict.NotMet, @"no match for /\$\d+\.\d{2}/")]
    [InlineData(CriterionKind.Regex, "[A-Z]{3}", false, "ref abc", CriterionVerdict.NotMet, "no match for /[A-Z]{3}/")]
    [InlineData(CriterionKind.Regex, "(?i)[A-Z]{3}", false, "ref abc", CriterionVerdict.Met, "matches \"ref\" at index 0")]
    [InlineData(CriterionKind.Json, null, false, " {\"amount\": 12.5} ", CriterionVerdict.Met, "valid JSON")]
    [InlineData(CriterionKind.Json, null, false, "[1, 2,]", CriterionVerdict.NotMet, "not valid JSON: ")]
    [InlineData(CriterionKind.Json, null, false, "", CriterionVerdict.NotMet, "not valid JSON: ")]
    [InlineData(CriterionKind.Json, null, false, "```json\n{}\n```", CriterionVerdict.NotMet, "not valid JSON: ")]
    [InlineData(CriterionKind.MaxLength, "600", false, "short", CriterionVerdict.Met, "5 characters, at most 600")]
    [InlineData(CriterionKind.MaxLength, "5", false, "short", CriterionVerdict.Met, "5 characters, at most 5")]
    [InlineData(CriterionKind.MaxLength, "4", false, "short", CriterionVerdict.NotMet, "5 characters, more than 4")]
    [InlineData(CriterionKind.MinLength, "5", false, "short", CriterionVerdict.Met, "5 characters, at least 5")]
    [InlineData(CriterionKind.MinLength, "1000", false, "short", CriterionVerdict.NotMet, "5 characters, fewer than 1,000")]
    [InlineData(CriterionKind.MaxLength, "1", false, "😀", CriterionVerdict.NotMet, "2 characters, more than 1")]
    public void Each_kind_is_met_or_not_with_a_useful_reason(
        CriterionKind kind, string? argument, bool ignoreCase, string artifact, CriterionVerdict verdict, string reason)
    {
        var criterion = Criterion(kind, argument) with { IgnoreCase = ignoreCase };

        var result = DeterministicChecks.Check(criterion, artifact, baseDirectory: null);

        Assert.Same(criterion, result.Criterion);
        Assert.Equal(verdict, result.Verdict);
        Assert.StartsWith(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_json_nested_deeper_than_the_parsers_default_limit_is_valid_json()
    {
        // RFC 8259 sets no depth limit; a reader's default cap of 64 levels is not a property of the work.
        var deep = new string('[', 200) + new string(']', 200);

        var result = DeterministicChecks.Check(Criterion(CriterionKind.Json, null), deep, baseDirectory: null);

        Assert.Equal(CriterionVerdict.Met, result.Verdict);
        Assert.Equal(CriterionVerdict.NotMet, DeterministicChecks.Check(Criterion(CriterionKind.Json, null), new string('[', 200) + new string(']', 199), baseDirectory: null).Verdict);
    }

    [Fact]
    public void Work_with_a_lone_surrogate_is_not_valid_json_rather_than_an_exception()
    {
        // Not Unicode text, so not JSON text: a verdict about the work, not a failure of the grading.
        var result = DeterministicChecks.Check(Criterion(CriterionKind.Json, null), "{\"a\": \"\uD800\"}", baseDirectory: null);

        Assert.Equal(CriterionVerdict.NotMet, result.Verdict);
        Assert.StartsWith("not valid JSON: ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_length_reason_reads_like_the_issue()
    {
        var result = DeterministicChecks.Check(Criterion(CriterionKind.MaxLength, "600"), new string('x', 612), null);

        Assert.Equal((CriterionVerdict.NotMet, "612 characters, more than 600"), (result.Verdict, result.Reason));
    }

    [Fact]
    public void Long_texts_are_abbreviated_in_reasons()
    {
        var expected = new string('e', 500);

        var result = DeterministicChecks.Check(Criterion(CriterionKind.Equals, expected), "other\nline", null);

        Assert.Equal(CriterionVerdict.NotMet, result.Verdict);
        Assert.Equal($"is \"other\\nline\", not \"{new string('e', 60)}…\"", result.Reason);
    }

    [Fact]
    public void A_catastrophic_regex_times_out_as_an_error_instead_of_hanging()
    {
        var artifact = new string('a', 100_000) + "!";
        var stopwatch = Stopwatch.StartNew();

        var result = DeterministicChecks.Check(Criterion(CriterionKind.Regex, "(a+)+$"), artifact, null);

        Assert.Equal(CriterionVerdict.Error, result.Verdict);
        Assert.Null(result.Score);
        Assert.StartsWith("regex timed out after 1 s on 100,001 characters", result.Reason, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void An_invalid_regex_at_check_time_is_an_error()
    {
        var result = DeterministicChecks.Check(Criterion(CriterionKind.Regex, "(unclosed"), "text", null);

        Assert.Equal(CriterionVerdict.Error, result.Verdict);
        Assert.StartsWith("invalid regex: ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custom_predicate_decides_and_one_that_throws_is_an_error()
    {
        var met = Criterion(CriterionKind.Custom, null) with { Predicate = s => s.StartsWith('{') };
        var throws = Criterion(CriterionKind.Custom, null) with { Predicate = _ => throw new InvalidOperationException("backend down") };

        Assert.Equal(CriterionVerdict.Met, DeterministicChecks.Check(met, "{}", null).Verdict);
        Assert.Equal(CriterionVerdict.NotMet, DeterministicChecks.Check(met, "[]", null).Verdict);
        var error = DeterministicChecks.Check(throws, "{}", null);
        Assert.Equal((CriterionVerdict.Error, "predicate threw InvalidOperationException: backend down"), (error.Verdict, error.Reason));
    }

    [Theory]
    [InlineData(CriterionKind.Contains, null, "no text to look for")]
    [InlineData(CriterionKind.Equals, null, "no text to compare with")]
    [InlineData(CriterionKind.Regex, "", "no pattern")]
    [InlineData(CriterionKind.JsonSchema, null, "no schema path")]
    [InlineData(CriterionKind.MaxLength, "many", "length \"many\" is not a whole number")]
    [InlineData(CriterionKind.Custom, null, "no predicate")]
    public void A_criterion_missing_its_argument_is_an_error_not_a_verdict(CriterionKind kind, string? argument, string reason)
    {
        var result = DeterministicChecks.Check(Criterion(kind, argument), "text", null);

        Assert.Equal((CriterionVerdict.Error, reason), (result.Verdict, result.Reason));
    }

    [Fact]
    public void Model_criteria_cannot_be_checked_deterministically()
    {
        var error = Assert.Throws<ArgumentException>(() => DeterministicChecks.Check(Criterion(CriterionKind.Model, null), "text", null));

        Assert.Contains("\"c\"", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DeterministicChecks.Check(Criterion((CriterionKind)99, null), "text", null));
    }

    [Fact]
    public void A_five_megabyte_artifact_is_checked_quickly_by_every_kind()
    {
        var criteria = new[]
        {
            Criterion(CriterionKind.Contains, "ZZZ"),
            Criterion(CriterionKind.Contains, "zzz") with { IgnoreCase = true },
            Criterion(CriterionKind.NotContains, "As an AI"),
            Criterion(CriterionKind.Equals, "[]"),
            Criterion(CriterionKind.Regex, @"\$\d+\.\d{2}"),
            Criterion(CriterionKind.Json, null),
            Criterion(CriterionKind.MaxLength, "6000000"),
            Criterion(CriterionKind.MinLength, "10"),
        };
        var artifact = Artifact(5 * 1024 * 1024);
        Assert.True(artifact.Length > 5_000_000);

        var verdicts = criteria.Select(c => DeterministicChecks.Check(c, artifact, null).Verdict).ToList();

        Assert.Equal(
            [CriterionVerdict.Met, CriterionVerdict.Met, CriterionVerdict.Met, CriterionVerdict.NotMet, CriterionVerdict.Met,
             CriterionVerdict.Met, CriterionVerdict.Met, CriterionVerdict.Met],
            verdicts);

        // "Quickly" is linear in the artifact, each kind on its own (a quadratic one among fast ones would hide in a sum):
        // 4 times the artifact costs about 4 times as much, in the thread's CPU time (see Growth). A limit of 5 s on the
        // clock for the eight checks failed with other builds running (7.6 s); so would any limit a loaded machine can pass.
        foreach (var criterion in criteria)
        {
            var (_, large) = Growth.AssertLinear(
                size =>
                {
                    var text = Artifact(size);
                    return () => DeterministicChecks.Check(criterion, text, null).Verdict != CriterionVerdict.Error;
                },
                5 * 1024 * 1024 / 16,
                $"{criterion.Kind} {criterion.Argument}",
                output);
            Assert.True(large < TimeSpan.FromSeconds(1), $"{criterion.Kind} {criterion.Argument} took {large} on a quarter of the artifact");
        }

        static string Artifact(int size)
        {
            var line = "{\"order\": \"#W123\", \"amount\": 12.50, \"note\": \"refund issued\"},\n";
            var items = string.Concat(Enumerable.Repeat(line, size / line.Length));
            return "[" + items + "{\"order\": \"#W999\", \"amount\": 1.00, \"note\": \"Total $1234.56 ZZZ\"}]";
        }
    }

    [Fact]
    public void Checks_run_concurrently_without_interference()
    {
        var criterion = Criterion(CriterionKind.Regex, @"^order-(\d+)$");

        var verdicts = Enumerable.Range(0, 2_000).AsParallel()
            .Select(i => DeterministicChecks.Check(criterion, i % 2 == 0 ? $"order-{i}" : $"x-{i}", null).Verdict)
            .ToList();

        Assert.Equal(1_000, verdicts.Count(v => v == CriterionVerdict.Met));
        Assert.Equal(1_000, verdicts.Count(v => v == CriterionVerdict.NotMet));
    }

    internal static RubricCriterion Criterion(CriterionKind kind, string? argument) =>
        new() { Id = "c", Text = "The check", Kind = kind, Argument = argument };
}
