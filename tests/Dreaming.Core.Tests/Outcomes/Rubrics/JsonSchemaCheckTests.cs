using static Dreaming.Core.Tests.Outcomes.Rubrics.DeterministicChecksTests;

namespace Dreaming.Core.Tests.Outcomes.Rubrics;

public sealed class JsonSchemaCheckTests : IDisposable
{
    private const string RefundSchema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "required": ["order", "amount"],
          "properties": {
            "order": { "type": "string", "pattern": "^#W\\d+$" },
            "amount": { "type": "number" },
            "lines": { "type": "array", "items": { "type": "integer" } }
          }
        }
        """;

    private readonly TempFolder _folder = new();
    private readonly RubricCriterion _criterion = Criterion(CriterionKind.JsonSchema, "schemas/refund.json");

    public JsonSchemaCheckTests() => _folder.Write("schemas/refund.json", RefundSchema);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Json_valid_against_the_schema_is_met()
    {
        var result = DeterministicChecks.Check(_criterion, """{ "order": "#W123", "amount": 12.5, "lines": [1, 2] }""", _folder.Path);

        Assert.Equal((CriterionVerdict.Met, "valid against schemas/refund.json"), (result.Verdict, result.Reason));
    }

    [Fact]
    public void Work_with_a_lone_surrogate_is_not_valid_json_rather_than_an_exception()
    {
        var result = DeterministicChecks.Check(_criterion, "{\"order\": \"\uD800\"}", _folder.Path);

        Assert.Equal(CriterionVerdict.NotMet, result.Verdict);
        Assert.StartsWith("not valid JSON: ", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "order": "#W1\ud83d", "amount": 12.5 }""")]
    [InlineData("""{ "order": "#W1", "amount": 12.5, "note\udc00": 1 }""")]
    public void Work_writing_half_a_surrogate_pair_as_an_escape_is_not_valid_json_rather_than_the_schema_failing(string work)
    {
        // The JSON reader takes the escape; reading the string or name holding it throws, which blamed the schema.
        var result = DeterministicChecks.Check(_criterion, work, _folder.Path);

        Assert.Equal(CriterionVerdict.NotMet, result.Verdict);
        Assert.Equal("not valid JSON: it writes half a surrogate pair as a \\u escape (a character cut in two)", result.Reason);
    }

    [Fact]
    public void Json_invalid_against_the_schema_is_not_met_with_where_and_why()
    {
        var result = DeterministicChecks.Check(_criterion, """{ "order": "#W123", "amount": "12.50" }""", _folder.Path);

        Assert.Equal(CriterionVerdict.NotMet, result.Verdict);
        Assert.Equal("$.amount: Value is \"string\" but should be \"number\"", result.Reason);
    }

    [Fact]
    public void Several_violations_are_listed_up_to_three()
    {
        var result = DeterministicChecks.Check(_criterion, """{ "order": "W1", "lines": [1, "x", "y", "z"] }""", _folder.Path);

        Assert.Equal(CriterionVerdict.NotMet, result.Verdict);
        Assert.StartsWith("$: Required properties [\"amount\"] are not present; ", result.Reason, StringComparison.Ordinal);
        Assert.Contains("$.order: ", result.Reason, StringComparison.Ordinal);
        Assert.EndsWith("; and 2 more", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_artifact_that_is_not_json_is_not_met()
    {
        var result = DeterministicChecks.Check(_criterion, "Your refund is on its way.", _folder.Path);

        Assert.Equal(CriterionVerdict.NotMet, result.Verdict);
        Assert.StartsWith("not valid JSON: ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_missing_at_check_time_is_an_error()
    {
        var result = DeterministicChecks.Check(Criterion(CriterionKind.JsonSchema, "gone.json"), "{}", _folder.Path);

        Assert.Equal(CriterionVerdict.Error, result.Verdict);
        Assert.Equal($"schema file \"gone.json\" not found (looked for {Path.Combine(_folder.Path, "gone.json")})", result.Reason);
    }

    [Fact]
    public void An_invalid_schema_at_check_time_is_an_error()
    {
        _folder.Write("broken.json", """{ "type": "objectx" }""");

        var result = DeterministicChecks.Check(Criterion(CriterionKind.JsonSchema, "broken.json"), "{}", _folder.Path);

        Assert.Equal(CriterionVerdict.Error, result.Verdict);
        Assert.StartsWith("schema file \"broken.json\" is not a valid JSON schema: ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_whose_reference_cannot_be_resolved_is_an_error()
    {
        _folder.Write("ref.json", """{ "$ref": "elsewhere.json" }""");

        var result = DeterministicChecks.Check(Criterion(CriterionKind.JsonSchema, "ref.json"), "{}", _folder.Path);

        Assert.Equal(CriterionVerdict.Error, result.Verdict);
        Assert.StartsWith("schema \"ref.json\" could not be applied: ", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_edited_schema_file_is_reloaded()
    {
        var path = _folder.Write("edited.json", """{ "type": "object" }""");
        var criterion = Criterion(CriterionKind.JsonSchema, path);
        Assert.Equal(CriterionVerdict.Met, DeterministicChecks.Check(criterion, "{}", null).Verdict);

        File.WriteAllText(path, """{ "type": "array" }""");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        Assert.Equal(CriterionVerdict.NotMet, DeterministicChecks.Check(criterion, "{}", null).Verdict);
    }

    [Fact]
    public void Two_schema_files_with_the_same_id_are_both_usable()
    {
        var first = _folder.Write("a.json", """{ "$id": "https://example.com/answer", "type": "object" }""");
        var second = _folder.Write("b.json", """{ "$id": "https://example.com/answer", "type": "array" }""");

        Assert.Equal(CriterionVerdict.Met, DeterministicChecks.Check(Criterion(CriterionKind.JsonSchema, first), "{}", null).Verdict);
        Assert.Equal(CriterionVerdict.Met, DeterministicChecks.Check(Criterion(CriterionKind.JsonSchema, second), "[]", null).Verdict);
    }

    [Fact]
    public void A_parsed_markdown_rubric_checks_its_schema_against_its_base_directory()
    {
        var rubric = MarkdownRubricParser.Parse("# Refund\n- Matches the refund schema [json-schema: schemas/refund.json]", "refund.md", _folder.Path);
        var criterion = Assert.Single(rubric.Criteria);

        var met = DeterministicChecks.Check(criterion, """{ "order": "#W1", "amount": 3 }""", rubric.BaseDirectory);
        var notMet = DeterministicChecks.Check(criterion, """{ "order": "#W1" }""", rubric.BaseDirectory);

        Assert.Equal(CriterionVerdict.Met, met.Verdict);
        Assert.Equal((CriterionVerdict.NotMet, "$: Required properties [\"amount\"] are not present"), (notMet.Verdict, notMet.Reason));
    }
}
