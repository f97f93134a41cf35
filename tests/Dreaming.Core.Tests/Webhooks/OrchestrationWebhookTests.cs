using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests.Webhooks;

/// <summary>An orchestration raises its <c>orchestration.*</c> events, and <c>budget.reached</c> when it stops at its budget.</summary>
public sealed class OrchestrationWebhookTests
{
    [Fact]
    public async Task A_run_raises_started_one_item_completed_per_item_and_completed_with_ids_and_no_goal()
    {
        await using var services = Build("orchestration.*");
        var run = await services.GetRequiredService<IOrchestrator>().RunAsync(Request(budget: null, "a", "b", "c"));

        var rows = await RowsAsync(services);
        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(
            ["orchestration.started", "orchestration.item_completed", "orchestration.item_completed", "orchestration.item_completed", "orchestration.completed"],
            rows.Select(r => r.EventType));
        Assert.All(rows, r => Assert.Equal(run.SessionId, Data(r).GetProperty("orchestration_session_id").GetString()));
        var started = Data(rows[0]);
        Assert.Equal(3, started.GetProperty("item_count").GetInt32());
        Assert.Equal(JsonValueKind.Null, started.GetProperty("max_total_tokens").ValueKind);
        Assert.Equal(JsonValueKind.Null, started.GetProperty("max_total_cost_minor_units").ValueKind);
        Assert.False(started.TryGetProperty("goal", out _));
        var items = rows.Skip(1).Take(3).Select(Data).ToList();
        Assert.Equal(["a", "b", "c"], items.Select(i => i.GetProperty("item_id").GetString()).Order());
        Assert.Equal(run.Items.Select(i => i.SessionId).Order(), items.Select(i => i.GetProperty("child_session_id").GetString()).Order());
        Assert.All(items, i => Assert.Equal("completed", i.GetProperty("status").GetString()));
        Assert.Equal(300, Data(rows[^1]).GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public async Task A_run_stopped_by_its_token_budget_raises_orchestration_failed_and_budget_reached()
    {
        await using var services = Build("orchestration.failed", "budget.reached");
        var run = await services.GetRequiredService<IOrchestrator>().RunAsync(Request(budget: 250, "a", "b", "c", "d"));

        var rows = await RowsAsync(services);
        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(["orchestration.failed", "budget.reached"], rows.Select(r => r.EventType));
        Assert.Equal("budget_reached", Data(rows[0]).GetProperty("status").GetString());
        var budget = Data(rows[1]);
        Assert.Equal("orchestration.tokens", budget.GetProperty("budget").GetString());
        Assert.Equal(250, budget.GetProperty("limit").GetDouble());
        Assert.True(budget.GetProperty("used").GetDouble() >= 250);
        Assert.False(budget.GetProperty("used_includes_estimate").GetBoolean());
        Assert.Equal(run.SessionId, budget.GetProperty("subject_id").GetString());
    }

    [Fact]
    public async Task A_run_stopped_by_estimates_reports_what_its_token_budget_counted_as_used_as_a_dream_does()
    {
        await using var services = Build("orchestration.failed", "budget.reached");
        // A chat agent whose model replies 400 characters and reports no usage: 100 tokens a call by the estimate.
        var silent = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, new string('x', 400)))),
        };
        var request = Request(budget: 250, "a", "b", "c", "d", "e", "f") with { Agents = [new RosterAgent { Name = "worker", ChatClient = silent }] };
        var run = await services.GetRequiredService<IOrchestrator>().RunAsync(request);

        var rows = await RowsAsync(services);
        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(["orchestration.failed", "budget.reached"], rows.Select(r => r.EventType));
        // The reported usage stays what the model reported (none); the estimate is reported beside it.
        var failed = Data(rows[0]);
        Assert.Equal(0, failed.GetProperty("input_tokens").GetInt64());
        var ended = (await services.GetRequiredService<ITraceStore>().GetEventsAsync(run.SessionId)).OfType<OrchestrationFailedEvent>().Single();
        Assert.Equal(0, ended.Usage.TotalTokens);
        Assert.True(ended.EstimatedTokens >= 250);
        var budget = Data(rows[1]);
        Assert.Equal("orchestration.tokens", budget.GetProperty("budget").GetString());
        Assert.Equal(250, budget.GetProperty("limit").GetDouble());
        Assert.Equal(ended.EstimatedTokens, budget.GetProperty("used").GetDouble());
        Assert.True(budget.GetProperty("used_includes_estimate").GetBoolean());
    }

    [Fact]
    public async Task A_run_whose_model_reports_long_MaxValue_tokens_and_no_output_count_reports_the_budget_used_as_long_MaxValue_not_wrapped()
    {
        await using var services = Build("orchestration.failed", "budget.reached");
        // A provider reporting long.MaxValue input tokens and no output count: the budget counts an estimate beside it.
        var huge = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, new string('x', 400))) { Usage = new UsageDetails { InputTokenCount = long.MaxValue } }),
        };
        var request = Request(budget: 250, "a", "b", "c", "d") with { Agents = [new RosterAgent { Name = "worker", ChatClient = huge }] };
        var run = await services.GetRequiredService<IOrchestrator>().RunAsync(request).WaitAsync(TimeSpan.FromSeconds(30));

        var rows = await RowsAsync(services);
        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(["orchestration.failed", "budget.reached"], rows.Select(r => r.EventType));
        var ended = (await services.GetRequiredService<ITraceStore>().GetEventsAsync(run.SessionId)).OfType<OrchestrationFailedEvent>().Single();
        Assert.Equal(long.MaxValue, ended.Usage.TotalTokens);
        Assert.True(ended.EstimatedTokens > 0);
        var budget = Data(rows[1]);
        Assert.Equal((double)long.MaxValue, budget.GetProperty("used").GetDouble());
        Assert.True(budget.GetProperty("used_includes_estimate").GetBoolean());
    }

    [Fact]
    public async Task A_run_stopped_by_its_cost_budget_raises_budget_reached_with_the_cost_limit()
    {
        await using var services = Build(null, o => o.CostOf = (_, usage) => usage.InputTokens, "orchestration.failed", "budget.reached");
        var run = await services.GetRequiredService<IOrchestrator>().RunAsync(Request(budget: null, "a", "b", "c", "d") with { MaxTotalCostMinorUnits = 150 });

        var rows = await RowsAsync(services);
        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(["orchestration.failed", "budget.reached"], rows.Select(r => r.EventType));
        var budget = Data(rows[1]);
        Assert.Equal("orchestration.cost", budget.GetProperty("budget").GetString());
        Assert.Equal(150, budget.GetProperty("limit").GetDouble());
        Assert.Equal(run.Usage.CostMinorUnits, budget.GetProperty("used").GetDouble());
        Assert.False(budget.GetProperty("used_includes_estimate").GetBoolean());
        Assert.True(run.Usage.CostMinorUnits >= 150);
        Assert.Equal(run.SessionId, budget.GetProperty("subject_id").GetString());
    }

    [Fact]
    public async Task A_cancelled_run_still_writes_its_interrupted_orchestration_failed_though_the_observer_gets_the_cancelled_token()
    {
        await using var services = Build("orchestration.*");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        var request = Request(budget: null, "a") with
        {
            Agents = [new RosterAgent { Name = "worker", Run = async (_, ct) => { started.TrySetResult(); await Task.Delay(Timeout.Infinite, ct); return new WorkItemReply("never"); } }],
        };
        var running = services.GetRequiredService<IOrchestrator>().RunAsync(request, cancel.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await cancel.CancelAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        var rows = await RowsAsync(services);
        Assert.Equal(["orchestration.started", "orchestration.item_completed", "orchestration.failed"], rows.Select(r => r.EventType));
        Assert.Equal("cancelled", Data(rows[1]).GetProperty("status").GetString());
        Assert.Equal("interrupted", Data(rows[2]).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_started_payload_carries_the_token_and_the_cost_budget()
    {
        await using var services = Build("orchestration.started");
        await services.GetRequiredService<IOrchestrator>().RunAsync(Request(budget: 5_000, "a") with { MaxTotalCostMinorUnits = 300 });

        var started = Data(Assert.Single(await RowsAsync(services)));
        Assert.Equal(5_000, started.GetProperty("max_total_tokens").GetInt64());
        Assert.Equal(300, started.GetProperty("max_total_cost_minor_units").GetInt64());
    }

    [Fact]
    public async Task Observers_and_full_payloads_get_the_goal_and_item_errors_redacted()
    {
        const string Key = "sk-abcdefghijklmnopqrstuvwxyz123456";
        var heard = new List<SessionEvent>();
        await using var services = Build(o => o.IncludeFullPayloads = true, "orchestration.*");
        var request = Request(budget: null, "a") with
        {
            Agents = [new RosterAgent { Name = "worker", Run = (_, _) => throw new InvalidOperationException("401 with key " + Key) }],
            Observer = new Recorder(heard),
        };
        request = request with { Plan = request.Plan! with { Goal = "use " + Key } };
        await services.GetRequiredService<IOrchestrator>().RunAsync(request);

        var rows = await RowsAsync(services);
        Assert.Contains("[REDACTED:api-key]", Data(rows.Single(r => r.EventType == "orchestration.started")).GetProperty("goal").GetString(), StringComparison.Ordinal);
        Assert.Contains("[REDACTED:api-key]", Data(rows.Single(r => r.EventType == "orchestration.item_completed")).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.All(rows, r => Assert.DoesNotContain(Key, r.Body, StringComparison.Ordinal));
        Assert.NotEmpty(heard);
        Assert.All(heard, e => Assert.DoesNotContain(Key, JsonSerializer.Serialize(e), StringComparison.Ordinal));
    }

    private sealed class Recorder(List<SessionEvent> heard) : IOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken)
        {
            heard.Add(sessionEvent);
            return ValueTask.CompletedTask;
        }
    }

    internal static OrchestrationRequest Request(long? budget, params string[] ids) => new()
    {
        Plan = new OrchestrationPlan
        {
            Goal = "a secret goal",
            Items = ids.Select(id => new WorkItem { Id = id, Agent = "worker", Instructions = "do " + id }).ToList(),
            MaxConcurrency = 1,
        },
        Agents = [new RosterAgent { Name = "worker", Run = (context, _) => Task.FromResult(new WorkItemReply("done " + context.Item.Id, new SessionUsage { InputTokens = 100 })) }],
        MaxTotalTokens = budget,
    };

    private static ServiceProvider Build(params string[] events) => Build(null, events);

    private static ServiceProvider Build(Action<WebhookOptions>? configure, params string[] events) => Build(configure, null, events);

    private static ServiceProvider Build(Action<WebhookOptions>? configure, Action<OrchestratorOptions>? orchestrator, params string[] events)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddOrchestrator(o =>
        {
            o.RetryDelay = TimeSpan.Zero;
            orchestrator?.Invoke(o);
        }).AddWebhooks(options =>
        {
            options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci", events));
            configure?.Invoke(options);
        });
        return services.BuildServiceProvider();
    }

    private static async Task<List<WebhookDelivery>> RowsAsync(IServiceProvider services) =>
        (await services.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 1000)).Reverse().ToList();

    private static JsonElement Data(WebhookDelivery delivery) => JsonDocument.Parse(delivery.Body).RootElement.GetProperty("data").Clone();
}
