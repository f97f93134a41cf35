using System.Text.Json;

namespace Dreaming.Cli.Tests;

/// <summary>A plan file's property names are read case-insensitively (System.Text.Json's web defaults), its ids and agent
/// names ordinally, as the library compares them.</summary>
public class PlanFileNameCaseTests
{
    [Fact]
    public async Task Ids_and_agent_names_that_differ_only_in_case_are_distinct_and_property_names_are_not()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"Goal":"g","Agents":[{"Name":"w"},{"name":"W"}],
             "ITEMS":[{"id":"a","agent":"w","instructions":"x"},
                      {"Id":"A","Agent":"W","Instructions":"y"},
                      {"id":"b","agent":"w","instructions":"z","DependsOn":["A"]}]}
            """);

        var (exit, output, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error + output);
        var items = JsonDocument.Parse(output).RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["a", "A", "b"], items.Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(["w", "W", "w"], items.Select(i => i.GetProperty("agent").GetString()));
        Assert.True(items[2].GetProperty("startedAt").GetDateTimeOffset() >= items[1].GetProperty("endedAt").GetDateTimeOffset(), "b waited for A");
    }

    [Fact]
    public async Task A_property_given_twice_in_two_cases_is_refused()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"w"}],
             "items":[{"id":"a","agent":"w","instructions":"x"},{"id":"b","agent":"w","instructions":"y","dependsOn":["a"],"DependsOn":[]}]}
            """);

        var (exit, _, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("Duplicate property 'dependsOn'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_that_matches_a_known_one_only_in_case_is_refused_saying_so()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"writer"}],
             "items":[{"id":"a","agent":"Writer","instructions":"x"},{"id":"b","agent":"writer","instructions":"y","dependsOn":["A"]}]}
            """);

        var (exit, _, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Equal(
            [
                "error: Item 'a' names the agent 'Writer', which is not in the roster (the roster has writer). Agent names are case-sensitive: 'writer' differs from it only in case.",
                "error: Item 'b' depends on 'A', which is not in the plan. Item ids are case-sensitive: 'a' differs from it only in case.",
            ],
            error.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
    }
}
