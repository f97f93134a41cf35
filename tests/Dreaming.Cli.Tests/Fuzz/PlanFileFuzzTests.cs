using Dreaming.Cli.Orchestration;
using Dreaming.Tests.Fuzz;

namespace Dreaming.Cli.Tests.Fuzz;

public sealed class PlanFileFuzzTests : IDisposable
{
    private const string Seed = """
        // A plan with every property.
        {
          "goal": "Write a report",
          "scope": "team-a",
          "maxConcurrency": 2,
          "agents": [{"name": "researcher", "instructions": "Find facts."}, {"name": "writer"}],
          "items": [
            {"id": "research", "agent": "researcher", "instructions": "Find facts", "dependsOn": []},
            {"id": "write", "agent": "writer", "instructions": "Write it up", "dependsOn": ["research"], "rubric": "rubric.md"},
          ],
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("plan-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Mutated_plan_files_load_or_throw_a_PlanValidationException()
    {
        string[] seeds = [Seed, """{"goal":"g","agents":[{"name":"a"}],"items":[{"id":"x","agent":"a","instructions":"i","dependsOn":["y",null]}]}"""];
        var path = Path.Combine(_directory, "plan.json");
        var cases = InputMutator.Truncations(seeds[1]).Concat(new InputMutator(FuzzRunner.Setting("FUZZ_SEED", "17")).Mutants(seeds, FuzzRunner.Setting("FUZZ_COUNT", "2000")));
        var failures = new List<string>();
        var count = await Task.Run(() => FuzzRunner.Run(
                cases,
                text =>
                {
                    // Half a surrogate pair is written as U+FFFD; one case in seven gets a byte that is never UTF-8.
                    var bytes = System.Text.Encoding.UTF8.GetBytes(text);
                    if (bytes.Length > 0 && text.Length % 7 == 0)
                    {
                        bytes[bytes.Length / 2] = 0xFF;
                    }

                    File.WriteAllBytes(path, bytes);
                    PlanFile.LoadAsync(path, CancellationToken.None).GetAwaiter().GetResult();
                },
                ex => ex is PlanValidationException,
                failures))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(count > 2000);
    }
}
