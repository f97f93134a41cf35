using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Dreaming.Tests;

public partial class DreamingChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CostOf_prices_each_recorded_call_on_its_event_and_the_session(bool streaming)
    {
        var asked = new ConcurrentQueue<ModelCallUsage>();
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.CostOf = call =>
        {
            asked.Enqueue(call);
            return (call.InputTokens * 3) + (call.OutputTokens * 7) - call.CachedInputTokens;
        });
        await using var session = host.Sessions.StartSession("billing", "two calls");

        for (var turn = 0; turn < 2; turn++)
        {
            List<ChatMessage> request = [new(ChatRole.User, "q" + turn)];
            _ = streaming
                ? await host.Chat.GetStreamingResponseAsync(request).ToChatResponseAsync()
                : await host.Chat.GetResponseAsync(request);
        }

        Assert.Equal(126, session.Usage.CostMinorUnits);
        await session.CompleteAsync();

        // 10 in (2 cached) and 5 out a call: 30 + 35 - 2 = 63 each.
        Assert.Equal([new ModelCallUsage("billing", "fake", "fake-model-1", 10, 5, 2), new ModelCallUsage("billing", "fake", "fake-model-1", 10, 5, 2)], asked);
        var events = (await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>().ToList();
        Assert.Equal([63, 63], events.Select(e => e.Usage.CostMinorUnits));
        var stored = await host.Store.GetSessionAsync(session.Id);
        Assert.Equal(126, stored!.Usage.CostMinorUnits);
        Assert.Equal(2, stored.Usage.ModelCalls);
    }

    [Fact]
    public async Task CostOf_is_given_reasoning_tokens_a_client_reports_apart_from_the_output_so_it_can_price_them()
    {
        // As a client whose provider counts the model's thinking apart from its answer (Gemini's thoughts) reports them:
        // 94 reasoning tokens beside 2 of output, all billed as output.
        ModelCallUsage? asked = null;
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "42"))
            {
                ModelId = "thinker",
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 2, ReasoningTokenCount = 94 },
            }),
        };
        await using var host = TracingHost.Create(inner, options: o => o.CostOf = call =>
        {
            asked = call;
            return (call.InputTokens * 1) + ((call.OutputTokens + call.ReasoningOutputTokens) * 4);
        });
        await using var session = host.Sessions.StartSession("billing", "think");

        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "six times seven?")]);
        await session.CompleteAsync();

        Assert.Equal((2L, 94L), (asked!.Value.OutputTokens, asked.Value.ReasoningOutputTokens));
        var response = Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
        Assert.Equal((2L, 10 + (96 * 4L)), (response.Usage.OutputTokens, response.Usage.CostMinorUnits));

        // The orchestrator's and the grader's calls are priced the same way.
        var usage = ModelUsage.Of(host.Chat, "billing", await inner.GetResponseAsync([new ChatMessage(ChatRole.User, "again")]), null);
        Assert.Equal(10 + (96 * 4L), usage.CostMinorUnits);
    }

    [Fact]
    public async Task CostOf_prices_a_one_call_session_under_the_clients_agent_and_the_requests_model()
    {
        ModelCallUsage? asked = null;
        var inner = new FakeChatClient
        {
            // No model id on the response: the request's is priced.
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { Usage = new UsageDetails { InputTokenCount = 4, OutputTokenCount = 1 } }),
        };
        await using var host = TracingHost.Create(inner, pipeline: p => p.UseDreaming(c => c.AgentId = "pricing-agent"), options: o => o.CostOf = call =>
        {
            asked = call;
            return 5;
        });

        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "asked-model" });

        Assert.Equal(new ModelCallUsage("pricing-agent", "fake", "asked-model", 4, 1, 0), asked);
        var stored = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(5, stored.Usage.CostMinorUnits);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_CostOf_that_throws_or_returns_a_negative_cost_records_cost_0_logs_once_per_type_and_fails_no_call(bool negative)
    {
        var logger = new FakeLogger<DreamingChatClient>();
        await using var host = TracingHost.Create(
            FakeChatClient.Echo(),
            options: o => o.CostOf = call => negative ? -1 : throw new KeyNotFoundException($"no price for {call.ModelId}"),
            dreaming: b => b.Services.AddSingleton<ILogger<DreamingChatClient>>(logger));
        await using var session = host.Sessions.StartSession("billing", "unpriced");

        var first = await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "one")]);
        var second = await host.Chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "two")]).ToChatResponseAsync();
        await session.CompleteAsync();

        Assert.Equal("echo: one", first.Text);
        Assert.Equal("echo: two", second.Text);
        var events = (await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>().ToList();
        Assert.Equal([0, 0], events.Select(e => e.Usage.CostMinorUnits));
        Assert.Equal(2, (await host.Store.GetSessionAsync(session.Id))!.Usage.ModelCalls);
        var log = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 85);
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Contains("fake-model-1", log.Message, StringComparison.Ordinal);
        Assert.Contains(session.Id, log.Message, StringComparison.Ordinal);
        Assert.IsType(negative ? typeof(InvalidOperationException) : typeof(KeyNotFoundException), log.Exception);
    }

    [Fact]
    public async Task A_priced_session_reports_its_cost_in_the_session_completed_webhook()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.CostOf = _ => 250).AddWebhooks(o => o.Endpoints.Add(Webhooks.WebhookPublishingTests.Endpoint("ci")));
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        await using var provider = services.BuildServiceProvider();
        await using (var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("billing", "priced"))
        {
            await provider.GetRequiredService<IChatClient>().GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
            await provider.GetRequiredService<IChatClient>().GetResponseAsync([new ChatMessage(ChatRole.User, "again")]);
            await session.CompleteAsync();
        }

        var row = Assert.Single(await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 10), r => r.EventType == WebhookEventTypes.SessionCompleted);
        var data = JsonDocument.Parse(row.Body).RootElement.GetProperty("data");
        Assert.Equal(500, data.GetProperty("cost_minor_units").GetInt64());
        Assert.Equal(2, data.GetProperty("model_calls").GetInt64());
    }
}
