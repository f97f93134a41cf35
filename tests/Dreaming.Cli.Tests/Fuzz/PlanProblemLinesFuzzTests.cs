using System.Text.Json;
using Dreaming.Tests.Fuzz;

namespace Dreaming.Cli.Tests.Fuzz;

/// <summary>Random invalid plans through 'dreaming orchestrate --plan': exit code 1 and every problem on one 'error:' line,
/// with no raw control character or bidirectional override reaching the terminal.</summary>
public sealed class PlanProblemLinesFuzzTests
{
    // Bidirectional embeddings, overrides and isolates, which Text.OneLine escapes as it does control characters.
    private static readonly char[] Bidi = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'];

    [Fact]
    public async Task Every_error_line_of_an_invalid_plan_is_one_safe_line()
    {
        var generator = new PlanGenerator(new Random(FuzzRunner.Setting("FUZZ_SEED", "37")));
        var count = FuzzRunner.Setting("FUZZ_COUNT", "2000") / 20;
        using var cli = new CliRunner();
        var failures = new List<string>();
        var ran = 0;
        await Task.Run(async () =>
        {
            while (ran < count && failures.Count < 5)
            {
                var (plan, valid) = generator.Next(maxItems: 30);
                if (valid)
                {
                    continue; // a valid plan would run (simulated agents): not what this test is about
                }

                ran++;
                var json = PlanJson(plan);
                var path = cli.WriteFile("plan.json", json);
                var (exit, _, error) = await cli.RunAsync("orchestrate", "--plan", path, "--db", cli.Database);
                var lines = error.Split(Environment.NewLine);
                var problems = lines[..^1];
                var bad = problems.FirstOrDefault(l => !l.StartsWith("error: ", StringComparison.Ordinal)
                    || l.Any(c => char.IsControl(c) || Bidi.Contains(c)) || l.Contains('\u2028') || l.Contains('\u2029'));
                if (lines[^1].Length != 0 || problems.Length == 0 || bad is not null || (exit != 1 && problems.Length > 0))
                {
                    failures.Add($"exit {exit}, line {FuzzRunner.Escape(bad ?? lines[^1])}\nplan {FuzzRunner.Escape(json)}\nerror {FuzzRunner.Escape(error)}");
                }
                else if (exit != 1)
                {
                    failures.Add($"exit {exit} for {FuzzRunner.Escape(json)}");
                }
            }
        }).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.Equal(count, ran);
    }

    // The plan as a plan file, with the roster the generator's valid agents name.
    private static string PlanJson(OrchestrationPlan plan) => JsonSerializer.Serialize(new
    {
        goal = plan.Goal,
        maxConcurrency = plan.MaxConcurrency,
        agents = new[] { new { name = PlanGenerator.Roster1 }, new { name = PlanGenerator.Roster2 } },
        items = plan.Items.Select(i => new { id = i.Id, agent = i.Agent, instructions = i.Instructions, dependsOn = i.DependsOn }),
    });
}
