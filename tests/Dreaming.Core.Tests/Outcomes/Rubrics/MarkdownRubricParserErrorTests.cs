namespace Dreaming.Core.Tests.Outcomes.Rubrics;

public sealed class MarkdownRubricParserErrorTests
{
    [Theory]
    [InlineData("# T\n\n- X [foo: 1]", 3, "unknown check 'foo'; known: contains, contains-i, not-contains, equals, equals-i, regex, json, json-schema, max-length, min-length")]
    [InlineData("# T\n- X [see policy 4.2]", 2, "the trailing [see policy 4.2] is not a check")]
    [InlineData("# T\n- X [contains: #W123]", 2, "[contains] needs quoted text, as in [contains: \"text\"]")]
    [InlineData("# T\n- X [not-contains]", 2, "[not-contains] needs quoted text")]
    [InlineData("# T\n- X [contains: \"#W123]", 2, "[contains: …] is not closed: the closing quote is missing")]
    [InlineData("# T\n- X [equals-i: \"ok\"", 2, "[equals-i: …] is not closed: the closing ']' is missing")]
    [InlineData("# T\n- X [equals: \"ok\" or \"fine\"]", 2, "unexpected text after the closing quote of [equals]: \"or \"fine\"\"")]
    [InlineData("# T\n- X [regex: [a-z]", 2, "[regex: …] is not closed: the closing ']' is missing")]
    [InlineData("# T\n- X [regex:]", 2, "[regex] needs a pattern")]
    [InlineData("# T\n- X [json: strict]", 2, "[json] takes no argument")]
    [InlineData("# T\n- X [json-schema: ]", 2, "[json-schema] needs a file path")]
    [InlineData("# T\n- X [max-length: lots]", 2, "[max-length] needs a whole number of characters, 0 or more, not \"lots\"")]
    [InlineData("# T\n- X [min-length: -1]", 2, "[min-length] needs a whole number of characters, 0 or more, not \"-1\"")]
    [InlineData("# T\n- X [max-length: 1.5]", 2, "not \"1.5\"")]
    [InlineData("# T\n- X (weight: heavy)", 2, "weight \"heavy\" is not a number")]
    [InlineData("# T\n- X (weight: 1) (weight: 2)", 2, "the weight is given twice")]
    [InlineData("# T\n- Y\n- X (weight: -2)", 3, "criterion \"criterion-2\": weight -2 must be a finite number, 0 or more")]
    [InlineData("# T\n- X (weight: NaN)", 2, "criterion \"criterion-1\": weight NaN must be a finite number")]
    [InlineData("# T\n- X (id: a b)", 2, "id \"a b\" must be letters, digits")]
    [InlineData("# T\n- X (id: a) (id: b)", 2, "the id is given twice")]
    [InlineData("# T\n- ", 2, "the bullet has no criterion text")]
    [InlineData("# T\n- [json] (required)", 2, "the bullet has no criterion text")]
    [InlineData("# T\nPass threshold: 1.5\n- X", 2, "pass threshold 1.5 is outside 0..1")]
    [InlineData("# T\nPass threshold: -0.1\n- X", 2, "pass threshold -0.1 is outside 0..1")]
    [InlineData("# T\nPass threshold: high\n- X", 2, "pass threshold \"high\" is not a number")]
    [InlineData("# T\nPass threshold: 75%\n- X", 2, "pass threshold \"75%\" is not a number")]
    [InlineData("# T\nPass threshold: 0.5\npass  threshold: 0.6\n- X", 3, "'pass  threshold' is set twice; it is first set on line 2")]
    [InlineData("# T\nAggregation: median\n- X", 2, "aggregation \"median\" is unknown; known: weighted_mean, minimum")]
    [InlineData("# T\nAggregation: weighted mean.\n- X", 2, "aggregation \"weighted mean.\" is unknown; known: weighted_mean, minimum")]
    [InlineData("# T\nAggregation: minimum.\n- X", 2, "aggregation \"minimum.\" is unknown; known: weighted_mean, minimum")]
    [InlineData("# T\n- X\n\nAggregation:", 4, "aggregation \"\" is unknown; known: weighted_mean, minimum")]
    [InlineData("# T\naggregation: minimum\nAggregation : minimum\n- X", 3, "'Aggregation' is set twice; it is first set on line 2")]
    [InlineData("# T\nVersion: 0\n- X", 2, "version \"0\" must be a whole number, 1 or more")]
    [InlineData("# T\nVersion: two\n- X", 2, "version \"two\" must be a whole number")]
    [InlineData("# T\nId:\n- X", 2, "the id is empty")]
    [InlineData("# A\n- X\n# B", 3, "a second '# ' title; the title is set on line 1")]
    [InlineData("- X\n- Y", 1, "the rubric has no '# ' title")]
    [InlineData("# \n- X", 1, "the '# ' title is empty")]
    [InlineData("# T\n##\n- X", 2, "the '## ' section heading is empty")]
    [InlineData("# T\n- X\n```\n- Y", 3, "the code fence opened here is never closed")]
    [InlineData("# T\n- X [regex: (a+]", 2, "criterion \"criterion-1\": invalid regex:")]
    [InlineData("\n# T\nJust prose.", 2, "the rubric has no criteria")]
    [InlineData("# T\n- X (id: same)\n- Y (id: SAME)", 3, "criterion \"SAME\" (#2) has the same id as criterion #1")]
    [InlineData("# T\n- X (id: content-1)\n## Content\n- Y", 4, "criterion \"content-1\" (#2) has the same id as criterion #1")]
    [InlineData("# T\n## S\n- X (weight: 0)\n- Y (weight: 0)", 1, "every criterion has weight 0")]
    public void Malformed_rubrics_fail_with_the_line_and_what_is_wrong(string markdown, int line, string expected)
    {
        var error = Assert.Throws<RubricException>(() => MarkdownRubricParser.Parse(markdown, "bad.md"));

        Assert.Equal(("bad.md", line), (error.SourceName, error.Line));
        Assert.StartsWith($"bad.md({line}): ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_schema_file_fails_at_load_on_its_line()
    {
        using var folder = new TempFolder();

        var error = Assert.Throws<RubricException>(() =>
            MarkdownRubricParser.Parse("# T\n- A\n- B [json-schema: schemas/missing.json]", "r.md", folder.Path));

        Assert.Equal(3, error.Line);
        Assert.Contains("criterion \"criterion-2\": schema file \"schemas/missing.json\" not found", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder.Path, "schemas", "missing.json"), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"type\": ")]
    [InlineData("{ \"type\": 12 }")]
    [InlineData("[1, 2]")]
    public void An_invalid_schema_file_fails_at_load_on_its_line(string schema)
    {
        using var folder = new TempFolder();
        folder.Write("bad.json", schema);

        var error = Assert.Throws<RubricException>(() =>
            MarkdownRubricParser.Parse("# T\n\n- Matches [json-schema: bad.json]", "r.md", folder.Path));

        Assert.Equal(3, error.Line);
        Assert.Contains("schema file \"bad.json\" is not a valid JSON schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_names_the_file_in_its_errors()
    {
        using var folder = new TempFolder();
        var path = folder.Write("broken.md", "# Broken\n- X [nope]\n");

        var error = await Assert.ThrowsAsync<RubricException>(() => MarkdownRubricParser.LoadAsync(path, CancellationToken.None));

        Assert.Equal((path, 2), (error.SourceName, error.Line));
        Assert.Contains("unknown check 'nope'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_of_a_missing_file_names_the_path()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "none.md");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => MarkdownRubricParser.LoadAsync(path, CancellationToken.None));

        Assert.Equal($"No rubric file at '{path}'.", error.Message);
        Assert.Equal(path, error.FileName);
        Assert.IsType<FileNotFoundException>(error.InnerException);
    }

    [Fact]
    public async Task LoadAsync_of_a_missing_relative_file_names_the_path_as_given_and_as_resolved_from_the_current_directory()
    {
        // A folder the current directory does not hold: the path is relative, and neither the file nor its folder exists.
        var given = Path.Combine("no-such-rubric-folder-" + Guid.NewGuid().ToString("N"), "rubric.md");
        var current = Directory.GetCurrentDirectory();
        var full = Path.GetFullPath(given);

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => MarkdownRubricParser.LoadAsync(given, CancellationToken.None));

        Assert.Equal(
            $"No rubric file at '{given}' (relative to the current directory '{current}': '{full}'); its folder '{Path.GetDirectoryName(full)}' does not exist either.",
            error.Message);
        Assert.Equal(full, error.FileName);
        Assert.IsType<DirectoryNotFoundException>(error.InnerException);
    }

    [Fact]
    public async Task LoadAsync_of_a_path_through_a_file_says_that_file_is_not_a_folder()
    {
        // rubric.md/refund.md with rubric.md a file: the message said "its folder '…/rubric.md' does not exist either",
        // sending its reader to look for a folder that is there, as a file.
        using var folder = new TempFolder();
        var file = folder.Write("rubric.md", "# Refund\n- Says sorry [contains: \"sorry\"]\n");
        var path = Path.Combine(file, "deeper", "refund.md");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => MarkdownRubricParser.LoadAsync(path, CancellationToken.None));

        Assert.Equal($"No rubric file at '{path}'; '{file}' is a file, not a folder.", error.Message);
        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public async Task LoadAsync_of_a_folder_is_an_io_error_saying_it_is_a_folder()
    {
        using var folder = new TempFolder();

        var error = await Assert.ThrowsAsync<IOException>(() => MarkdownRubricParser.LoadAsync(folder.Path, CancellationToken.None));

        Assert.Equal($"'{folder.Path}' is a folder, not a rubric file.", error.Message);
    }
}
