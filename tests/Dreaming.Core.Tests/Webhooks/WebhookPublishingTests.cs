using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests.Webhooks;

/// <summary>The library's components raise the catalogue's events through the publisher, filtered per endpoint.</summary>
public sealed partial class WebhookPublishingTests
{
    private static readonly MemoryScope Scope = MemoryScope.Agent("support-bot");
    private static readonly string Secret = WebhookSecret.Generate();

    [Fact]
    public async Task A_session_end_raises_session_completed_or_failed_with_ids_and_a_summary_but_no_task()
    {
        await using var services = Build();
        var sessions = services.GetRequiredService<IAgentSessionFactory>();
        await using (var ok = sessions.StartSession("support-bot", "refund order #1 for alice@example.com"))
        {
            await ok.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded(0.9, "rubric:x@1"));
        }

        await using (var bad = sessions.StartSession("support-bot", "refund order #2"))
        {
            await bad.CompleteAsync(SessionStatus.Blocked);
        }

        var rows = await RowsAsync(services);
        Assert.Equal([WebhookEventTypes.SessionCompleted, WebhookEventTypes.SessionFailed], rows.Select(r => r.EventType));
        var completed = Data(rows[0]);
        Assert.Equal("support-bot", completed.GetProperty("agent_id").GetString());
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(0.9, completed.GetProperty("outcome").GetProperty("score").GetDouble());
        Assert.False(completed.TryGetProperty("task", out _));
        Assert.DoesNotContain("alice", rows[0].Body, StringComparison.Ordinal);
        Assert.Equal("blocked", Data(rows[1]).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Full_payloads_are_opt_in_and_carry_the_redacted_task()
    {
        await using var services = Build(o => o.IncludeFullPayloads = true);
        await using (var session = services.GetRequiredService<IAgentSessionFactory>().StartSession("support-bot", "key sk-abcdefghijklmnopqrstuvwxyz123456"))
        {
            await session.CompleteAsync();
        }

        var task = Data((await RowsAsync(services))[0]).GetProperty("task").GetString();
        Assert.NotNull(task);
        Assert.DoesNotContain("sk-abcdefghijklmnopqrstuvwxyz123456", task, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_endpoint_gets_only_the_events_its_filters_name()
    {
        await using var services = Build(o =>
        {
            o.Endpoints[0].Events.Add("session.failed");
            o.Endpoints.Add(Endpoint("chat", "dream.*", "outcome.satisfied"));
        });
        var publisher = services.GetRequiredService<IWebhookPublisher>();

        await publisher.PublishAsync(WebhookEventTypes.SessionFailed, new());
        await publisher.PublishAsync(WebhookEventTypes.SessionCompleted, new());
        await publisher.PublishAsync(WebhookEventTypes.DreamFailed, new());

        var rows = await RowsAsync(services);
        Assert.Equal(["ci:session.failed", "chat:dream.failed"], rows.Select(r => r.EndpointId + ":" + r.EventType));
        Assert.False(publisher.IsSubscribed(WebhookEventTypes.BudgetReached));
    }

    [Fact]
    public async Task Without_endpoints_nothing_is_written()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddWebhooks();
        await using var provider = services.BuildServiceProvider();
        await using (var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("a", "t"))
        {
            await session.CompleteAsync();
        }

        Assert.False(provider.GetRequiredService<IWebhookPublisher>().IsEnabled);
        Assert.Null(await provider.GetRequiredService<IWebhookPublisher>().PublishAsync(WebhookEventTypes.SessionCompleted, new()));
        Assert.Empty(await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync());
    }

    [Fact]
    public async Task An_outcome_loop_raises_evaluation_ended_per_iteration_then_satisfied()
    {
        await using var services = Build(o => o.Endpoints[0].Events.Add("outcome.*"));
        var run = await services.GetRequiredService<IOutcomeRunner>().RunAsync(Request((attempt, _) =>
            Task.FromResult(attempt.Feedback is null ? "Refunded." : "Refunded order #W123.")));

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        var rows = await RowsAsync(services);
        Assert.Equal(
            [WebhookEventTypes.OutcomeEvaluationEnded, WebhookEventTypes.OutcomeEvaluationEnded, WebhookEventTypes.OutcomeSatisfied],
            rows.Select(r => r.EventType));
        Assert.Equal(["needs_revision", "satisfied"], rows.Take(2).Select(r => Data(r).GetProperty("result").GetString()));
        var satisfied = Data(rows[2]);
        Assert.Equal(run.SessionId, satisfied.GetProperty("session_id").GetString());
        Assert.Equal(2, satisfied.GetProperty("iterations").GetInt32());
        Assert.False(satisfied.TryGetProperty("artifact", out _));
    }

    [Fact]
    public async Task Full_payloads_add_the_artifact_the_verdicts_and_the_change_list()
    {
        await using var services = Build(o => o.IncludeFullPayloads = true);
        await services.GetRequiredService<IOutcomeRunner>().RunAsync(Request((_, _) => Task.FromResult("Refunded order #W123.")));
        await SeedAsync(services.GetRequiredService<ITraceStore>(), "Error: payment amount does not add up");
        await services.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = Scope });

        var rows = await RowsAsync(services);
        Assert.Equal("Refunded order #W123.", Data(rows.Single(r => r.EventType == WebhookEventTypes.OutcomeSatisfied)).GetProperty("artifact").GetString());
        Assert.Equal("met", Data(rows.Single(r => r.EventType == WebhookEventTypes.OutcomeEvaluationEnded)).GetProperty("criteria")[0].GetProperty("verdict").GetString());
        Assert.NotEqual(0, Data(rows.Single(r => r.EventType == WebhookEventTypes.DreamCompleted)).GetProperty("change_list").GetArrayLength());
        Assert.NotEqual(0, Data(rows.First(r => r.EventType == WebhookEventTypes.MemoryVersionActivated)).GetProperty("insight_list").GetArrayLength());
    }

    [Fact]
    public async Task Outcome_events_carry_criterion_reasons_errors_and_the_artifact_redacted()
    {
        const string Key = "sk-abcdefghijklmnopqrstuvwxyz123456";
        await using var services = Build(o => o.IncludeFullPayloads = true);
        var runner = services.GetRequiredService<IOutcomeRunner>();
        var rubric = new RubricBuilder("r", "R").Regex("Mentions a key", @"sk-\w+").Build();
        await runner.RunAsync(Request((_, _) => Task.FromResult("use " + Key)) with { Rubric = rubric, MaxIterations = 1 });
        await runner.RunAsync(Request((_, _) => throw new InvalidOperationException("401 with key " + Key)) with { MaxIterations = 1 });

        var rows = await RowsAsync(services);
        var ended = rows.Where(r => r.EventType == WebhookEventTypes.OutcomeEvaluationEnded).Select(Data).ToList();
        Assert.Contains("[REDACTED:api-key]", ended[0].GetProperty("criteria")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("the agent failed: 401 with key [REDACTED:api-key]", ended[1].GetProperty("error").GetString());
        Assert.Equal("the agent failed: 401 with key [REDACTED:api-key]", Data(rows.Last(r => r.EventType == WebhookEventTypes.OutcomeUnsatisfied)).GetProperty("error").GetString());
        Assert.Equal("use [REDACTED:api-key]", Data(rows.First(r => r.EventType == WebhookEventTypes.OutcomeSatisfied)).GetProperty("artifact").GetString());
        Assert.All(rows, r => Assert.DoesNotContain(Key, r.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_outcome_loop_that_never_passes_raises_unsatisfied()
    {
        await using var services = Build(o => o.Endpoints[0].Events.Add("outcome.unsatisfied"));
        await services.GetRequiredService<IOutcomeRunner>().RunAsync(Request((_, _) => Task.FromResult("Refunded.")) with { MaxIterations = 2 });

        var row = Assert.Single(await RowsAsync(services));
        Assert.Equal("max_iterations_reached", Data(row).GetProperty("result").GetString());
    }

    [Fact]
    public async Task Canceling_a_dream_raises_dream_canceled_shaped_like_dream_completed()
    {
        await using var services = Build(o =>
        {
            o.Endpoints[0].Events.Add("dream.*");
            o.Endpoints.Add(Endpoint("chat", "dream.failed", "dream.completed"));
        });
        var runs = services.GetRequiredService<IDreamRunStore>();
        var pending = await runs.CreateAsync(new DreamRunRequest { Scope = Scope });
        var running = await runs.CreateAsync(new DreamRunRequest { Scope = Scope });
        await runs.StartAsync(running.Id, "me", TimeSpan.FromMinutes(1));

        await runs.CancelAsync(pending.Id);
        await services.GetRequiredService<DreamJobs>().CancelAsync(running.Id);

        var rows = await RowsAsync(services);
        Assert.Equal(["ci:dream.canceled", "ci:dream.canceled"], rows.Select(r => r.EndpointId + ":" + r.EventType));
        Assert.Equal([pending.Id, running.Id], rows.Select(r => Data(r).GetProperty("dream_run_id").GetString()));
        var data = Data(rows[1]);
        Assert.Equal("agent:support-bot", data.GetProperty("scope").GetString());
        Assert.Equal("canceled", data.GetProperty("status").GetString());
        Assert.Equal(0, data.GetProperty("changes").GetInt32());
        Assert.False(data.TryGetProperty("error", out _));
        Assert.False(data.TryGetProperty("change_list", out _));
    }

    [Fact]
    public async Task A_dream_whose_caller_cancels_it_raises_dream_canceled_and_no_completion()
    {
        await using var services = Build(o => o.Endpoints[0].Events.Add("dream.*"));
        await SeedAsync(services.GetRequiredService<ITraceStore>(), "Error: payment amount does not add up");
        using var cancel = new CancellationTokenSource();

        var run = await services.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = Scope }, _ => cancel.Cancel(), cancel.Token);

        Assert.Equal(DreamRunStatus.Canceled, run.Status);
        var row = Assert.Single(await RowsAsync(services));
        Assert.Equal("dream.canceled", row.EventType);
        Assert.Equal(run.Id, Data(row).GetProperty("dream_run_id").GetString());
    }

    internal static WebhookEndpoint Endpoint(string id, params string[] events)
    {
        var endpoint = new WebhookEndpoint { Id = id, Url = $"https://{id}.example.com/hook" };
        endpoint.Secrets.Add(Secret);
        foreach (var filter in events)
        {
            endpoint.Events.Add(filter);
        }

        return endpoint;
    }

    private static ServiceProvider Build(Action<WebhookOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddWebhooks(options =>
        {
            options.Endpoints.Add(Endpoint("ci"));
            configure?.Invoke(options);
        });
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        return services.BuildServiceProvider();
    }

    private static async Task<List<WebhookDelivery>> RowsAsync(IServiceProvider services) =>
        (await services.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 1000)).Reverse().ToList();

    private static JsonElement Data(WebhookDelivery delivery) => JsonDocument.Parse(delivery.Body).RootElement.GetProperty("data").Clone();

    internal static OutcomeRequest Request(Func<OutcomeAttempt, CancellationToken, Task<string>> agent) => new()
    {
        AgentId = "writer",
        Task = "Summarise the refund",
        Rubric = new Rubric
        {
            Id = "refund",
            Title = "Refund summary",
            Criteria = [new RubricCriterion { Id = "order", Text = "Mentions the order number", Required = true, Kind = CriterionKind.Contains, Argument = "#W123" }],
        },
        Agent = agent,
    };

    internal static async Task SeedAsync(ITraceStore traces, string error)
    {
        var start = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        var sessions = Enumerable.Range(0, 14).Select(i =>
        {
            var fails = i < 8;
            var id = $"s{i:D3}";
            List<SessionEvent> events =
            [
                new ToolCallEvent { CallId = "c1", ToolName = "refund", Arguments = "{\"amount\":150}" },
                new ToolResultEvent { CallId = "c1", ToolName = "refund", IsError = fails, Result = fails ? error : "refunded", ErrorMessage = fails ? error : null },
            ];
            return new SessionWithEvents(
                new SessionRecord
                {
                    Id = id,
                    AgentId = "support-bot",
                    Task = "Refund order",
                    Status = fails ? SessionStatus.Failed : SessionStatus.Completed,
                    StartedAt = start.AddMinutes(i),
                    EndedAt = start.AddMinutes(i).AddSeconds(30),
                    Outcome = fails ? SessionOutcome.Failed() : SessionOutcome.Succeeded(),
                },
                events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = start.AddMinutes(i) }).ToList());
        }).ToList();
        await traces.ImportAsync(sessions);
    }
}
