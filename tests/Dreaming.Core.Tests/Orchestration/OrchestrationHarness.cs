using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A service provider with Dreaming and the orchestrator, delegate agents, and checks on the trace store.</summary>
internal sealed class OrchestrationHarness : IAsyncDisposable
{
    private OrchestrationHarness(ServiceProvider services)
    {
        Services = services;
    }

    public ServiceProvider Services { get; }

    public IOrchestrator Orchestrator => Services.GetRequiredService<IOrchestrator>();

    public ITraceStore Store => Services.GetRequiredService<ITraceStore>();

    public static OrchestrationHarness Create(Action<OrchestratorOptions>? options = null, IChatClient? coordinator = null, TimeProvider? time = null, IOrchestrationObserver? observer = null, ITraceStore? store = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        if (time is not null)
        {
            collection.AddSingleton(time);
        }

        if (observer is not null)
        {
            collection.AddSingleton(observer);
        }

        var dreaming = collection.AddDreamingAgents();
        if (store is not null)
        {
            dreaming.UseTraceStore(_ => store);
        }

        dreaming.AddOrchestrator(
            o =>
            {
                o.RetryDelay = TimeSpan.Zero;
                options?.Invoke(o);
            },
            coordinator is null ? null : _ => coordinator);
        return new OrchestrationHarness(collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }));
    }

    public static RosterAgent Agent(string name, Func<WorkItemContext, CancellationToken, Task<WorkItemReply>> run) => new() { Name = name, Run = run };

    public static RosterAgent Echo(string name = "worker") => Agent(name, (context, _) => Task.FromResult(new WorkItemReply("done " + context.Item.Id)));

    public static WorkItem Item(string id, params string[] dependsOn) => new() { Id = id, Agent = "worker", Instructions = "do " + id, DependsOn = dependsOn };

    public static OrchestrationPlan Plan(int maxConcurrency, params WorkItem[] items) => new() { Goal = "the goal", Items = items, MaxConcurrency = maxConcurrency };

    public Task<OrchestrationRun> RunAsync(OrchestrationPlan plan, RosterAgent agent, OrchestrationFailurePolicy? policy = null, long? budget = null, CancellationToken cancellationToken = default) =>
        Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [agent], FailurePolicy = policy, MaxTotalTokens = budget }, cancellationToken);

    /// <summary>Every session of the store: none may still be running once a run has returned.</summary>
    public async Task<IReadOnlyList<SessionRecord>> SessionsAsync()
    {
        var all = new List<SessionRecord>();
        string? cursor = null;
        do
        {
            var page = await Store.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize, Cursor = cursor });
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    public async Task AssertNoSessionRunningAsync()
    {
        var running = await Store.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running });
        Assert.Empty(running.Items);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
