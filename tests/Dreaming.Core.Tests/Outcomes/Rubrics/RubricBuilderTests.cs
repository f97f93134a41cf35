namespace Dreaming.Core.Tests.Outcomes.Rubrics;

public sealed class RubricBuilderTests
{
    [Fact]
    public void Builds_every_kind_with_settings_sections_and_auto_ids()
    {
        Func<string, bool> isShort = s => s.Length < 10;

        var rubric = new RubricBuilder("refund-summary", "Refund summary")
            .WithVersion(2)
            .WithDescription("A summary sent to the customer.")
            .WithPassThreshold(0.75)
            .WithBaseDirectory("/rubrics")
            .Judged("Is polite")
            .Section("Content")
            .Contains("Mentions the order number", "#W123", required: true)
            .Contains("Mentions a refund", "REFUND", ignoreCase: true)
            .NotContains("No apology loop", "sorry again", weight: 0.5)
            .EqualTo("Says OK", "ok", ignoreCase: true, id: "says-ok")
            .Regex("States the refund amount", @"\$\d+\.\d{2}")
            .Judged("Apologises once and stays concise", weight: 2)
            .Section("Format")
            .Json("Is valid JSON")
            .MaxLength("At most 600 characters", 600)
            .MinLength("At least 1 character", 1)
            .Custom("Is short", isShort, weight: 0)
            .Build();

        Assert.Equal(("refund-summary", 2, "Refund summary", "A summary sent to the customer.", 0.75, "/rubrics"),
            (rubric.Id, rubric.Version, rubric.Title, rubric.Description, rubric.PassThreshold, rubric.BaseDirectory));
        Assert.Equal(
            ["criterion-1", "content-1", "content-2", "content-3", "says-ok", "content-5", "content-6", "format-1", "format-2", "format-3", "format-4"],
            rubric.Criteria.Select(c => c.Id));
        Assert.Equal(
            [CriterionKind.Model, CriterionKind.Contains, CriterionKind.Contains, CriterionKind.NotContains, CriterionKind.Equals, CriterionKind.Regex,
             CriterionKind.Model, CriterionKind.Json, CriterionKind.MaxLength, CriterionKind.MinLength, CriterionKind.Custom],
            rubric.Criteria.Select(c => c.Kind));
        Assert.Equal([null, "#W123", "REFUND", "sorry again", "ok", @"\$\d+\.\d{2}", null, null, "600", "1", null], rubric.Criteria.Select(c => c.Argument));
        Assert.Equal([null, "Content", "Content", "Content", "Content", "Content", "Content", "Format", "Format", "Format", "Format"], rubric.Criteria.Select(c => c.Section));
        Assert.Equal([1, 1, 1, 0.5, 1, 1, 2, 1, 1, 1, 0], rubric.Criteria.Select(c => c.Weight));
        Assert.Equal([false, true, false, false, false, false, false, false, false, false, false], rubric.Criteria.Select(c => c.Required));
        Assert.Equal([false, false, true, false, true, false, false, false, false, false, false], rubric.Criteria.Select(c => c.IgnoreCase));
        Assert.Same(isShort, rubric.Criteria[^1].Predicate);
    }

    [Fact]
    public void Defaults_are_version_1_threshold_1_and_no_description()
    {
        var rubric = new RubricBuilder("r", "R").Judged("Is right").Build();

        Assert.Equal((1, 1.0, (string?)null, (string?)null), (rubric.Version, rubric.PassThreshold, rubric.Description, rubric.BaseDirectory));
    }

    [Fact]
    public void Build_can_be_called_again_after_more_criteria()
    {
        var builder = new RubricBuilder("r", "R").Judged("One");
        var first = builder.Build();

        var second = builder.Judged("Two").Build();

        Assert.Single(first.Criteria);
        Assert.Equal(["criterion-1", "criterion-2"], second.Criteria.Select(c => c.Id));
    }

    public static TheoryData<Func<RubricBuilder>, string> InvalidRubrics => new()
    {
        { () => new RubricBuilder(" ", "R").Judged("X"), "Rubric \" \": the id must not be blank" },
        { () => new RubricBuilder("r", "").Judged("X"), "Rubric \"r\": the title must not be blank" },
        { () => new RubricBuilder("r", "R").WithVersion(0).Judged("X"), "Version is 0; it must be at least 1" },
        { () => new RubricBuilder("r", "R").WithPassThreshold(1.01).Judged("X"), "PassThreshold is 1.01; it must be between 0 and 1" },
        { () => new RubricBuilder("r", "R").WithPassThreshold(double.NaN).Judged("X"), "PassThreshold is NaN" },
        { () => new RubricBuilder("r", "R"), "the rubric has no criteria" },
        { () => new RubricBuilder("r", "R").Judged("X", id: "a").Judged("Y", id: "a"), "criterion \"a\" (#2) has the same id as criterion #1" },
        { () => new RubricBuilder("r", "R").Judged("X").Judged("Y", id: "criterion-1"), "criterion \"criterion-1\" (#2) has the same id" },
        { () => new RubricBuilder("r", "R").Judged("X", weight: -1), "criterion \"criterion-1\": weight -1 must be a finite number, 0 or more" },
        { () => new RubricBuilder("r", "R").Judged("X", weight: double.PositiveInfinity), "weight Infinity must be a finite number" },
        { () => new RubricBuilder("r", "R").Judged("X", weight: 0).Json("Y", weight: 0), "every criterion has weight 0" },
        { () => new RubricBuilder("r", "R").Judged(" "), "criterion \"criterion-1\" has no text" },
        { () => new RubricBuilder("r", "R").Judged("X", id: ""), "a criterion has a blank id (text: \"X\")" },
        { () => new RubricBuilder("r", "R").Contains("X", ""), "criterion \"criterion-1\": Contains needs the text to look for" },
        { () => new RubricBuilder("r", "R").NotContains("X", ""), "NotContains needs the text to look for" },
        { () => new RubricBuilder("r", "R").Regex("X", "(unclosed"), "criterion \"criterion-1\": invalid regex:" },
        { () => new RubricBuilder("r", "R").Regex("X", ""), "Regex needs a pattern" },
        { () => new RubricBuilder("r", "R").MaxLength("X", -1), "criterion \"criterion-1\": MaxLength needs a whole number of characters, 0 or more, not \"-1\"" },
        { () => new RubricBuilder("r", "R").MinLength("X", -5), "MinLength needs a whole number of characters, 0 or more, not \"-5\"" },
        { () => new RubricBuilder("r", "R").JsonSchema("X", " "), "JsonSchema needs the path of a schema file" },
        { () => new RubricBuilder("r", "R").JsonSchema("X", "no-such-schema-file.json"), "schema file \"no-such-schema-file.json\" not found" },
    };

    [Theory]
    [MemberData(nameof(InvalidRubrics))]
    public void Build_rejects_invalid_rubrics_naming_the_setting_or_criterion(Func<RubricBuilder> builder, string expected)
    {
        var error = Assert.Throws<RubricException>(() => builder().Build());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Null(error.Line);
    }

    [Fact]
    public void Zero_weights_are_allowed_while_one_criterion_weighs_more()
    {
        var rubric = new RubricBuilder("r", "R").Judged("X", weight: 0).EqualTo("Y", "", weight: 0.1).Build();

        Assert.Equal([0, 0.1], rubric.Criteria.Select(c => c.Weight));
    }

    [Fact]
    public void Null_arguments_are_rejected_at_once()
    {
        var builder = new RubricBuilder("r", "R");

        Assert.Throws<ArgumentNullException>(() => new RubricBuilder(null!, "R"));
        Assert.Throws<ArgumentNullException>(() => builder.Judged(null!));
        Assert.Throws<ArgumentNullException>(() => builder.Contains("X", null!));
        Assert.Throws<ArgumentNullException>(() => builder.Custom("X", null!));
        Assert.ThrowsAny<ArgumentException>(() => builder.Section(" "));
    }
}
