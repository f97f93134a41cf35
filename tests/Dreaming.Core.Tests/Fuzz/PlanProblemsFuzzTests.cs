namespace Dreaming.Tests.Fuzz;

/// <summary>Random plans through <see cref="PlanGraph.Build"/>: a valid one never throws; an invalid one throws a
/// <see cref="PlanValidationException"/> whose problems are listed as documented and whose cycles are real.</summary>
public sealed class PlanProblemsFuzzTests
{
    private const int MaxItems = 50;

    [Fact]
    public async Task Random_plans_build_or_list_their_problems_as_documented()
    {
        var generator = new PlanGenerator(new Random(FuzzRunner.Setting("FUZZ_SEED", "31")));
        var count = FuzzRunner.Setting("FUZZ_COUNT", "3000");
        var agents = new HashSet<string>(StringComparer.Ordinal) { PlanGenerator.Roster1, PlanGenerator.Roster2 };
        var failures = new List<string>();
        var (valid, cycles) = (0, 0);
        await Task.Run(() =>
        {
            for (var n = 0; n < count && failures.Count < 10; n++)
            {
                var (plan, isValid) = generator.Next(MaxItems);
                try
                {
                    PlanGraph.Build(plan, agents, MaxItems);
                    Assert.False(isValid is false && !Acceptable(plan, agents), "an invalid plan was accepted");
                    valid++;
                }
                catch (PlanValidationException ex)
                {
                    Assert.False(isValid, "a valid plan was refused: " + ex.Message);
                    cycles += Check(ex, plan);
                }
                catch (Exception ex)
                {
                    failures.Add($"case {n}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
                }
            }
        }).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(valid > count / 5 && cycles > count / 10, $"{valid} valid plans and {cycles} cycles in {count}: the generator no longer covers both");
    }

    /// <summary>Checks the exception's listing; returns how many cycles it names.</summary>
    internal static int Check(PlanValidationException ex, OrchestrationPlan plan)
    {
        Assert.NotEmpty(ex.Problems);
        Assert.InRange(ex.Problems.Count, 1, PlanValidationException.MaxProblems);
        Assert.True(ex.OmittedProblemCount >= 0);
        Assert.True(ex.OmittedProblemCount == 0 || ex.Problems.Count == PlanValidationException.MaxProblems, "problems were omitted from a list with room");
        Assert.Equal(ex.Problems[0].ItemIds, ex.ItemIds);

        // The message is each problem's, the first first, then the count of the rest.
        var expected = string.Join('\n', ex.Problems.Select(p => p.Message));
        Assert.Equal(ex.OmittedProblemCount == 0 ? expected : expected + "\n… and ", ex.OmittedProblemCount == 0 ? ex.Message : ex.Message[..(expected.Length + 7)]);
        Assert.Equal(ex.Problems[0].Message, ex.Message.Split('\n')[0]);
        Assert.All(ex.Problems, p => Assert.Equal(p.Message, p.Message.ReplaceLineEndings(string.Empty)));

        // Each cycle is real: every item on it depends on the next (the first item of each id is the one a dependency means).
        var first = new Dictionary<string, WorkItem>(StringComparer.Ordinal);
        foreach (var item in plan.Items ?? [])
        {
            if (item is not null && !string.IsNullOrWhiteSpace(item.Id))
            {
                first.TryAdd(item.Id, item);
            }
        }

        var cycles = 0;
        foreach (var problem in ex.Problems.Where(p => p.Message.StartsWith("The plan has a cycle:", StringComparison.Ordinal)))
        {
            cycles++;
            var ids = problem.ItemIds;
            Assert.NotEmpty(ids);
            Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
            for (var k = 0; k < ids.Count; k++)
            {
                Assert.Contains(ids[(k + 1) % ids.Count], first[ids[k]].DependsOn);
            }
        }

        return cycles;
    }

    // An invalid-by-construction plan may still come out valid (no odd id, no bad dependency drawn): checked here.
    private static bool Acceptable(OrchestrationPlan plan, IReadOnlySet<string> agents)
    {
        var ids = plan.Items.Select(i => i.Id).ToList();
        return !string.IsNullOrWhiteSpace(plan.Goal) && plan.Items.Count is > 0 and <= MaxItems && plan.MaxConcurrency >= 1
            && ids.All(id => !string.IsNullOrWhiteSpace(id)) && ids.Distinct(StringComparer.Ordinal).Count() == ids.Count
            && plan.Items.All(i => agents.Contains(i.Agent) && !string.IsNullOrWhiteSpace(i.Instructions) && i.DependsOn.All(d => d is not null && d != i.Id && ids.Contains(d)));
    }
}
