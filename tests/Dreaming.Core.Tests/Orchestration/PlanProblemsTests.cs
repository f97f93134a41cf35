namespace Dreaming.Tests;

/// <summary>A plan with several problems names them all, the first one as before.</summary>
public class PlanProblemsTests
{
    [Fact]
    public async Task Every_problem_of_a_plan_is_listed_the_first_as_the_messages_first_line()
    {
        await using var host = OrchestrationHarness.Create();
        var plan = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("a") with { Agent = "ghost" },
            OrchestrationHarness.Item("b", "nope"),
            OrchestrationHarness.Item("c") with { Instructions = " ", MaxTokens = 0 },
            OrchestrationHarness.Item("a"),
            OrchestrationHarness.Item("x", "y"),
            OrchestrationHarness.Item("y", "x"),
            OrchestrationHarness.Item("p", "r"),
            OrchestrationHarness.Item("q", "p"),
            OrchestrationHarness.Item("r", "q"),
            OrchestrationHarness.Item("behind", "p"),
            OrchestrationHarness.Item("me", "me"),
            OrchestrationHarness.Item(" "));

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, OrchestrationHarness.Echo()));

        string[] expected =
        [
            "Item 'a' names the agent 'ghost', which is not in the roster (the roster has worker).",
            "Item 'c' has no instructions.",
            "Item 'c' has maxTokens 0; it must be positive.",
            "The item id 'a' is used more than once (items #1 and #4).",
            "Item #12 has no id.",
            "Item 'b' depends on 'nope', which is not in the plan.",
            "The plan has a cycle: 'me' depends on itself.",
            "The plan has a cycle: 'x' -> 'y' -> 'x' (each depends on the next).",
            "The plan has a cycle: 'p' -> 'r' -> 'q' -> 'p' (each depends on the next).",
        ];
        Assert.Equal(expected, ex.Problems.Select(p => p.Message));
        Assert.Equal(string.Join('\n', expected), ex.Message);
        Assert.Equal(0, ex.OmittedProblemCount);
        Assert.Equal(["a"], ex.ItemIds);
        Assert.Equal(["p", "r", "q"], ex.Problems[8].ItemIds);
        Assert.Equal(["x", "y"], ex.Problems[7].ItemIds);
        Assert.Empty(ex.Problems[4].ItemIds);
        Assert.Empty(await host.SessionsAsync());
    }

    [Fact]
    public async Task The_problems_of_the_whole_plan_come_first_and_the_items_are_still_checked()
    {
        await using var host = OrchestrationHarness.Create(o => o.MaxItems = 2);
        var plan = new OrchestrationPlan
        {
            Goal = " ",
            MaxConcurrency = 0,
            Items = [OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "zz"), OrchestrationHarness.Item("c") with { Agent = "" }],
        };

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, OrchestrationHarness.Echo()));

        Assert.Equal(
            [
                "The plan has no goal.",
                "The plan has 3 items, more than the limit of 2 (OrchestratorOptions.MaxItems).",
                "The plan's maxConcurrency is 0; it must be between 1 and 1000.",
                "Item 'c' names no agent.",
                "Item 'b' depends on 'zz', which is not in the plan.",
            ],
            ex.Problems.Select(p => p.Message));
    }

    [Fact]
    public async Task More_than_twenty_problems_are_counted_past_the_twentieth()
    {
        await using var host = OrchestrationHarness.Create();
        var items = Enumerable.Range(1, 25).Select(i => OrchestrationHarness.Item("i" + i) with { Agent = "ghost" }).ToArray();

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(OrchestrationHarness.Plan(2, items), OrchestrationHarness.Echo()));

        Assert.Equal(PlanValidationException.MaxProblems, ex.Problems.Count);
        Assert.Equal(5, ex.OmittedProblemCount);
        Assert.Equal("Item 'i20' names the agent 'ghost', which is not in the roster (the roster has worker).", ex.Problems[19].Message);
        Assert.StartsWith("Item 'i1' names the agent 'ghost'", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("\n… and 5 more problems.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_rubric_that_cannot_be_loaded_is_named()
    {
        await using var host = OrchestrationHarness.Create();
        var plan = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("a") with { RubricPath = "/nonexistent/a.md" },
            OrchestrationHarness.Item("b"),
            OrchestrationHarness.Item("c") with { RubricPath = "/nonexistent/c.md" });

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, OrchestrationHarness.Echo()));

        Assert.Equal(2, ex.Problems.Count);
        Assert.StartsWith("Item 'a': the rubric '/nonexistent/a.md' cannot be loaded", ex.Problems[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("Item 'c': the rubric '/nonexistent/c.md' cannot be loaded", ex.Problems[1].Message, StringComparison.Ordinal);
        Assert.Equal(["c"], ex.Problems[1].ItemIds);
    }

    [Fact]
    public async Task A_rubric_problem_of_an_id_or_path_with_a_line_break_stays_on_one_line()
    {
        // The rubric problems were made apart from PlanProblems and put the id and path in as they were.
        await using var host = OrchestrationHarness.Create();
        var plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("line\nbreak") with { RubricPath = "/nonexistent/x\ny.md" });

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, OrchestrationHarness.Echo()));

        var problem = Assert.Single(ex.Problems);
        Assert.StartsWith("Item 'line\\x0Abreak': the rubric '/nonexistent/x\\x0Ay.md' cannot be loaded: ", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal(["line\nbreak"], problem.ItemIds);
    }

    [Fact]
    public async Task Of_cycles_through_the_same_items_one_is_reported_and_fixing_it_brings_up_the_next()
    {
        await using var host = OrchestrationHarness.Create();
        var tangled = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("a", "b", "c"),
            OrchestrationHarness.Item("b", "a"),
            OrchestrationHarness.Item("c", "a"),
            OrchestrationHarness.Item("x", "y"),
            OrchestrationHarness.Item("y", "x"));

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(tangled, OrchestrationHarness.Echo()));

        Assert.Equal(
            ["The plan has a cycle: 'a' -> 'b' -> 'a' (each depends on the next).", "The plan has a cycle: 'x' -> 'y' -> 'x' (each depends on the next)."],
            ex.Problems.Select(p => p.Message));

        var fixedOne = tangled with { Items = [OrchestrationHarness.Item("a", "c"), .. tangled.Items.Skip(1)] };
        ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(fixedOne, OrchestrationHarness.Echo()));

        Assert.Equal("The plan has a cycle: 'a' -> 'c' -> 'a' (each depends on the next).", ex.Problems[0].Message);
    }

    [Fact]
    public void A_large_plan_with_a_problem_in_every_item_builds_only_the_messages_it_lists()
    {
        // 10,000 items naming an agent not in a roster of 200: each problem's message named the whole roster (about 3,500
        // characters), so building the 9,980 past the list (and sorting the roster for each) cost about 240 MB.
        var roster = Enumerable.Range(0, 200).Select(i => "agent-number-" + i).ToHashSet(StringComparer.Ordinal);
        var plan = new OrchestrationPlan
        {
            Goal = "goal",
            Items = Enumerable.Range(0, 10_000).Select(i => new WorkItem { Id = "i" + i, Agent = "ghost", Instructions = "x" }).ToList(),
        };
        _ = Assert.Throws<PlanValidationException>(() => PlanGraph.Build(plan, roster, 10_000));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<PlanValidationException>(() => PlanGraph.Build(plan, roster, 10_000));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(PlanValidationException.MaxProblems, ex.Problems.Count);
        Assert.Equal(9_980, ex.OmittedProblemCount);
        Assert.StartsWith("Item 'i19' names the agent 'ghost', which is not in the roster (the roster has agent-number-0, agent-number-1, ", ex.Problems[19].Message, StringComparison.Ordinal);
        Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_problem_keeps_its_items_when_the_list_it_was_given_changes()
    {
        var ids = new List<string> { "a", "b" };
        var problem = new PlanProblem("The plan has a cycle: 'a' -> 'b' -> 'a' (each depends on the next).", ids);
        var ex = new PlanValidationException([problem]);

        ids[0] = "changed";
        ids.Clear();

        Assert.Equal(["a", "b"], problem.ItemIds);
        Assert.Equal(["a", "b"], ex.ItemIds);
    }

    [Fact]
    public void A_single_problem_is_its_own_list()
    {
        var ex = new PlanValidationException("Item 'a' has no instructions.", ["a"]);
        var problem = Assert.Single(ex.Problems);
        Assert.Equal(ex.Message, problem.Message);
        Assert.Equal(["a"], problem.ItemIds);
        Assert.Single(new PlanValidationException().Problems);
        Assert.Throws<ArgumentException>("problems", () => new PlanValidationException([]));
        Assert.Throws<ArgumentOutOfRangeException>("omittedProblemCount", () => new PlanValidationException([new PlanProblem("x")], -1));
        Assert.Throws<ArgumentException>("message", () => new PlanProblem(" "));
    }

    [Fact]
    public void An_id_with_a_line_break_leaves_each_problem_on_one_line_of_the_message()
    {
        // Found by PlanProblemsFuzzTests: the id was put in the message as it was, so the message's first line was half of
        // the first problem and its second line read as a problem of its own.
        var plan = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("line\nbreak") with { Agent = "ghost" },
            OrchestrationHarness.Item("b\u2028c", "x\ry"),
            OrchestrationHarness.Item("tab\tbell\u0007", "tab\tbell\u0007"));

        var ex = Assert.Throws<PlanValidationException>(() => PlanGraph.Build(plan, new HashSet<string>(StringComparer.Ordinal) { "worker" }, maxItems: 10));

        Assert.Equal(
            [
                "Item 'line\\x0Abreak' names the agent 'ghost', which is not in the roster (the roster has worker).",
                "Item 'b\\u2028c' depends on 'x\\x0Dy', which is not in the plan.",
                "The plan has a cycle: 'tab\\x09bell\\x07' depends on itself.",
            ],
            ex.Problems.Select(p => p.Message));
        Assert.Equal(string.Join('\n', ex.Problems.Select(p => p.Message)), ex.Message);
        Assert.Equal(ex.Problems[0].Message, ex.Message.Split('\n')[0]);
        Assert.Equal(["line\nbreak"], ex.Problems[0].ItemIds); // the ids themselves are as the plan has them
    }
}
