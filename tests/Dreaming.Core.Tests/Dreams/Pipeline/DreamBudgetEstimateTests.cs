using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A reflector model that reports no usage is counted by estimate (four characters a token): the dream's budget
/// check after the embeddings and the budget.reached payload count that estimate too, as the reflector did.</summary>
public class DreamBudgetEstimateTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

    [Fact]
    public async Task The_budget_check_after_the_embeddings_counts_the_reflectors_estimate_for_a_model_without_usage()
    {
        // First without a budget, to learn what the reflector estimates for these sessions (its calls are the same).
        var measure = new NoUsageModel();
        var unbounded = await DreamAsync(measure, new OneTokenEmbeddings(), tokenBudget: null);
        Assert.False(unbounded.Results.BudgetReached);
        var estimate = measure.Estimate;
        Assert.True(estimate > 200, $"the reflector's calls were estimated at {estimate} tokens");

        // One token more than the reflector's estimate: the reflector fits (its last call leaves a token), and the
        // embeddings (reported: one token a text) take the dream to the budget. Counting only reported usage (0 from the
        // reflector), the dream saw a few tokens of 'estimate + 1' and never stopped.
        var model = new NoUsageModel();
        var embeddings = new OneTokenEmbeddings();
        var run = await DreamAsync(model, embeddings, tokenBudget: estimate + 1);

        Assert.Equal(estimate, model.Estimate);
        Assert.True(embeddings.Tokens > 0);
        Assert.True(run.Results.BudgetReached);
        Assert.Contains(
            $"token budget reached by the embeddings: {estimate + embeddings.Tokens} of {estimate + 1} tokens used (including an estimate",
            run.Results.Note,
            StringComparison.Ordinal);
        var reflect = run.Results.StageUsage.Single(s => s.Stage == "reflect");
        Assert.Equal(0, reflect.Usage.TotalTokens);
        Assert.Equal(estimate, reflect.EstimatedTokens);
        Assert.Equal(estimate + embeddings.Tokens, run.Results.BudgetTokensUsed);
        Assert.True(run.Results.BudgetTokensEstimated);
    }

    [Fact]
    public async Task Budget_reached_reports_the_estimated_tokens_that_stopped_a_dream_whose_model_reports_no_usage()
    {
        // The budget is a little under what the reflector estimates for its first call: that call is made (its prompt and
        // a useful answer fit) and takes the dream past the budget.
        var measure = new NoUsageModel();
        await DreamAsync(measure, new OneTokenEmbeddings(), tokenBudget: null);
        var budget = measure.PerCall[0] - 5;
        var model = new NoUsageModel();
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .AddReflector(model, maxPairs: 0)
            .AddWebhooks(o => o.Endpoints.Add(Webhooks.WebhookPublishingTests.Endpoint("ci", "budget.reached")));
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ITraceStore>().ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));

        var run = await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope, TokenBudget = budget });

        Assert.True(run.Results.BudgetReached);
        Assert.Single(model.PerCall);
        var row = Assert.Single(await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 100));
        var data = JsonDocument.Parse(row.Body).RootElement.GetProperty("data");
        Assert.Equal("dream.tokens", data.GetProperty("budget").GetString());
        Assert.Equal(budget, data.GetProperty("limit").GetDouble());

        // 'used' is what stopped the dream, the estimate, not the 0 tokens the model reported; and it says so.
        Assert.Equal(model.Estimate, data.GetProperty("used").GetDouble());
        Assert.True(data.GetProperty("used").GetDouble() >= budget);
        Assert.True(data.GetProperty("used_includes_estimate").GetBoolean());
    }

    [Fact]
    public void Estimated_tokens_cannot_be_negative()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ReflectionResult([], SessionUsage.Zero, null) { EstimatedTokens = -1 });
        Assert.Equal("value", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DreamStageUsage("reflect", SessionUsage.Zero, TimeSpan.Zero) { EstimatedTokens = -1 });
    }

    private static async Task<DreamRun> DreamAsync(NoUsageModel model, OneTokenEmbeddings embeddings, long? tokenBudget)
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));
        var consolidator = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxPairs: 0), embeddings: embeddings);
        return await consolidator.DreamAsync(new DreamRunRequest { Scope = s_scope, TokenBudget = tokenBudget });
    }

    /// <summary>Answers every call with one lesson padded to 1,000 characters, reporting no usage, and adds up what the
    /// reflector estimates for it: the messages sent and the reply at four characters a token.</summary>
    private sealed class NoUsageModel : IChatClient
    {
        private static readonly string s_reply = """{"lessons":[{"finding":0,"text":"Refund at most the order total."}],"pad":""" + "\"" + new string(' ', 920) + "\"}";

        public List<long> PerCall { get; } = [];

        public long Estimate => PerCall.Sum();

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            PerCall.Add((messages.Sum(m => (long)m.Text.Length) / 4) + ((s_reply.Length + 3) / 4));
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, s_reply)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>Embeds each text as a distinct vector and reports one input token a text.</summary>
    private sealed class OneTokenEmbeddings : IEmbeddingGenerator<string, Embedding<float>>
    {
        public long Tokens { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            Tokens += list.Count;
            var result = new GeneratedEmbeddings<Embedding<float>>(list.Select((t, i) => new Embedding<float>(new[] { t.Length, i + 1f })))
            {
                Usage = new UsageDetails { InputTokenCount = list.Count },
            };
            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
