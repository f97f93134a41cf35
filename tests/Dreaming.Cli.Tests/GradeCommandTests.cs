using System.Text.Json;

namespace Dreaming.Cli.Tests;

public class GradeCommandTests
{
    private const string ExampleRubric = """
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
    public async Task The_issue_example_passes_with_exit_code_0_and_the_documented_json()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("refund.md", ExampleRubric);
        var input = cli.WriteFile("answer.json", """{"order":"#W123","refund":"$12.50","note":"Sorry for the delay."}""");

        var (exit, output, error) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input, "--task", "Summarise the refund", "--json");

        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("satisfied", root.GetProperty("result").GetString());
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal(1.0, root.GetProperty("score").GetDouble());
        Assert.Equal(0.75, root.GetProperty("threshold").GetDouble());
        var criteria = root.GetProperty("criteria").EnumerateArray().ToList();
        Assert.Equal(5, criteria.Count);
        Assert.Equal(["met", "met", "skipped", "met", "met"], criteria.Select(c => c.GetProperty("verdict").GetString()));
        Assert.True(criteria[0].GetProperty("required").GetBoolean());
        Assert.Equal("Content", criteria[0].GetProperty("section").GetString());
        Assert.Equal(2, criteria[2].GetProperty("weight").GetDouble());
        Assert.Equal("Mentions the order number", criteria[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Json_gives_each_criterion_its_weight_required_and_kind_as_the_trace_records_them()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("refund.md", ExampleRubric);
        var input = cli.WriteFile("answer.json", """{"order":"#W123"}""");

        var (_, output, _) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input, "--json");

        var criteria = JsonDocument.Parse(output).RootElement.GetProperty("criteria").EnumerateArray().ToList();
        Assert.Equal(["contains", "regex", "model", "json", "max_length"], criteria.Select(c => c.GetProperty("kind").GetString()));
        Assert.Equal([1.0, 1.0, 2.0, 1.0, 1.0], criteria.Select(c => c.GetProperty("weight").GetDouble()));
        Assert.Equal([true, false, false, false, false], criteria.Select(c => c.GetProperty("required").GetBoolean()));
    }

    [Fact]
    public async Task Work_that_does_not_pass_exits_with_2_and_says_why()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("refund.md", ExampleRubric);
        var input = cli.WriteFile("answer.txt", "Refunded order #W123, sorry.");

        var (exit, output, _) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input);

        Assert.Equal(2, exit);
        Assert.Contains("needs_revision, score 0.5 (threshold 0.75), not passed", output, StringComparison.Ordinal);
        Assert.Contains("not_met", output, StringComparison.Ordinal);
        Assert.Contains("model-judged criteria were skipped", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_criterion_fails_even_with_a_high_score()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("refund.md", ExampleRubric.Replace("Pass threshold: 0.75", "Pass threshold: 0.5", StringComparison.Ordinal));
        var input = cli.WriteFile("answer.json", """{"refund":"$12.50"}""");

        var (exit, output, _) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input, "--json");

        Assert.Equal(2, exit);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0.75, root.GetProperty("score").GetDouble());
        Assert.False(root.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task A_criterion_that_cannot_be_checked_exits_with_1_and_still_lists_every_verdict()
    {
        using var cli = new CliRunner();
        cli.WriteFile("ref.json", """{ "$ref": "elsewhere.json" }""");
        var rubric = cli.WriteFile("refund.md", "# Refund\n- Names the order [contains: \"#W123\"]\n- Matches the schema [json-schema: ref.json]\n");
        var input = cli.WriteFile("answer.json", """{"order":"#W123"}""");

        var (exit, output, _) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input, "--json");

        Assert.Equal(1, exit);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("failed", root.GetProperty("result").GetString());
        Assert.Equal(["met", "error"], root.GetProperty("criteria").EnumerateArray().Select(c => c.GetProperty("verdict").GetString()));
    }

    [Fact]
    public async Task A_score_just_below_the_threshold_is_not_printed_as_reaching_it()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("close.md", "# Close call\nPass threshold: 0.75\n- Names the order (weight: 7496) [contains: \"#W123\"]\n- Says sorry (weight: 2504) [contains: \"sorry\"]\n");
        var input = cli.WriteFile("answer.txt", "Order #W123 refunded.");

        var (exit, output, _) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input);

        Assert.Equal(2, exit);
        Assert.Contains("score 0.749 (threshold 0.75), not passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_rubric_exits_with_1_naming_the_line()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("bad.md", "# Bad\nPass threshold: 1.5\n- Says hello\n");
        var input = cli.WriteFile("answer.txt", "hello");

        var (exit, _, error) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input);

        Assert.Equal(1, exit);
        Assert.Contains("bad.md(2)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_files_exit_with_1_naming_them()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("refund.md", ExampleRubric);
        var (exit, _, error) = await cli.RunAsync("grade", "--rubric", rubric, "--input", Path.Combine(cli.Folder, "nope.txt"));
        Assert.Equal(1, exit);
        Assert.Contains("nope.txt", error, StringComparison.Ordinal);

        var (exit2, _, error2) = await cli.RunAsync("grade", "--rubric", Path.Combine(cli.Folder, "missing.md"), "--input", rubric);
        Assert.Equal(1, exit2);
        Assert.Contains($"error: No rubric file at '{Path.Combine(cli.Folder, "missing.md")}'.", error2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rubric_path_through_a_file_says_that_file_is_not_a_folder()
    {
        using var cli = new CliRunner();
        var input = cli.WriteFile("answer.txt", "Refund of order #W123 is approved.");
        var rubric = cli.WriteFile("refund.md", ExampleRubric);

        var (exit, output, error) = await cli.RunAsync("grade", "--rubric", Path.Combine(rubric, "x.md"), "--input", input);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains($"error: No rubric file at '{Path.Combine(rubric, "x.md")}'; '{rubric}' is a file, not a folder.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_relative_rubric_is_named_as_given_and_as_resolved_from_the_current_directory()
    {
        using var cli = new CliRunner();
        var input = cli.WriteFile("answer.txt", "Refund of order #W123 is approved.");
        var given = "no-such-rubric-" + Guid.NewGuid().ToString("N") + ".md";

        var (exit, output, error) = await cli.RunAsync("grade", "--rubric", given, "--input", input);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains(
            $"error: No rubric file at '{given}' (relative to the current directory '{Directory.GetCurrentDirectory()}': '{Path.GetFullPath(given)}').",
            error,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_minimum_rubric_fails_work_the_weighted_mean_passes_and_the_output_names_the_aggregation()
    {
        using var cli = new CliRunner();
        var weighted = cli.WriteFile("refund.md", ExampleRubric);
        var minimum = cli.WriteFile("refund-min.md", ExampleRubric.Replace("Pass threshold: 0.75", "Pass threshold: 0.75\nAggregation: minimum", StringComparison.Ordinal));
        // Order number, JSON and length met; no refund amount: 3 of 4 scored criteria (0.75), and a weakest one at 0.
        var input = cli.WriteFile("answer.json", """{"order":"#W123","note":"Sorry for the delay."}""");

        var (exit, output, error) = await cli.RunAsync("grade", "--rubric", weighted, "--input", input, "--json");
        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal((0.75, "weighted_mean"), (root.GetProperty("score").GetDouble(), root.GetProperty("aggregation").GetString()));

        (exit, output, _) = await cli.RunAsync("grade", "--rubric", minimum, "--input", input, "--json");
        Assert.Equal(2, exit);
        root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(("needs_revision", 0.0, "minimum"), (root.GetProperty("result").GetString(), root.GetProperty("score").GetDouble(), root.GetProperty("aggregation").GetString()));

        (exit, output, _) = await cli.RunAsync("grade", "--rubric", minimum, "--input", input);
        Assert.Equal(2, exit);
        Assert.Contains("needs_revision, score 0 (threshold 0.75, minimum), not passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_aggregation_exits_with_1_naming_the_line()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("bad.md", "# Bad\nPass threshold: 0.5\nAggregation: median\n- Says hello\n");
        var input = cli.WriteFile("answer.txt", "hello");

        var (exit, _, error) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input);

        Assert.Equal(1, exit);
        Assert.Contains("bad.md(3)", error, StringComparison.Ordinal);
        Assert.Contains("aggregation \"median\" is unknown; known: weighted_mean, minimum", error, StringComparison.Ordinal);
    }
}
