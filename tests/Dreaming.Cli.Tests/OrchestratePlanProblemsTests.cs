namespace Dreaming.Cli.Tests;

/// <summary>'dreaming orchestrate' names every problem of an invalid plan file, each on its own line.</summary>
public class OrchestratePlanProblemsTests
{
    [Fact]
    public async Task Every_problem_of_the_plan_is_printed_on_its_own_line()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"w"}],
             "items":[{"id":"a","agent":"nobody","instructions":"x"},
                      {"id":"b","agent":"w","instructions":"y","dependsOn":["zz"]},
                      {"id":"c","agent":"w","instructions":"z","dependsOn":["d"]},
                      {"id":"d","agent":"w","instructions":"z","dependsOn":["c"]}]}
            """);

        var (exit, output, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Equal(
            [
                "error: Item 'a' names the agent 'nobody', which is not in the roster (the roster has w).",
                "error: Item 'b' depends on 'zz', which is not in the plan.",
                "error: The plan has a cycle: 'c' -> 'd' -> 'c' (each depends on the next).",
            ],
            error.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("completed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_of_the_file_itself_is_printed_too()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","concurrency":3,"agents":[{"name":"w","model":"m"},{"instructions":"i"},{"name":"w"}],
             "items":[{"id":"a","agent":"w","instructions":"x","depends_on":["b"]},null]}
            """);

        var (exit, output, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database, "--json");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        var lines = error.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal(6, lines.Length);
        Assert.EndsWith("' has the property 'concurrency', which a plan file does not have (a plan has goal, agents, items, maxConcurrency and scope).", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("': agent #1 has the property 'model', which a plan file does not have (an agent has name and instructions).", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("': item #1 ('a') has the property 'depends_on', which a plan file does not have (an item has id, agent, instructions, dependsOn and rubric).", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("': item #2 is null.", lines[3], StringComparison.Ordinal);
        Assert.EndsWith("': agent #2 has no name.", lines[4], StringComparison.Ordinal);
        Assert.EndsWith("' names the agent 'w' more than once.", lines[5], StringComparison.Ordinal);
        Assert.All(lines, l => Assert.StartsWith("error: The plan file '", l, StringComparison.Ordinal));
    }

    // A name with a line break (an item id, a property name, an agent name) is shown on one line, so each problem stays
    // one line of the exception's message and one 'error:' line; it split into two.
    [Fact]
    public async Task A_name_with_a_line_break_keeps_its_problem_on_one_line()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","odd\nkey":1,"agents":[{"name":"w\nv"},{"name":"w\nv"}],
             "items":[{"id":"a\nb","agent":"w","instructions":"x","depends\non":["b"]}]}
            """);

        var (exit, _, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database);

        Assert.Equal(1, exit);
        var lines = error.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("' has the property 'odd key', which a plan file does not have (a plan has goal, agents, items, maxConcurrency and scope).", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("': item #1 ('a b') has the property 'depends on', which a plan file does not have (an item has id, agent, instructions, dependsOn and rubric).", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("' names the agent 'w v' more than once.", lines[2], StringComparison.Ordinal);

        var problems = Assert.Throws<PlanValidationException>(() => Dreaming.Cli.Orchestration.PlanFile.LoadAsync(plan, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Equal(3, problems.Message.ReplaceLineEndings("\n").Split('\n').Count(l => l.Contains("The plan file '", StringComparison.Ordinal)));
        Assert.All(problems.Problems, p => Assert.DoesNotContain('\n', p.Message));
    }

    [Fact]
    public async Task Past_twenty_problems_the_rest_are_counted()
    {
        using var cli = new CliRunner();
        var items = string.Join(',', Enumerable.Range(1, 23).Select(i => $$"""{"id":"i{{i}}","agent":"ghost","instructions":"x"}"""));
        var plan = cli.WriteFile("plan.json", $$"""{"goal":"g","agents":[{"name":"w"}],"items":[{{items}}]}""");

        var (exit, _, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database);

        Assert.Equal(1, exit);
        var lines = error.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal(21, lines.Length);
        Assert.Equal("error: Item 'i1' names the agent 'ghost', which is not in the roster (the roster has w).", lines[0]);
        Assert.Equal("error: … and 3 more problems.", lines[20]);
    }
}
