namespace Dreaming.Tests;

/// <summary>A plan is checked without running it (<see cref="OrchestrationPlanValidation"/>) exactly as a run checks it.</summary>
public class OrchestrationPlanValidationTests
{
    public static TheoryData<string, OrchestrationPlan, string, string[]> InvalidPlans => PlanValidationTests.InvalidPlans;

    [Theory]
    [MemberData(nameof(InvalidPlans))]
    public async Task An_invalid_plan_gets_the_problems_a_run_refuses_it_with_and_nothing_runs(string name, OrchestrationPlan plan, string message, string[] itemIds)
    {
        await using var host = OrchestrationHarness.Create(o => o.MaxItems = 4);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new WorkItemReply("ok"));
        });

        var result = await plan.ValidateAsync([agent], maxItems: 4);

        Assert.False(result.IsValid, name);
        Assert.StartsWith(message, result.Problems[0].Message, StringComparison.Ordinal);
        Assert.Equal(itemIds, result.Problems[0].ItemIds);
        var refused = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, agent));
        Assert.Equal(refused.Problems.Select(p => (p.Message, string.Join(",", p.ItemIds))), result.Problems.Select(p => (p.Message, string.Join(",", p.ItemIds))));
        var thrown = Assert.Throws<PlanValidationException>(result.ThrowIfInvalid);
        Assert.Equal(refused.Message, thrown.Message);
        Assert.Equal(refused.ItemIds, thrown.ItemIds);
        Assert.Equal(0, calls);
        Assert.Empty(await host.SessionsAsync());
    }

    [Fact]
    public async Task The_orchestrator_from_dependency_injection_checks_a_plan_with_its_configured_item_cap()
    {
        await using var host = OrchestrationHarness.Create(o => o.MaxItems = 3);
        var plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b"), OrchestrationHarness.Item("c"), OrchestrationHarness.Item("d"));

        var result = await host.Orchestrator.ValidatePlanAsync(plan, [OrchestrationHarness.Echo()]);

        Assert.False(result.IsValid);
        var refused = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, OrchestrationHarness.Echo()));
        Assert.Equal(refused.Message, Assert.Throws<PlanValidationException>(result.ThrowIfInvalid).Message);
        Assert.True((await plan.ValidateAsync([OrchestrationHarness.Echo()])).IsValid, "the default cap of the extension on the plan admits it");
    }

    [Fact]
    public async Task Another_implementation_of_the_orchestrator_is_checked_with_the_default_item_cap()
    {
        var other = NSubstitute.Substitute.For<IOrchestrator>();
        var plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a"));

        Assert.True((await other.ValidatePlanAsync(plan, [OrchestrationHarness.Echo()])).IsValid);
        await Assert.ThrowsAsync<ArgumentNullException>(() => ((IOrchestrator)null!).ValidatePlanAsync(plan, [OrchestrationHarness.Echo()]));
    }

    [Fact]
    public async Task A_valid_plan_has_no_problems_and_nothing_is_called_or_recorded()
    {
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new WorkItemReply("ok"));
        });

        var result = await OrchestrationHarness.Plan(2, OrchestrationHarness.Item("b", "a"), OrchestrationHarness.Item("a")).ValidateAsync([agent]);

        Assert.True(result.IsValid);
        Assert.Empty(result.Problems);
        Assert.Equal(0, result.OmittedProblemCount);
        result.ThrowIfInvalid();
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task Every_problem_is_listed_and_those_past_the_twentieth_are_counted_as_a_run_counts_them()
    {
        var plan = OrchestrationHarness.Plan(2, [.. Enumerable.Range(1, 25).Select(i => OrchestrationHarness.Item("i" + i) with { Agent = "ghost" }), OrchestrationHarness.Item("x", "y"), OrchestrationHarness.Item("y", "x")]);

        var result = await plan.ValidateAsync([OrchestrationHarness.Echo()]);

        Assert.Equal(PlanValidationException.MaxProblems, result.Problems.Count);
        Assert.Equal(6, result.OmittedProblemCount);
        await using var host = OrchestrationHarness.Create();
        var refused = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, OrchestrationHarness.Echo()));
        Assert.Equal(refused.Message, Assert.Throws<PlanValidationException>(result.ThrowIfInvalid).Message);
        Assert.EndsWith("\n… and 6 more problems.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_item_cap_is_the_default_options_unless_one_is_given()
    {
        var plan = OrchestrationHarness.Plan(2, [.. Enumerable.Range(0, OrchestratorOptions.DefaultMaxItems + 1).Select(i => OrchestrationHarness.Item("i" + i))]);

        var byDefault = await plan.ValidateAsync([OrchestrationHarness.Echo()]);
        var raised = await plan.ValidateAsync([OrchestrationHarness.Echo()], OrchestratorOptions.DefaultMaxItems + 1);

        Assert.Equal("The plan has 10,001 items, more than the limit of 10,000 (OrchestratorOptions.MaxItems).", Assert.Single(byDefault.Problems).Message);
        Assert.True(raised.IsValid);
        Assert.Equal(OrchestratorOptions.DefaultMaxItems, new OrchestratorOptions().MaxItems);
    }

    [Fact]
    public async Task A_rubric_that_cannot_be_loaded_is_a_problem_and_a_valid_one_is_not()
    {
        var folder = Directory.CreateTempSubdirectory("dreaming-plan-check-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "good.md"), "# Note\nPass threshold: 1.0\n\n## Content\n- Names the note (required) [contains: \"note\"]\n");
            var plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a") with { RubricPath = "good.md" }, OrchestrationHarness.Item("b") with { RubricPath = "missing.md" }) with { BaseDirectory = folder.FullName };

            var result = await plan.ValidateAsync([OrchestrationHarness.Echo()]);

            var problem = Assert.Single(result.Problems);
            var missing = Path.Combine(folder.FullName, "missing.md");
            Assert.Equal(
                $"Item 'b': the rubric '{missing}' cannot be loaded: No rubric file at 'missing.md' (relative to the plan's base directory '{folder.FullName}': '{missing}').",
                problem.Message);
            Assert.Equal(["b"], problem.ItemIds);
            Assert.True((await (plan with { Items = [plan.Items[0]] }).ValidateAsync([OrchestrationHarness.Echo()])).IsValid);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_valid_plan_comes_back_with_its_rubric_files_loaded_and_runs_without_reading_them_again()
    {
        var folder = Directory.CreateTempSubdirectory("dreaming-plan-check-");
        try
        {
            var path = Path.Combine(folder.FullName, "done.md");
            await File.WriteAllTextAsync(path, "# Done\nPass threshold: 1.0\n\n## Content\n- Says it is done (required) [contains: \"done\"]\n");
            var plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a") with { RubricPath = "done.md" }, OrchestrationHarness.Item("b", "a")) with { BaseDirectory = folder.FullName };

            var result = await plan.ValidateAsync([OrchestrationHarness.Echo()]);

            Assert.True(result.IsValid);
            var checkedPlan = Assert.IsType<OrchestrationPlan>(result.Plan);
            Assert.Equal("Done", checkedPlan.Items[0].Rubric!.Title);
            Assert.Equal("done.md", checkedPlan.Items[0].RubricPath);
            Assert.Null(checkedPlan.Items[1].Rubric);

            // The checked plan runs with the rubric it was checked with, though the file is gone.
            File.Delete(path);
            await using var host = OrchestrationHarness.Create();
            var run = await host.RunAsync(checkedPlan, OrchestrationHarness.Echo());
            Assert.Equal(OrchestrationStatus.Completed, run.Status);
            Assert.Equal(OutcomeResult.Satisfied, run.Items[0].Outcome);
            await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, OrchestrationHarness.Echo()));

            // An invalid plan has none; nor has the shared result of a plan found valid elsewhere.
            Assert.Null((await (plan with { Items = [plan.Items[1]] }).ValidateAsync([OrchestrationHarness.Echo()])).Plan);
            Assert.Null(PlanValidationResult.Valid.Plan);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_roster_or_item_cap_is_refused_as_an_argument_and_a_cancelled_check_throws()
    {
        var plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"));

        Assert.StartsWith("The roster has two agents named 'worker'.", (await Assert.ThrowsAsync<ArgumentException>(() => plan.ValidateAsync([OrchestrationHarness.Echo(), OrchestrationHarness.Echo()]))).Message, StringComparison.Ordinal);
        Assert.Equal("agents", (await Assert.ThrowsAsync<ArgumentNullException>(() => plan.ValidateAsync(null!))).ParamName);
        Assert.Equal("plan", (await Assert.ThrowsAsync<ArgumentNullException>(() => OrchestrationPlanValidation.ValidateAsync(null!, [OrchestrationHarness.Echo()]))).ParamName);
        Assert.Equal("maxItems", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => plan.ValidateAsync([OrchestrationHarness.Echo()], 0))).ParamName);
        Assert.Equal("maxItems", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => plan.ValidateAsync([OrchestrationHarness.Echo()], OrchestratorOptions.MaxItemsLimit + 1))).ParamName);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => plan.ValidateAsync([OrchestrationHarness.Echo()], new CancellationToken(canceled: true)));
    }

    [Fact]
    public void A_result_refuses_an_empty_or_oversized_list_of_problems()
    {
        Assert.Throws<ArgumentException>(() => new PlanValidationResult([]));
        Assert.Throws<ArgumentException>(() => new PlanValidationResult([.. Enumerable.Range(0, PlanValidationException.MaxProblems + 1).Select(i => new PlanProblem("p" + i))]));
        Assert.Throws<ArgumentNullException>(() => new PlanValidationResult([null!]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlanValidationResult([new PlanProblem("p")], -1));
        Assert.False(new PlanValidationResult([new PlanProblem("p")]).IsValid);
    }
}
