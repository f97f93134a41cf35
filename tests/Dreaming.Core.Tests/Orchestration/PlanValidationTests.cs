namespace Dreaming.Tests;

public class PlanValidationTests
{
    private static readonly WorkItem s_a = OrchestrationHarness.Item("a");

    public static TheoryData<string, OrchestrationPlan, string, string[]> InvalidPlans => new()
    {
        {
            "cycle",
            OrchestrationHarness.Plan(2, OrchestrationHarness.Item("start", "x"), OrchestrationHarness.Item("x", "y"), OrchestrationHarness.Item("y", "z"), OrchestrationHarness.Item("z", "x")),
            "The plan has a cycle: 'x' -> 'y' -> 'z' -> 'x' (each depends on the next).",
            ["x", "y", "z"]
        },
        {
            "cycle behind items in order",
            OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a"), OrchestrationHarness.Item("c", "b", "d"), OrchestrationHarness.Item("d", "c")),
            "The plan has a cycle: 'c' -> 'd' -> 'c' (each depends on the next).",
            ["c", "d"]
        },
        { "self", OrchestrationHarness.Plan(2, OrchestrationHarness.Item("me", "me")), "The plan has a cycle: 'me' depends on itself.", ["me"] },
        {
            "unknown agent",
            OrchestrationHarness.Plan(2, s_a with { Agent = "ghost" }),
            "Item 'a' names the agent 'ghost', which is not in the roster (the roster has worker).",
            ["a"]
        },
        { "duplicate", OrchestrationHarness.Plan(2, s_a, OrchestrationHarness.Item("b"), s_a), "The item id 'a' is used more than once (items #1 and #3).", ["a"] },
        { "missing id", OrchestrationHarness.Plan(2, s_a, s_a with { Id = " " }), "Item #2 has no id.", [] },
        { "long id", OrchestrationHarness.Plan(2, s_a, s_a with { Id = new string('b', 1 << 20) }), "Item #2's id is 1048576 characters long; an item id is at most 256 (WorkItem.MaxIdLength).", [] },
        { "unknown dependency", OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a", "nope")), "Item 'a' depends on 'nope', which is not in the plan.", ["a"] },
        { "empty", OrchestrationHarness.Plan(2), "The plan has no items.", [] },
        { "too many", OrchestrationHarness.Plan(2, Enumerable.Range(0, 5).Select(i => OrchestrationHarness.Item("i" + i)).ToArray()), "The plan has 5 items, more than the limit of 4 (OrchestratorOptions.MaxItems).", [] },
        { "concurrency", OrchestrationHarness.Plan(0, s_a), "The plan's maxConcurrency is 0; it must be between 1 and 1000.", [] },
        { "no instructions", OrchestrationHarness.Plan(2, s_a with { Instructions = "" }), "Item 'a' has no instructions.", ["a"] },
        { "item budget", OrchestrationHarness.Plan(2, s_a with { MaxTokens = 0 }), "Item 'a' has maxTokens 0; it must be positive.", ["a"] },
        { "missing rubric", OrchestrationHarness.Plan(2, s_a with { RubricPath = "/nonexistent/rubric.md" }), "Item 'a': the rubric '/nonexistent/rubric.md' cannot be loaded", ["a"] },
    };

    [Theory]
    [MemberData(nameof(InvalidPlans))]
    public async Task An_invalid_plan_fails_before_anything_runs_naming_the_problem(string name, OrchestrationPlan plan, string message, string[] itemIds)
    {
        await using var host = OrchestrationHarness.Create(o => o.MaxItems = 4);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new WorkItemReply("ok"));
        });

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, agent));

        Assert.True(ex.Message.StartsWith(message, StringComparison.Ordinal), $"{name}: {ex.Message}");
        Assert.Equal(itemIds, ex.ItemIds);
        Assert.Equal(0, calls);
        Assert.Empty(await host.SessionsAsync());
    }

    [Fact]
    public async Task A_megabyte_item_id_is_never_quoted_by_the_other_problems_of_the_plan()
    {
        // A coordinator model's plan with a megabyte id and another problem on that item, the same id twice, or a
        // dependency naming a megabyte id: each problem (the exception's message, the coordinator's correction message and
        // the run's orchestration.failed reason) named the item by its whole id.
        await using var host = OrchestrationHarness.Create();
        var huge = new string('b', 1 << 20);
        var plan = OrchestrationHarness.Plan(
            2,
            s_a,
            s_a with { Id = huge, Agent = "ghost", Instructions = "" },
            s_a with { Id = huge },
            OrchestrationHarness.Item("c", "a", huge + "x"));
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("ok")));

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, agent));

        Assert.True(ex.Message.Length < 4_000, $"{ex.Message.Length} characters: {ex.Message[..300]}");
        Assert.Contains("Item #2's id is 1048576 characters long", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Item #2 names the agent 'ghost'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Item #2 has no instructions.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Item #3's id is 1048576 characters long", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Item 'c' depends on an id of 1048577 characters, which is not in the plan.", ex.Message, StringComparison.Ordinal);
        Assert.All(ex.Problems, p => Assert.True(p.Message.Length < 1_000, $"a problem of {p.Message.Length} characters"));
    }

    [Fact]
    public async Task A_request_without_a_plan_or_a_coordinator_is_rejected()
    {
        await using var host = OrchestrationHarness.Create();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "g", Agents = [OrchestrationHarness.Echo()] }));
        Assert.Contains("needs a Plan, or a Goal and an orchestrator with a coordinator model", ex.Message, StringComparison.Ordinal);

        var both = new RosterAgent { Name = "w", ChatClient = FakeChatClient.Echo(), Run = (_, _) => Task.FromResult(new WorkItemReply("x")) };
        var rosterError = await Assert.ThrowsAsync<ArgumentException>(() => host.RunAsync(OrchestrationHarness.Plan(1, s_a), both));
        Assert.Contains("must have exactly one of ChatClient and Run", rosterError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_request_is_rejected_naming_the_setting_and_its_value()
    {
        await using var host = OrchestrationHarness.Create();
        var plan = OrchestrationHarness.Plan(1, s_a);
        async Task<string> RejectedAsync(OrchestrationRequest request) =>
            (await Assert.ThrowsAsync<ArgumentException>(() => host.Orchestrator.RunAsync(request))).Message;

        var request = new OrchestrationRequest { Plan = plan, Agents = [OrchestrationHarness.Echo()] };
        Assert.StartsWith("OrchestrationRequest.MaxTotalTokens is 0; it must be positive or null.", await RejectedAsync(request with { MaxTotalTokens = 0 }), StringComparison.Ordinal);
        Assert.StartsWith("OrchestrationRequest.MaxTotalCostMinorUnits is -5; it must be positive or null.", await RejectedAsync(request with { MaxTotalCostMinorUnits = -5 }), StringComparison.Ordinal);
        Assert.StartsWith("OrchestrationRequest.FailurePolicy has the undefined value 7.", await RejectedAsync(request with { FailurePolicy = (OrchestrationFailurePolicy)7 }), StringComparison.Ordinal);
        Assert.StartsWith("OrchestrationRequest.AgentId is blank.", await RejectedAsync(request with { AgentId = " " }), StringComparison.Ordinal);
        Assert.StartsWith("Roster agent #2 has no name.", await RejectedAsync(request with { Agents = [OrchestrationHarness.Echo(), OrchestrationHarness.Echo(" ")] }), StringComparison.Ordinal);
        Assert.StartsWith("Roster agent #1 is null.", await RejectedAsync(request with { Agents = [null!] }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Items_may_be_listed_before_the_items_they_depend_on()
    {
        await using var host = OrchestrationHarness.Create();
        var order = new List<string>();
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
        {
            lock (order)
            {
                order.Add(context.Item.Id);
            }

            return Task.FromResult(new WorkItemReply(context.Item.Id));
        });

        var run = await host.RunAsync(
            OrchestrationHarness.Plan(1, OrchestrationHarness.Item("c", "b", "a"), OrchestrationHarness.Item("b", "a"), OrchestrationHarness.Item("a")),
            agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(["a", "b", "c"], order);
    }

    [Fact]
    public async Task Plans_held_in_any_read_only_list_are_validated_and_run_alike()
    {
        await using var host = OrchestrationHarness.Create();
        var items = new System.Collections.ObjectModel.ReadOnlyCollection<WorkItem>(
        [
            OrchestrationHarness.Item("a"),
            OrchestrationHarness.Item("b") with { DependsOn = new List<string> { "a" } },
            OrchestrationHarness.Item("c") with { DependsOn = new System.Collections.ObjectModel.ReadOnlyCollection<string>(["a", "b", "a"]) },
        ]);

        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, string[]>();
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
        {
            seen[context.Item.Id] = context.Dependencies.Select(d => d.Id).ToArray();
            return Task.FromResult(new WorkItemReply(context.Item.Id));
        });

        var run = await host.RunAsync(new OrchestrationPlan { Goal = "g", Items = items }, agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(["a"], seen["b"]);
        Assert.Equal(["a", "b"], seen["c"]);
        var cycle = new System.Collections.ObjectModel.ReadOnlyCollection<WorkItem>(
            [OrchestrationHarness.Item("x") with { DependsOn = new System.Collections.ObjectModel.ReadOnlyCollection<string>(["y"]) }, OrchestrationHarness.Item("y", "x")]);
        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(new OrchestrationPlan { Goal = "g", Items = cycle }, OrchestrationHarness.Echo()));
        Assert.Equal(["x", "y"], ex.ItemIds);
    }

    [Fact]
    public void The_graph_lists_each_items_dependencies_and_its_dependents_in_plan_order()
    {
        // d is listed first and depends on later items; a has four dependents, one of them listing it twice; e has none.
        var plan = OrchestrationHarness.Plan(
            1,
            OrchestrationHarness.Item("d", "c", "a"),
            OrchestrationHarness.Item("a"),
            OrchestrationHarness.Item("b", "a", "a"),
            OrchestrationHarness.Item("c", "b", "a"),
            OrchestrationHarness.Item("e", "a", "d"));

        var graph = PlanGraph.Build(plan, new HashSet<string>(["worker"], StringComparer.Ordinal), 100);

        int[][] dependencies = [[3, 1], [], [1], [2, 1], [1, 0]];
        int[][] dependents = [[4], [0, 2, 3, 4], [3], [0], []];
        for (var i = 0; i < plan.Items.Count; i++)
        {
            Assert.Equal(dependencies[i], graph.DependenciesOf(i).ToArray());
            Assert.Equal(dependents[i], graph.DependentsOf(i).ToArray());
        }
    }
}
