using Microsoft.Extensions.AI;
using NSubstitute;

namespace Dreaming.Tests;

/// <summary>An item whose output is megabytes long, handed to the items that depend on it and to the synthesis: cut at
/// <see cref="OrchestratorOptions.MaxDependencyOutputLength"/> (100,000 characters by default) with a line saying so,
/// and whole in the run's result.</summary>
public class LargeDependencyOutputTests
{
    private const int Length = 4 * 1024 * 1024;

    [Fact]
    public async Task A_megabytes_long_output_reaches_its_dependents_cut_at_the_default_limit_with_a_line_saying_so_and_stays_whole_in_the_result()
    {
        var big = new string('x', Length - 3) + "end";
        var (sent, model) = Reader();
        var delegateSaw = new List<string>();
        await using var host = OrchestrationHarness.Create();

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = Plan(), Agents = Agents(big, model, delegateSaw) });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(100_000, OrchestratorOptions.DefaultMaxDependencyOutputLength);
        Assert.Equal(big, run.Items[0].Output);
        var given = Assert.Single(delegateSaw);
        Assert.Equal(new string('x', 100_000), given[..100_000]);
        Assert.Equal(
            $"\n[Cut by the orchestrator: the output of 'big' is 4,194,304 characters long; only its first 100,000 are given here (OrchestratorOptions.MaxDependencyOutputLength). The whole output is in the run's result; the item ran in session {run.Items[0].SessionId}.]",
            given[100_000..]);

        // A chat agent's prompt carries the same cut output: about 100,000 characters, not 4 MB, for each reader.
        Assert.Equal(["cut", "cut"], run.Items.Where(i => i.Agent == "reader").Select(i => i.Output));
        Assert.All(sent, prompt => Assert.Contains(given, prompt, StringComparison.Ordinal));
        Assert.All(sent, prompt => Assert.InRange(prompt.Length, 100_000, 101_000));
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task With_no_limit_a_megabytes_long_output_reaches_its_dependents_whole_and_is_stored_cut_at_the_content_limit()
    {
        var big = new string('x', Length - 3) + "end";
        var (sent, model) = Reader();
        var delegateSaw = new List<string>();
        await using var host = OrchestrationHarness.Create(o => (o.MaxDependencyOutputLength, o.MaxDependencyOutputTotalLength) = (null, null));

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = Plan(), Agents = Agents(big, model, delegateSaw) });

        // Not cut on the way: each dependent gets all of it (a chat agent in its prompt, a delegate in Dependencies).
        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(Length, run.Items[0].Output!.Length);
        Assert.Equal(["read to the end", "read to the end"], run.Items.Where(i => i.Agent == "reader").Select(i => i.Output));
        Assert.All(sent, prompt => Assert.True(prompt.Length > Length, $"a prompt of {prompt.Length} characters"));
        Assert.Same(big, Assert.Single(delegateSaw));

        // What the store keeps of a reader's prompt is cut at DreamingOptions.MaxContentLength (32,768 by default).
        var stored = (await host.Store.GetEventsAsync(run.Items[1].SessionId!)).OfType<MessageEvent>().Single(e => e.Role == "user");
        Assert.InRange(stored.Text.Length, 32_000, 33_000);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task An_output_at_the_limit_is_given_whole_and_one_longer_is_cut_before_half_a_surrogate_pair()
    {
        var outputs = new Dictionary<string, string>
        {
            ["exact"] = new string('a', 1_000),
            ["pair"] = new string('b', 999) + "\U0001F600" + "after",
        };
        var saw = new Dictionary<string, string>();
        RosterAgent[] agents =
        [
            OrchestrationHarness.Agent("producer", (context, _) => Task.FromResult(new WorkItemReply(outputs[context.Item.Id]))),
            OrchestrationHarness.Agent("checker", (context, _) =>
            {
                lock (saw)
                {
                    saw[context.Item.Id] = context.Dependencies.Single().Output;
                }

                return Task.FromResult(new WorkItemReply("checked"));
            }),
        ];
        var plan = new OrchestrationPlan
        {
            Goal = "g",
            Items =
            [
                new WorkItem { Id = "exact", Agent = "producer", Instructions = "write" },
                new WorkItem { Id = "pair", Agent = "producer", Instructions = "write" },
                new WorkItem { Id = "after-exact", Agent = "checker", Instructions = "check", DependsOn = ["exact"] },
                new WorkItem { Id = "after-pair", Agent = "checker", Instructions = "check", DependsOn = ["pair"] },
            ],
        };
        await using var host = OrchestrationHarness.Create(o => o.MaxDependencyOutputLength = 1_000);

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = agents });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(outputs["exact"], saw["after-exact"]);
        Assert.StartsWith(new string('b', 999) + "\n[Cut by the orchestrator: the output of 'pair' is 1,006 characters long; only its first 999 are given here", saw["after-pair"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_coordinators_synthesis_is_sent_each_output_cut_at_the_limit()
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
        var big = new string('y', 5_000);
        await using var host = OrchestrationHarness.Create(o => o.MaxDependencyOutputLength = 1_000, coordinator: coordinator);

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest
        {
            Plan = OrchestrationHarness.Plan(4, OrchestrationHarness.Item("big"), OrchestrationHarness.Item("small")),
            Agents = [OrchestrationHarness.Agent("worker", (context, _) => Task.FromResult(new WorkItemReply(context.Item.Id == "big" ? big : "short")))],
        });

        Assert.Equal(("the answer", OrchestrationStatus.Completed), (run.FinalAnswer, run.Status));
        Assert.Equal(big, run.Items[0].Output);
        Assert.NotNull(request);
        Assert.Contains(new string('y', 1_000) + $"\n[Cut by the orchestrator: the output of 'big' is 5,000 characters long; only its first 1,000 are given here (OrchestratorOptions.MaxDependencyOutputLength). The whole output is in the run's result; the item ran in session {run.Items[0].SessionId}.]", request, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('y', 1_001), request, StringComparison.Ordinal);
        Assert.Contains("--- small (worker, completed) ---\nshort", request.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_limit_that_is_not_positive_is_refused_naming_it(int value)
    {
        var error = Assert.Throws<ArgumentException>(() => new Orchestrator(Substitute.For<IAgentSessionFactory>(), Substitute.For<IOutcomeRunner>(), new OrchestratorOptions { MaxDependencyOutputLength = value }));

        Assert.Contains($"OrchestratorOptions.MaxDependencyOutputLength is {value}; it must be positive or null.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_limit_set_to_zero_after_the_orchestrator_was_made_is_refused_by_the_run_before_anything_is_recorded()
    {
        OrchestratorOptions? options = null;
        await using var host = OrchestrationHarness.Create(o => options = o);
        var orchestrator = host.Orchestrator;
        options!.MaxDependencyOutputLength = 0;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => orchestrator.RunAsync(new OrchestrationRequest
        {
            Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("first"), OrchestrationHarness.Item("second", "first")),
            Agents = [OrchestrationHarness.Echo()],
        }));

        Assert.Contains("OrchestratorOptions.MaxDependencyOutputLength is 0; it must be positive or null.", error.Message, StringComparison.Ordinal);
        Assert.Empty(await host.SessionsAsync());
    }

    [Fact]
    public async Task A_limit_of_one_before_a_surrogate_pair_gives_none_of_the_output_and_the_line_says_so()
    {
        string? saw = null;
        RosterAgent[] agents =
        [
            OrchestrationHarness.Agent("producer", (_, _) => Task.FromResult(new WorkItemReply("\U0001F600x"))),
            OrchestrationHarness.Agent("checker", (context, _) =>
            {
                saw = context.Dependencies.Single().Output;
                return Task.FromResult(new WorkItemReply("checked"));
            }),
        ];
        var plan = new OrchestrationPlan
        {
            Goal = "g",
            Items =
            [
                new WorkItem { Id = "emoji", Agent = "producer", Instructions = "write" },
                new WorkItem { Id = "check", Agent = "checker", Instructions = "check", DependsOn = ["emoji"] },
            ],
        };
        await using var host = OrchestrationHarness.Create(o => o.MaxDependencyOutputLength = 1);

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = agents });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal("\U0001F600x", run.Items[0].Output);
        Assert.Equal($"\n[Cut by the orchestrator: the output of 'emoji' is 3 characters long; only its first 0 are given here (OrchestratorOptions.MaxDependencyOutputLength). The whole output is in the run's result; the item ran in session {run.Items[0].SessionId}.]", saw);
    }

    private static (List<string> Sent, FakeChatClient Model) Reader()
    {
        var sent = new List<string>();
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                var prompt = messages.Last(m => m.Role == ChatRole.User).Text;
                lock (sent)
                {
                    sent.Add(prompt);
                }

                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, prompt.EndsWith("end" + Environment.NewLine, StringComparison.Ordinal) ? "read to the end" : "cut"))
                {
                    Usage = new UsageDetails { InputTokenCount = prompt.Length / 4, OutputTokenCount = 3 },
                });
            },
        };
        return (sent, model);
    }

    private static RosterAgent[] Agents(string big, FakeChatClient model, List<string> delegateSaw) =>
    [
        OrchestrationHarness.Agent("producer", (_, _) => Task.FromResult(new WorkItemReply(big))),
        OrchestrationHarness.Agent("checker", (context, _) =>
        {
            lock (delegateSaw)
            {
                delegateSaw.Add(context.Dependencies.Single().Output);
            }

            return Task.FromResult(new WorkItemReply("checked"));
        }),
        new RosterAgent { Name = "reader", ChatClient = model },
    ];

    private static OrchestrationPlan Plan() => new()
    {
        Goal = "g",
        Items =
        [
            new WorkItem { Id = "big", Agent = "producer", Instructions = "write a lot" },
            new WorkItem { Id = "read-1", Agent = "reader", Instructions = "read it", DependsOn = ["big"] },
            new WorkItem { Id = "read-2", Agent = "reader", Instructions = "read it again", DependsOn = ["big"] },
            new WorkItem { Id = "check", Agent = "checker", Instructions = "check it", DependsOn = ["big"] },
        ],
    };
}
