namespace Dreaming.Tests.Fuzz;

public sealed class CoordinatorPlanFuzzTests
{
    private const string Seed = """
        Here is the plan:
        ```json
        {"items":[{"id":"research","agent":"worker","instructions":"Find facts","dependsOn":[]},
                  {"id":"write","agent":"worker","instructions":"Write it up","dependsOn":["research"]}]}
        ```
        """;

    [Fact]
    public async Task Mutated_replies_give_a_plan_or_a_PlanValidationException()
    {
        string[] seeds = [Seed, """{"items":[{"id":"a","agent":"worker","instructions":"x","dependsOn":["b"]},{"id":"b","agent":"worker","instructions":"y"}]}"""];
        var names = new HashSet<string>(StringComparer.Ordinal) { "worker" };
        var cases = InputMutator.Truncations(seeds[1]).Concat(new InputMutator(FuzzRunner.Setting("FUZZ_SEED", "7")).Mutants(seeds, FuzzRunner.Setting("FUZZ_COUNT", "4000")));
        var failures = new List<string>();
        var count = await Task.Run(() => FuzzRunner.Run(
                cases,
                text => PlanGraph.Build(CoordinatorPlanner.Parse("goal", text), names, maxItems: 100),
                ex => ex is PlanValidationException,
                failures))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(count > 4000);
    }
}
