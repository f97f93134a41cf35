using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

public partial class CoordinatorPlanningTests
{
    private const string ValidPlan = """
        {"items":[{"id":"research","agent":"worker","instructions":"Find facts","dependsOn":[]},
                  {"id":"write","agent":"worker","instructions":"Write it up","dependsOn":["research"]}]}
        """;

    [Fact]
    public async Task The_coordinator_plans_the_goal_as_structured_json_and_the_plan_runs()
    {
        var coordinator = Script(ValidPlan, "final answer");
        await using var host = OrchestrationHarness.Create(coordinator: coordinator.Client);

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [OrchestrationHarness.Echo()] });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(["research", "write"], run.Items.Select(i => i.Id));
        Assert.Equal("final answer", run.FinalAnswer);
        var format = Assert.IsType<ChatResponseFormatJson>(coordinator.Options[0]!.ResponseFormat);
        Assert.Equal("orchestration_plan", format.SchemaName);
        Assert.Contains("\"enum\":[\"worker\"]", format.Schema!.Value.GetRawText(), StringComparison.Ordinal);
        var started = (await host.Store.GetEventsAsync(run.SessionId)).OfType<OrchestrationStartedEvent>().Single();
        Assert.Equal("coordinator", started.PlanSource);
    }

    [Fact]
    public async Task The_plan_schema_is_the_json_the_serializer_wrote()
    {
        // Built as JSON and read back (no reflection, for trimmed and Native AOT apps): the same text
        // JsonSerializer.SerializeToElement gave, the default escaping included.
        var coordinator = Script(ValidPlan.Replace("worker", "w\u00f6rker", StringComparison.Ordinal));
        await using var host = OrchestrationHarness.Create(coordinator: coordinator.Client);

        await host.Orchestrator.PlanAsync("Report on X", [OrchestrationHarness.Echo("w\u00f6rker")]);

        var format = Assert.IsType<ChatResponseFormatJson>(coordinator.Options[0]!.ResponseFormat);
        Assert.Equal(
            "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\","
            + "\"items\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"agent\",\"instructions\",\"dependsOn\"],"
            + "\"properties\":{\"id\":{\"type\":\"string\"},\"agent\":{\"type\":\"string\",\"enum\":[\"w\\u00F6rker\"]},\"instructions\":{\"type\":\"string\"},"
            + "\"dependsOn\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}}}",
            format.Schema!.Value.GetRawText());
    }

    [Fact]
    public async Task Prose_gets_one_retry_with_the_problem_named()
    {
        var coordinator = Script("Sure! First I would research, then write.", "```json\n" + ValidPlan + "\n```");
        await using var host = OrchestrationHarness.Create(coordinator: coordinator.Client);

        var plan = await host.Orchestrator.PlanAsync("Report on X", [OrchestrationHarness.Echo()]);

        Assert.Equal(2, plan.Items.Count);
        Assert.Equal(2, coordinator.Calls.Count);
        Assert.Contains("is not JSON", coordinator.Calls[1].Last().Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prose_twice_is_a_clear_error_and_the_run_is_recorded_failed()
    {
        var coordinator = Script("I think we should just do it.", "Let me explain instead.");
        await using var host = OrchestrationHarness.Create(coordinator: coordinator.Client);

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() =>
            host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [OrchestrationHarness.Echo()] }));

        Assert.Equal("The coordinator did not return a valid plan after 2 attempts: The coordinator's reply is not JSON (it starts \"Let me explain instead.\").", ex.Message);
        var session = Assert.Single(await host.SessionsAsync());
        Assert.Equal(SessionStatus.Failed, session.Status);
        var failed = Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<OrchestrationFailedEvent>());
        Assert.StartsWith("planning: The coordinator did not return a valid plan", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_plan_twice_is_an_error_naming_the_items()
    {
        const string cyclic = """{"items":[{"id":"a","agent":"worker","instructions":"x","dependsOn":["b"]},{"id":"b","agent":"worker","instructions":"y","dependsOn":["a"]}]}""";
        const string unknownAgent = """{"items":[{"id":"a","agent":"wizard","instructions":"x","dependsOn":[]}]}""";
        var coordinator = Script(cyclic, unknownAgent);
        await using var host = OrchestrationHarness.Create(coordinator: coordinator.Client);

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.Orchestrator.PlanAsync("g", [OrchestrationHarness.Echo()]));

        Assert.Contains("cycle: 'a' -> 'b' -> 'a'", coordinator.Calls[1].Last().Text, StringComparison.Ordinal);
        Assert.Equal("The coordinator did not return a valid plan after 2 attempts: Item 'a' names the agent 'wizard', which is not in the roster (the roster has worker).", ex.Message);
        Assert.Equal(["a"], ex.ItemIds);
    }

    [Fact]
    public async Task A_reply_that_gives_a_property_twice_is_not_a_valid_plan_and_gets_the_retry()
    {
        // Which "id" would count? Neither: the reply is asked for again, the problem named.
        const string twice = """{"items":[{"id":"research","agent":"worker","instructions":"Find facts","dependsOn":[],"id":"other"}]}""";
        var coordinator = Script(twice, ValidPlan);
        await using var host = OrchestrationHarness.Create(coordinator: coordinator.Client);

        var plan = await host.Orchestrator.PlanAsync("Report on X", [OrchestrationHarness.Echo()]);

        Assert.Equal(["research", "write"], plan.Items.Select(i => i.Id));
        Assert.Contains("gives the property 'id' more than once", coordinator.Calls[1].Last().Text, StringComparison.Ordinal);
        var ex = Assert.Throws<PlanValidationException>(() => CoordinatorPlanner.Parse("g", """{"items":[],"items":[]}"""));
        Assert.Contains("gives the property 'items' more than once", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"items\":[{\"id\":\"a\",\"agent\":\"worker\",\"instructions\":\"x\"}]}")]
    [InlineData("```json\n{\"items\":[{\"id\":\"a\",\"agent\":\"worker\",\"instructions\":\"x\"}]}\n```")]
    [InlineData("Here is the plan:\n\n```json\n{\"items\":[{\"id\":\"a\",\"agent\":\"worker\",\"instructions\":\"x\"}]}\n```\nEach item runs on its own.")]
    [InlineData("{\"items\":[{\"id\":\"a\",\"agent\":\"worker\",\"instructions\":\"x\"}]}\n\nLet me know if the plan needs changes.")]
    [InlineData("Every item is {id, agent, instructions}; the format is {\"id\": ...}. Plan: {\"items\":[{\"id\":\"a\",\"agent\":\"worker\",\"instructions\":\"x\"}]}")]
    public void A_plan_wrapped_in_prose_or_a_code_fence_is_read(string reply)
    {
        // Models wrap JSON so, above all when their provider ignores the response format; the grader and the reflector
        // read such replies too.
        var plan = CoordinatorPlanner.Parse("g", reply);

        var item = Assert.Single(plan.Items);
        Assert.Equal(("a", "worker", "x"), (item.Id, item.Agent, item.Instructions));
    }

    [Theory]
    [InlineData("Here it is: {\"items\":[{\"id\":\"a\",\"id\":\"b\",\"agent\":\"worker\",\"instructions\":\"x\"}]}", "The coordinator's reply gives the property 'id' more than once in an object.")]
    [InlineData("Here it is: {\"items\":[{\"id\":\"a\"", "The coordinator's reply is not JSON (it starts \"Here it is: {\"items\":[{\"id\":\"a\"\").")]
    [InlineData("I would split it into {research} and {write}.", "The coordinator's reply is not JSON (it starts \"I would split it into {research} and {wr…\").")]
    public void Wrapped_json_is_still_checked_and_a_reply_without_a_plan_is_named(string reply, string message)
    {
        var ex = Assert.Throws<PlanValidationException>(() => CoordinatorPlanner.Parse("g", reply));

        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("""{"items":[{"id":"a","agent":"worker","instructions":"x","dependsOn":[]},{"id":"b","agent":"worker","instructions":"y","dependsOn":"a"}]}""", "Item 'b' of the coordinator's plan has a dependsOn that is not an array of item ids.")]
    [InlineData("""{"items":[{"id":"a","agent":"worker","instructions":"x","dependsOn":[]},{"id":"b","agent":"worker","instructions":"y","dependsOn":[{"id":"a"}]}]}""", "Item 'b' of the coordinator's plan has a dependsOn that is not an array of item ids.")]
    public void A_dependsOn_that_is_not_a_list_of_ids_is_an_invalid_plan_not_an_item_without_dependencies(string reply, string message)
    {
        // Read as no dependencies, the item would run at once, without the output it needs.
        var ex = Assert.Throws<PlanValidationException>(() => CoordinatorPlanner.Parse("g", reply));

        Assert.Equal(message, ex.Message);
        Assert.Equal(["b"], ex.ItemIds);
    }

    [Fact]
    public async Task A_coordinator_that_throws_is_a_planning_failure_recorded_failed_and_rethrown()
    {
        var coordinator = new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => throw new HttpRequestException("the model endpoint refused the call") };
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() =>
            host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [OrchestrationHarness.Echo()] }));

        Assert.Equal("the model endpoint refused the call", ex.Message);
        var session = Assert.Single(await host.SessionsAsync());
        Assert.Equal(SessionStatus.Failed, session.Status);
        var failed = Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<OrchestrationFailedEvent>());
        Assert.Equal("failed", failed.Status);
        Assert.Equal("planning: the model endpoint refused the call", failed.Reason);
    }

    [Fact]
    public async Task A_coordinator_call_that_times_out_on_its_own_is_a_failed_planning_not_an_interruption()
    {
        var coordinator = new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.") };
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);

        await Assert.ThrowsAsync<TaskCanceledException>(() =>
            host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [OrchestrationHarness.Echo()] }));

        var session = Assert.Single(await host.SessionsAsync());
        Assert.Equal(SessionStatus.Failed, session.Status);
        Assert.Equal("failed", Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<OrchestrationFailedEvent>()).Status);
    }

    [Fact]
    public async Task A_coordinator_that_throws_after_the_runs_cancellation_is_an_interrupted_planning_not_a_failure()
    {
        // The cancellation aborts the coordinator's request, which surfaces as an HttpRequestException, not a cancellation.
        using var cancel = new CancellationTokenSource();
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = async (_, _, _) =>
            {
                await cancel.CancelAsync();
                throw new HttpRequestException("The request was aborted.");
            },
        };
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [OrchestrationHarness.Echo()] }, cancel.Token));

        Assert.IsType<HttpRequestException>(ex.InnerException);
        Assert.Equal(cancel.Token, ex.CancellationToken);
        var session = Assert.Single(await host.SessionsAsync());
        Assert.Equal(SessionStatus.Abandoned, session.Status);
        var failed = Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<OrchestrationFailedEvent>());
        Assert.Equal("interrupted", failed.Status);
        Assert.Equal("planning: The request was aborted.", failed.Reason);
    }

    [Fact]
    public async Task Cancelling_during_planning_is_prompt_even_when_the_coordinator_ignores_its_token()
    {
        using var cancel = new CancellationTokenSource();
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = async (_, _, _) =>
            {
                await cancel.CancelAsync();
                await new TaskCompletionSource().Task;   // never answers, whatever the token says
                throw new UnreachableException();
            },
        };
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);

        var running = host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [OrchestrationHarness.Echo()] }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        var session = Assert.Single(await host.SessionsAsync());
        Assert.Equal(SessionStatus.Abandoned, session.Status);
        Assert.Equal("interrupted", Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<OrchestrationFailedEvent>()).Status);
    }

    [Fact]
    public async Task Planning_without_a_coordinator_says_what_is_missing()
    {
        await using var host = OrchestrationHarness.Create();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Orchestrator.PlanAsync("g", [OrchestrationHarness.Echo()]));
        Assert.Contains("needs a coordinator model", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sure, here HALF", "is not JSON (it starts \"Sure, here \ufffd\")")]
    [InlineData("[{\"x\\udc00\":1,\"y\":2}]", "has no \"items\" array")]
    [InlineData("Plan: 012345678901234567890123456789012\ud83d\ude00 and more", "it starts \"Plan: 012345678901234567890123456789012…\"")]
    public async Task A_reply_with_half_a_surrogate_pair_and_no_plan_in_it_gets_the_retry_and_names_the_problem(string reply, string problem)
    {
        // Read from its text, such a reply threw ArgumentException (raw) or InvalidOperationException (escaped) out of
        // PlanAsync, with no retry; a pair cut at the 40th character was quoted as half a pair.
        // (An attribute cannot hold half a pair, so HALF stands for one.)
        var coordinator = Script(reply.Replace("HALF", "\ud83d", StringComparison.Ordinal));
        await using var host = OrchestrationHarness.Create(coordinator: coordinator.Client);

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.Orchestrator.PlanAsync("Report on X", [OrchestrationHarness.Echo()]));

        Assert.Equal(2, coordinator.Calls.Count);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    private static Scripted Script(params string[] replies) => new(replies);

    /// <summary>A coordinator that answers with the given replies in turn (the last one again after that).</summary>
    private sealed class Scripted
    {
        public Scripted(string[] replies)
        {
            var next = 0;
            Client = new FakeChatClient
            {
                GetResponseAsyncCallback = (messages, options, _) =>
                {
                    Calls.Add(messages.ToList());
                    Options.Add(options);
                    var text = replies[Math.Min(next++, replies.Length - 1)];
                    return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)));
                },
            };
        }

        public FakeChatClient Client { get; }

        public List<List<ChatMessage>> Calls { get; } = [];

        public List<ChatOptions?> Options { get; } = [];
    }
}
