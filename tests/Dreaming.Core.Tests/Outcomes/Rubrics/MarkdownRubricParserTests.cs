namespace Dreaming.Core.Tests.Outcomes.Rubrics;

public sealed class MarkdownRubricParserTests
{
    /// <summary>The example of the issue, verbatim.</summary>
    internal const string IssueExample = """
        # Refund summary
        Pass threshold: 0.75

        ## Content
        - Mentions the order number (required) [contains: "#W123"]
        - States the refund amount [regex: \$\d+\.\d{2}]
        - Apologises once and stays concise (weight: 2)

        ## Format
        - Is valid JSON [json]
        - At most 600 characters [max-length: 600]
        """;

    [Fact]
    public async Task A_bullet_full_of_unclosed_brackets_parses_in_linear_time()
    {
        // Each '[' that never closes used to be scanned to the end of the line: 300,000 of them took minutes.
        var markdown = "# T\n- Lists " + new string('[', 300_000) + " items";

        var rubric = await Task.Run(() => MarkdownRubricParser.Parse(markdown)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(CriterionKind.Model, Assert.Single(rubric.Criteria).Kind);
        Assert.Equal(CriterionKind.Contains, MarkdownRubricParser.Parse("# T\n- Says [ or [[ hi [contains: \"hi\"]").Criteria[0].Kind);
        Assert.Equal(@"\[a\]", MarkdownRubricParser.Parse("# T\n- [x [y Matches [regex: \\[a\\]]").Criteria[0].Argument);
    }

    [Fact]
    public async Task A_bullet_with_an_annotation_left_open_over_a_long_run_of_spaces_parses_in_linear_time()
    {
        // '(weight: ' then spaces and more text, never closed: the annotation pattern tried every split of the spaces
        // between two loops, 2 s for 20,000 spaces and minutes for 300,000.
        var markdown = "# T\n- Lists the items (weight: 2" + new string(' ', 300_000) + "and more";

        var rubric = await Task.Run(() => MarkdownRubricParser.Parse(markdown)).WaitAsync(TimeSpan.FromSeconds(30));

        var criterion = Assert.Single(rubric.Criteria);
        Assert.Equal(1, criterion.Weight);
        Assert.Equal("Lists the items (weight: 2 and more", criterion.Text);
        var annotated = MarkdownRubricParser.Parse("# T\n- Lists (weight:  2  ) the items (  required   ) (id: list-1 )").Criteria[0];
        Assert.Equal((2.0, true, "list-1", "Lists the items"), (annotated.Weight, annotated.Required, annotated.Id, annotated.Text));
    }

    [Fact]
    public void The_issue_example_parses_into_title_threshold_sections_and_five_criteria()
    {
        var rubric = MarkdownRubricParser.Parse(IssueExample, "refund-summary.md");

        Assert.Equal("refund-summary", rubric.Id);
        Assert.Equal(1, rubric.Version);
        Assert.Equal("Refund summary", rubric.Title);
        Assert.Null(rubric.Description);
        Assert.Equal(0.75, rubric.PassThreshold);
        Assert.Null(rubric.BaseDirectory);
        Assert.Collection(
            rubric.Criteria,
            c => AssertCriterion(c, "content-1", "Mentions the order number", "Content", 1, true, CriterionKind.Contains, "#W123"),
            c => AssertCriterion(c, "content-2", "States the refund amount", "Content", 1, false, CriterionKind.Regex, @"\$\d+\.\d{2}"),
            c => AssertCriterion(c, "content-3", "Apologises once and stays concise", "Content", 2, false, CriterionKind.Model, null),
            c => AssertCriterion(c, "format-1", "Is valid JSON", "Format", 1, false, CriterionKind.Json, null),
            c => AssertCriterion(c, "format-2", "At most 600 characters", "Format", 1, false, CriterionKind.MaxLength, "600"));
        Assert.All(rubric.Criteria, c => Assert.False(c.IgnoreCase));
    }

    [Theory]
    [InlineData("Aggregation: minimum", RubricAggregation.Minimum)]
    [InlineData("AGGREGATION:Minimum", RubricAggregation.Minimum)]
    [InlineData("aggregation: weighted_mean", RubricAggregation.WeightedMean)]
    [InlineData("Aggregation: Weighted mean", RubricAggregation.WeightedMean)]
    [InlineData("Aggregation: weighted-mean", RubricAggregation.WeightedMean)]
    public void The_aggregation_setting_is_read_like_the_threshold(string setting, RubricAggregation expected)
    {
        var rubric = MarkdownRubricParser.Parse($"# T\nPass threshold: 0.5\n{setting}\n\nA description.\n- X\n- Y (weight: 0)");

        Assert.Equal((expected, 0.5), (rubric.Aggregation, rubric.PassThreshold));
        Assert.Equal("A description.", rubric.Description);
        Assert.Equal(2, rubric.Criteria.Count);
    }

    [Fact]
    public void A_line_of_text_that_begins_with_Aggregation_stays_text_as_it_was_before_the_setting()
    {
        // Rubrics written before 'Aggregation:' was a setting: a description paragraph and a note under a section that
        // begin with the word. They loaded (the first as description, the second ignored) and must still load the same.
        var rubric = MarkdownRubricParser.Parse(
            "# Monthly totals\nPass threshold: 0.5\n\nAggregation: the totals are summed per month, then per region.\n\n## Content\nAggregation: see the finance handbook, section 4.\n- Names the month (weight: 2)\n- Names the region");

        Assert.Equal("Aggregation: the totals are summed per month, then per region.", rubric.Description);
        Assert.Equal(RubricAggregation.WeightedMean, rubric.Aggregation);
        Assert.Equal(2, rubric.Criteria.Count);
    }

    [Fact]
    public void A_rubric_without_the_aggregation_setting_scores_by_the_weighted_mean()
    {
        var rubric = MarkdownRubricParser.Parse(IssueExample, "refund-summary.md");

        Assert.Equal(RubricAggregation.WeightedMean, rubric.Aggregation);
        Assert.Equal(RubricAggregation.Minimum, MarkdownRubricParser.Parse(IssueExample.Replace("Pass threshold: 0.75", "Pass threshold: 0.75\nAggregation: minimum", StringComparison.Ordinal)).Aggregation);
    }

    [Fact]
    public void The_issue_example_equals_its_builder_equivalent()
    {
        var parsed = MarkdownRubricParser.Parse(IssueExample, "refund-summary.md");
        var built = new RubricBuilder("refund-summary", "Refund summary")
            .WithPassThreshold(0.75)
            .Section("Content")
            .Contains("Mentions the order number", "#W123", required: true)
            .Regex("States the refund amount", @"\$\d+\.\d{2}")
            .Judged("Apologises once and stays concise", weight: 2)
            .Section("Format")
            .Json("Is valid JSON")
            .MaxLength("At most 600 characters", 600)
            .Build();

        Assert.Equal(built.Criteria, parsed.Criteria);
        Assert.Equal((built.Id, built.Title, built.PassThreshold, built.Version, built.Aggregation), (parsed.Id, parsed.Title, parsed.PassThreshold, parsed.Version, parsed.Aggregation));
    }

    [Theory]
    [InlineData("[contains: \"#W123\"]", CriterionKind.Contains, "#W123", false)]
    [InlineData("[contains-i: \"refund\"]", CriterionKind.Contains, "refund", true)]
    [InlineData("[not-contains: \"As an AI\"]", CriterionKind.NotContains, "As an AI", false)]
    [InlineData("[equals: \"OK\"]", CriterionKind.Equals, "OK", false)]
    [InlineData("[equals-i: \"ok\"]", CriterionKind.Equals, "ok", true)]
    [InlineData("[contains: \"say \\\"hi\\\" [twice]\"]", CriterionKind.Contains, "say \"hi\" [twice]", false)]
    [InlineData("[contains: \"a\\\\b\\n\"]", CriterionKind.Contains, "a\\b\\n", false)]
    [InlineData("[contains: \"\"]", CriterionKind.Contains, "", false)]
    [InlineData(@"[regex: \$\d+\.\d{2}]", CriterionKind.Regex, @"\$\d+\.\d{2}", false)]
    [InlineData("[regex: [A-Z]{3}]", CriterionKind.Regex, "[A-Z]{3}", false)]
    [InlineData(@"[regex: ^[^\]]+\[x\]$]", CriterionKind.Regex, @"^[^\]]+\[x\]$", false)]
    [InlineData("[json]", CriterionKind.Json, null, false)]
    [InlineData("[JSON]", CriterionKind.Json, null, false)]
    [InlineData("[max-length: 600]", CriterionKind.MaxLength, "600", false)]
    [InlineData("[min-length:  0 ]", CriterionKind.MinLength, "0", false)]
    public void Every_bracket_kind_reads_its_argument(string bracket, CriterionKind kind, string? argument, bool ignoreCase)
    {
        var markdown = $"# T\n- The check {bracket}";

        if (argument == string.Empty)
        {
            // An empty needle would always be found: the rule is rejected, with the criterion named.
            var error = Assert.Throws<RubricException>(() => MarkdownRubricParser.Parse(markdown));
            Assert.Equal(2, error.Line);
            Assert.Contains("criterion \"criterion-1\"", error.Message, StringComparison.Ordinal);
            return;
        }

        var criterion = Assert.Single(MarkdownRubricParser.Parse(markdown).Criteria);

        Assert.Equal((kind, argument, ignoreCase, "The check"), (criterion.Kind, criterion.Argument, criterion.IgnoreCase, criterion.Text));
    }

    [Fact]
    public void Json_schema_paths_resolve_against_the_base_directory()
    {
        using var folder = new TempFolder();
        folder.Write("schemas/answer.json", """{ "type": "object" }""");

        var rubric = MarkdownRubricParser.Parse("# T\n- Matches the schema [json-schema: schemas/answer.json]", "r.md", folder.Path);

        var criterion = Assert.Single(rubric.Criteria);
        Assert.Equal((CriterionKind.JsonSchema, "schemas/answer.json"), (criterion.Kind, criterion.Argument));
        Assert.Equal(folder.Path, rubric.BaseDirectory);
    }

    [Fact]
    public async Task LoadAsync_takes_the_id_from_the_file_name_and_resolves_schemas_beside_the_file()
    {
        using var folder = new TempFolder();
        folder.Write("answer.schema.json", """{ "type": "object" }""");
        var path = folder.Write("support-reply.md", "# Support reply\n- Is an object [json-schema: answer.schema.json]\n");

        var rubric = await MarkdownRubricParser.LoadAsync(path, CancellationToken.None);

        Assert.Equal("support-reply", rubric.Id);
        Assert.Equal(folder.Path, rubric.BaseDirectory);
        Assert.Equal(CriterionKind.JsonSchema, Assert.Single(rubric.Criteria).Kind);
    }

    [Fact]
    public void Settings_description_and_annotations_are_read_and_other_lines_ignored()
    {
        const string Markdown = """
            Notes before the title are ignored.
            # Release notes
            The notes a customer reads
            after an upgrade.

            They are short.
            ID: release-notes
            version: 3
            PASS THRESHOLD: 0

            - Says what changed (id: what-changed) (weight: 0.5)
            ### A deeper heading
            A paragraph under the criteria.
            ```markdown
            - not a criterion [unknown: kind]
            ```
            ---
            * Uses a star bullet (Required)
            ## Tone & Style!
            + Is friendly (weight: 0) and [polite] in tone (required)
            - Is calm
            """;

        var rubric = MarkdownRubricParser.Parse(Markdown, "ignored-name.md");

        Assert.Equal(("release-notes", 3, 0.0), (rubric.Id, rubric.Version, rubric.PassThreshold));
        Assert.Equal("The notes a customer reads after an upgrade.\n\nThey are short.", rubric.Description);
        Assert.Collection(
            rubric.Criteria,
            c => AssertCriterion(c, "what-changed", "Says what changed", null, 0.5, false, CriterionKind.Model, null),
            c => AssertCriterion(c, "criterion-2", "Uses a star bullet", null, 1, true, CriterionKind.Model, null),
            c => AssertCriterion(c, "tone-style-1", "Is friendly and [polite] in tone", "Tone & Style!", 0, true, CriterionKind.Model, null),
            c => AssertCriterion(c, "tone-style-2", "Is calm", "Tone & Style!", 1, false, CriterionKind.Model, null));
    }

    [Fact]
    public void Annotations_may_follow_the_bracket_and_brackets_in_the_text_stay_text()
    {
        var rubric = MarkdownRubricParser.Parse("""
            # T
            - Quotes [the policy] exactly [contains: "policy 4.2"] (weight: 3) (required)
            - Has a link [docs](https://example.com)
            """);

        Assert.Collection(
            rubric.Criteria,
            c => AssertCriterion(c, "criterion-1", "Quotes [the policy] exactly", null, 3, true, CriterionKind.Contains, "policy 4.2"),
            c => AssertCriterion(c, "criterion-2", "Has a link [docs](https://example.com)", null, 1, false, CriterionKind.Model, null));
    }

    [Fact]
    public void A_repeated_section_continues_its_numbering()
    {
        var rubric = MarkdownRubricParser.Parse("# T\n## A\n- one\n## B\n- two\n## A\n- three\n");

        Assert.Equal(["a-1", "b-1", "a-2"], rubric.Criteria.Select(c => c.Id));
    }

    [Fact]
    public void Windows_line_endings_are_read_like_unix_ones()
    {
        var rubric = MarkdownRubricParser.Parse(IssueExample.ReplaceLineEndings("\r\n"), "refund-summary.md");

        Assert.Equal(5, rubric.Criteria.Count);
        Assert.Equal("600", rubric.Criteria[^1].Argument);
    }

    private static void AssertCriterion(
        RubricCriterion criterion, string id, string text, string? section, double weight, bool required, CriterionKind kind, string? argument)
    {
        Assert.Equal(
            (id, text, section, weight, required, kind, argument),
            (criterion.Id, criterion.Text, criterion.Section, criterion.Weight, criterion.Required, criterion.Kind, criterion.Argument));
    }

    [Fact]
    public void A_leading_byte_order_mark_is_not_part_of_the_title()
    {
        // What a decoder that keeps the mark (Encoding.UTF8.GetString of the file's bytes) gives; LoadAsync's read drops it.
        var rubric = MarkdownRubricParser.Parse("\uFEFF" + IssueExample, "refund.md");

        Assert.Equal("Refund summary", rubric.Title);
        Assert.Equal(MarkdownRubricParser.Parse(IssueExample, "refund.md").Criteria.Select(c => c.Id), rubric.Criteria.Select(c => c.Id));
    }
}
