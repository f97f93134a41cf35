using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NSubstitute;

namespace Dreaming.Tests;

/// <summary>Sessions made by a host's own <see cref="IAgentSessionFactory"/> are not the library's type, so they offer no
/// content filter of their own: every copy the library publishes of them (webhooks, observers, span events) and every event
/// they store through the library's writer must still be redacted.</summary>
public sealed partial class CustomSessionFactoryRedactionTests
{
    private const string Key = "sk-abcdefghijklmnopqrstuvwxyz123456";

    [Fact]
    public async Task Outcome_webhooks_of_a_decorating_factorys_sessions_are_redacted()
    {
        await using var services = BuildWithWebhooks(DecoratingSessionFactory.Decorate);
        var runner = services.GetRequiredService<IOutcomeRunner>();
        await runner.RunAsync(KeyRequest((_, _) => Task.FromResult("use " + Key)));
        await runner.RunAsync(KeyRequest((_, _) => throw new InvalidOperationException("401 with key " + Key)));

        var rows = await RowsAsync(services);
        Assert.Contains(rows, r => r.EventType == WebhookEventTypes.OutcomeEvaluationEnded);
        Assert.Contains(rows, r => r.EventType == WebhookEventTypes.OutcomeSatisfied);
        Assert.Contains(rows, r => r.EventType == WebhookEventTypes.OutcomeUnsatisfied);
        Assert.All(rows, r => Assert.DoesNotContain(Key, r.Body, StringComparison.Ordinal));
        Assert.Equal("use [REDACTED:api-key]", Data(rows.Single(r => r.EventType == WebhookEventTypes.OutcomeSatisfied)).GetProperty("artifact").GetString());
        Assert.Equal("the agent failed: 401 with key [REDACTED:api-key]", Data(rows.Single(r => r.EventType == WebhookEventTypes.OutcomeUnsatisfied)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Orchestration_observers_and_webhooks_of_a_decorating_factorys_sessions_are_redacted()
    {
        var heard = new List<SessionEvent>();
        await using var services = BuildWithWebhooks(DecoratingSessionFactory.Decorate);
        await services.GetRequiredService<IOrchestrator>().RunAsync(FailingRun(heard));

        var rows = await RowsAsync(services);
        Assert.Contains(rows, r => r.EventType == "orchestration.started");
        Assert.All(rows, r => Assert.DoesNotContain(Key, r.Body, StringComparison.Ordinal));
        Assert.Contains("[REDACTED:api-key]", Data(rows.Single(r => r.EventType == "orchestration.started")).GetProperty("goal").GetString(), StringComparison.Ordinal);
        AssertRedacted(heard);
    }

    [Fact]
    public async Task Without_a_container_a_custom_factorys_published_copies_get_the_built_in_secret_patterns()
    {
        var factory = new ListSessionFactory();
        var webhooks = new CapturingPublisher();
        var runner = new OutcomeRunner(factory, new RubricEvaluator(), webhooks: webhooks);
        await runner.RunAsync(KeyRequest((_, _) => Task.FromResult("use " + Key)));
        await runner.RunAsync(KeyRequest((_, _) => throw new InvalidOperationException("401 with key " + Key)));
        var heard = new List<SessionEvent>();
        var orchestrator = new Orchestrator(factory, Substitute.For<IOutcomeRunner>(), new OrchestratorOptions { RetryDelay = TimeSpan.Zero }, observers: [new Recorder(heard)]);
        await orchestrator.RunAsync(FailingRun(heard: null));

        Assert.Equal(4, webhooks.Published.Count);
        Assert.All(webhooks.Published, p => Assert.DoesNotContain(Key, p.Data, StringComparison.Ordinal));
        Assert.Contains(webhooks.Published, p => p.Data.Contains("[REDACTED:api-key]", StringComparison.Ordinal));
        AssertRedacted(heard);

        // What the host's own sessions store is theirs to decide: the library hands them the events as made.
        Assert.Contains(factory.Recorded, e => e is OrchestrationStartedEvent s && s.Goal.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_custom_factorys_published_copies_get_the_registered_redactors_and_size_limit_once()
    {
        var factory = new ListSessionFactory();
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.MaxContentLength = 256)
            .AddRedactor(new CustomerIdRedactor())
            .AddWebhooks(options =>
            {
                options.Endpoints.Add(Webhooks.WebhookPublishingTests.Endpoint("ci"));
                options.IncludeFullPayloads = true;
            });
        services.Replace(ServiceDescriptor.Singleton<IAgentSessionFactory>(factory));
        await using var provider = services.BuildServiceProvider();
        var artifact = $"customer CUST-48213 key {Key} " + new string('x', 1000);

        await provider.GetRequiredService<IOutcomeRunner>().RunAsync(KeyRequest((_, _) => Task.FromResult(artifact)));

        var satisfied = Data((await RowsAsync(provider)).Single(r => r.EventType == WebhookEventTypes.OutcomeSatisfied)).GetProperty("artifact").GetString()!;
        Assert.StartsWith("customer [REDACTED:customer] key [REDACTED:api-key] xxx", satisfied, StringComparison.Ordinal);
        Assert.Single(TruncationMarker().Matches(satisfied));
        Assert.EndsWith($"...[truncated: original length {artifact.Length} chars]", satisfied, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Span_events_of_a_decorating_factorys_sessions_carry_no_secret()
    {
        var agentId = "span-" + Guid.NewGuid().ToString("N");
        var tags = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == DreamingTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.DisplayName != "invoke_agent " + agentId)
                {
                    return;
                }

                lock (tags)
                {
                    tags.AddRange(a.Events.SelectMany(e => e.Tags).Select(t => Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty));
                    tags.AddRange(a.TagObjects.Select(t => Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var services = BuildWithWebhooks(DecoratingSessionFactory.Decorate);

        await services.GetRequiredService<IOutcomeRunner>().RunAsync(KeyRequest((_, _) => Task.FromResult("use " + Key)) with { AgentId = agentId });

        lock (tags)
        {
            Assert.NotEmpty(tags);
            Assert.All(tags, t => Assert.DoesNotContain(Key, t, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_decorating_factorys_session_stores_through_the_writer_redacted()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        DecoratingSessionFactory.Decorate(services);
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ITraceStore>();
        var factory = provider.GetRequiredService<IAgentSessionFactory>();
        Assert.IsType<DecoratingSessionFactory>(factory);

        string sessionId;
        await using (var session = factory.StartSession(new AgentSessionOptions { AgentId = "a", Task = "task " + Key, Metadata = { ["k"] = Key } }))
        {
            sessionId = session.Id;
            await provider.GetRequiredService<IChatClient>().GetResponseAsync("my key is " + Key);
            await session.RecordAsync(new NoteEvent { Text = "note " + Key });
            await session.CompleteAsync();
        }

        var run = await provider.GetRequiredService<IOutcomeRunner>().RunAsync(KeyRequest((_, _) => throw new InvalidOperationException("401 with key " + Key)));

        foreach (var id in new[] { sessionId, run.SessionId })
        {
            var stored = JsonSerializer.Serialize(new { session = await store.GetSessionAsync(id), events = await store.GetEventsAsync(id) });
            Assert.Contains("[REDACTED:api-key]", stored, StringComparison.Ordinal);
            Assert.DoesNotContain(Key, stored, StringComparison.Ordinal);
        }
    }

    private static void AssertRedacted(List<SessionEvent> heard)
    {
        Assert.Contains(heard, e => e is OrchestrationStartedEvent);
        Assert.Contains(heard, e => e is OrchestrationItemCompletedEvent { Error: not null });
        Assert.All(heard, e => Assert.DoesNotContain(Key, JsonSerializer.Serialize(e), StringComparison.Ordinal));
        Assert.Contains("[REDACTED:api-key]", heard.OfType<OrchestrationStartedEvent>().Single().Goal, StringComparison.Ordinal);
    }

    private static OutcomeRequest KeyRequest(Func<OutcomeAttempt, CancellationToken, Task<string>> agent) => new()
    {
        AgentId = "key-writer",
        Task = "write it",
        Rubric = new RubricBuilder("r", "R").Regex("Mentions a key", @"sk-\w+").Build(),
        Agent = agent,
        MaxIterations = 1,
    };

    private static OrchestrationRequest FailingRun(List<SessionEvent>? heard) => new()
    {
        Plan = new OrchestrationPlan
        {
            Goal = "use " + Key,
            Items = [new WorkItem { Id = "a", Agent = "worker", Instructions = "do a" }],
            MaxConcurrency = 1,
        },
        Agents = [new RosterAgent { Name = "worker", Run = (_, _) => throw new InvalidOperationException("401 with key " + Key) }],
        Observer = heard is null ? null : new Recorder(heard),
    };

    private static ServiceProvider BuildWithWebhooks(Action<IServiceCollection> customise)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddOrchestrator(o => o.RetryDelay = TimeSpan.Zero).AddWebhooks(options =>
        {
            options.Endpoints.Add(Webhooks.WebhookPublishingTests.Endpoint("ci"));
            options.IncludeFullPayloads = true;
        });
        customise(services);
        return services.BuildServiceProvider();
    }

    private static async Task<List<WebhookDelivery>> RowsAsync(IServiceProvider services) =>
        (await services.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 1000)).Reverse().ToList();

    private static JsonElement Data(WebhookDelivery delivery) => JsonDocument.Parse(delivery.Body).RootElement.GetProperty("data").Clone();

    [GeneratedRegex(@"\[truncated: original length \d+ chars\]")]
    private static partial Regex TruncationMarker();

    private sealed partial class CustomerIdRedactor : ITraceContentRedactor
    {
        public string Redact(string text) => CustomerId().Replace(text, "[REDACTED:customer]");

        [GeneratedRegex(@"CUST-\d+")]
        private static partial Regex CustomerId();
    }

    private sealed class Recorder(List<SessionEvent> heard) : IOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken)
        {
            lock (heard)
            {
                heard.Add(sessionEvent);
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class CapturingPublisher : IWebhookPublisher
    {
        public List<(string Type, string Data)> Published { get; } = [];

        public bool IsEnabled => true;

        public bool IncludeFullPayloads => true;

        public bool IsSubscribed(string eventType) => true;

        public Task<WebhookEvent?> PublishAsync(string eventType, JsonObject data, CancellationToken cancellationToken = default)
        {
            lock (Published)
            {
                Published.Add((eventType, data.ToJsonString()));
            }

            return Task.FromResult<WebhookEvent?>(null);
        }
    }
}
