using Microsoft.Extensions.AI;
using NSubstitute;

namespace Dreaming.Tests;

/// <summary>An item with many dependencies, and the coordinator's synthesis of many items, are given at most
/// 400,000 characters of their outputs in all by default (<c>OrchestratorOptions.MaxDependencyOutputTotalLength</c>):
/// short outputs whole, the long ones cut to an equal share, each with the line saying so.</summary>
public class DependencyOutputTotalTests
{
    private const int Producers = 200;
    private const int Each = 10_000;
    private const int DefaultTotal = 400_000;

    [Fact]
    public async Task An_item_with_200_dependencies_of_10_000_characters_is_given_400_000_of_them_the_short_one_whole()
    {
        IReadOnlyList<WorkItemOutput>? given = null;
        string? prompt = null;
        RosterAgent[] agents =
        [
            OrchestrationHarness.Agent("producer", (context, _) => Task.FromResult(new WorkItemReply(context.Item.Id == "tiny" ? "tiny" : new string('p', Each)))),
            OrchestrationHarness.Agent("consumer", (context, _) =>
            {
                (given, prompt) = (context.Dependencies, context.Prompt);
                return Task.FromResult(new WorkItemReply("read"));
            }),
        ];
        var ids = Enumerable.Range(0, Producers).Select(i => "p" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).Append("tiny").ToArray();
        var plan = new OrchestrationPlan
        {
            Goal = "g",
            Items = [.. ids.Select(id => new WorkItem { Id = id, Agent = "producer", Instructions = "write" }), new WorkItem { Id = "all", Agent = "consumer", Instructions = "read", DependsOn = ids }],
        };
        await using var host = OrchestrationHarness.Create();

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = agents });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.NotNull(given);
        Assert.Equal("tiny", given.Single(d => d.Id == "tiny").Output);

        // 399,996 characters left after the short one, shared by 200: 1,999 each, then the line saying so.
        var kept = given.Where(d => d.Id != "tiny").Select(d => d.Output.TakeWhile(c => c == 'p').Count()).ToList();
        Assert.All(kept, k => Assert.Equal(1_999, k));
        Assert.True(kept.Sum() + 4 <= DefaultTotal, $"{kept.Sum() + 4} characters of outputs");
        Assert.EndsWith(
            $"\n[Cut by the orchestrator: the output of 'p000' is 10,000 characters long; only its first 1,999 are given here (OrchestratorOptions.MaxDependencyOutputTotalLength: 400,000 characters for the outputs of all 201 dependencies). The whole output is in the run's result; the item ran in session {run.Items[0].SessionId}.]",
            given[0].Output,
            StringComparison.Ordinal);
        Assert.InRange(prompt!.Length, DefaultTotal, DefaultTotal + (Producers * 500));

        // The results keep every output whole.
        Assert.All(run.Items.Take(Producers), i => Assert.Equal(Each, i.Output!.Length));
    }

    [Fact]
    public async Task The_synthesis_of_200_outputs_of_10_000_characters_is_sent_400_000_of_them()
    {
        string? request = null;
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                request = messages.Last(m => m.Role == ChatRole.User).Text;
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "the answer")));
            },
        };
        var items = Enumerable.Range(0, Producers).Select(i => OrchestrationHarness.Item("p" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest
        {
            Plan = OrchestrationHarness.Plan(25, items),
            Agents = [OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply(new string('s', Each))))],
        });

        Assert.Equal(("the answer", OrchestrationStatus.Completed), (run.FinalAnswer, run.Status));
        Assert.NotNull(request);
        Assert.Equal(Producers, System.Text.RegularExpressions.Regex.Count(request, "s{2000}"));
        Assert.DoesNotContain(new string('s', 2_001), request, StringComparison.Ordinal);
        Assert.Contains(new string('s', 2_000) + "\n[Cut by the orchestrator: the output of 'p000' is 10,000 characters long; only its first 2,000 are given here (OrchestratorOptions.MaxDependencyOutputTotalLength: 400,000 characters for the outputs of all 200 items).", request, StringComparison.Ordinal);
    }
    [Fact]
    public async Task A_delegate_sees_which_dependency_outputs_were_cut_and_how_long_they_are_whole()
    {
        IReadOnlyList<WorkItemOutput>? given = null;
        RosterAgent[] agents =
        [
            OrchestrationHarness.Agent("producer", (context, _) => Task.FromResult(new WorkItemReply(context.Item.Id switch { "long" => new string('l', 150), "fair" => new string('f', 60), _ => "short" }))),
            OrchestrationHarness.Agent("consumer", (context, _) =>
            {
                given = context.Dependencies;
                return Task.FromResult(new WorkItemReply("read"));
            }),
        ];
        var plan = new OrchestrationPlan
        {
            Goal = "g",
            Items =
            [
                new WorkItem { Id = "long", Agent = "producer", Instructions = "write" },
                new WorkItem { Id = "fair", Agent = "producer", Instructions = "write" },
                new WorkItem { Id = "short", Agent = "producer", Instructions = "write" },
                new WorkItem { Id = "all", Agent = "consumer", Instructions = "read", DependsOn = ["long", "fair", "short"] },
            ],
        };

        // 100 each, 120 in all: "short" (5) whole, then 115 shared by the two others, 57 each; "long" was also over 100.
        await using var host = OrchestrationHarness.Create(o => (o.MaxDependencyOutputLength, o.MaxDependencyOutputTotalLength) = (100, 120));
        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = agents });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        var deps = given!;
        Assert.Equal(new int?[] { 150, 60, null }, deps.Select(d => d.OriginalLength));
        Assert.StartsWith(new string('l', 57) + "\n[Cut by the orchestrator: the output of 'long' is 150 characters long; only its first 57 are given here (OrchestratorOptions.MaxDependencyOutputTotalLength: 120 characters for the outputs of all 3 dependencies).", deps[0].Output, StringComparison.Ordinal);
        Assert.StartsWith(new string('f', 57) + "\n[Cut", deps[1].Output, StringComparison.Ordinal);
        Assert.Equal("short", deps[2].Output);

        // With no total, each is cut by the limit of each alone, and the flag says which.
        IReadOnlyList<WorkItemOutput>? alone = null;
        agents[1] = OrchestrationHarness.Agent("consumer", (context, _) =>
        {
            alone = context.Dependencies;
            return Task.FromResult(new WorkItemReply("read"));
        });
        await using var noTotal = OrchestrationHarness.Create(o => (o.MaxDependencyOutputLength, o.MaxDependencyOutputTotalLength) = (100, null));
        await noTotal.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = agents });

        var each = alone!;
        Assert.Equal(new int?[] { 150, null, null }, each.Select(d => d.OriginalLength));
        Assert.Contains("only its first 100 are given here (OrchestratorOptions.MaxDependencyOutputLength)", each[0].Output, StringComparison.Ordinal);
        Assert.Equal(new string('f', 60), each[1].Output);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_total_that_is_not_positive_is_refused_naming_it(int value)
    {
        var error = Assert.Throws<ArgumentException>(() => new Orchestrator(Substitute.For<IAgentSessionFactory>(), Substitute.For<IOutcomeRunner>(), new OrchestratorOptions { MaxDependencyOutputTotalLength = value }));

        Assert.Contains($"OrchestratorOptions.MaxDependencyOutputTotalLength is {value}; it must be positive or null.", error.Message, StringComparison.Ordinal);
        Assert.Equal(400_000, OrchestratorOptions.DefaultMaxDependencyOutputTotalLength);
        Assert.Equal(DefaultTotal, new OrchestratorOptions().MaxDependencyOutputTotalLength);
    }

    [Fact]
    public async Task A_total_set_to_zero_after_the_orchestrator_was_made_is_refused_by_the_run_before_anything_is_recorded()
    {
        OrchestratorOptions? options = null;
        await using var host = OrchestrationHarness.Create(o => options = o);
        var orchestrator = host.Orchestrator;
        options!.MaxDependencyOutputTotalLength = 0;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => orchestrator.RunAsync(new OrchestrationRequest
        {
            Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("first"), OrchestrationHarness.Item("second", "first")),
            Agents = [OrchestrationHarness.Echo()],
        }));

        Assert.Contains("OrchestratorOptions.MaxDependencyOutputTotalLength is 0; it must be positive or null.", error.Message, StringComparison.Ordinal);
        Assert.Empty(await host.SessionsAsync());
    }
}
