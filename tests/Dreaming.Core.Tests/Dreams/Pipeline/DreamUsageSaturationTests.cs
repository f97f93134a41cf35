using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>A dream's token sums stop at <see cref="long.MaxValue"/> instead of wrapping negative when a provider reports a
/// huge usage (long.MaxValue, from a buggy or hostile provider), so its token budget still stops it and its figures stay
/// the largest, never negative.</summary>
public class DreamUsageSaturationTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

    [Fact]
    public async Task A_reflector_model_reporting_long_MaxValue_input_and_no_output_count_reaches_the_budget_and_skips_the_embeddings()
    {
        var model = new HugeModel();
        var embeddings = new CountingEmbeddings();

        var run = await DreamAsync(model, embeddings, tokenBudget: 1_000_000).WaitAsync(TimeSpan.FromSeconds(30));

        // One call: its long.MaxValue tokens (plus the estimate of the output it did not report) reach the budget.
        Assert.Equal(1, model.Calls);
        Assert.True(run.Results.BudgetReached);
        Assert.Equal(0, embeddings.Calls);
        Assert.Equal(long.MaxValue, run.Results.BudgetTokensUsed);
        var reflect = run.Results.StageUsage.Single(s => s.Stage == "reflect");
        Assert.Equal(long.MaxValue, reflect.Usage.TotalTokens);
        Assert.True(reflect.EstimatedTokens > 0);
        Assert.Contains($"token budget reached: {long.MaxValue} of 1000000 tokens used", run.Results.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embeddings_reporting_long_MaxValue_take_the_dream_to_its_budget_without_wrapping()
    {
        var embeddings = new CountingEmbeddings { ReportedTokens = long.MaxValue };

        var run = await DreamAsync(new SmallModel(), embeddings, tokenBudget: 1_000_000).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(embeddings.Calls > 0);
        Assert.True(run.Results.BudgetReached);
        Assert.Contains($"token budget reached by the embeddings: {long.MaxValue} of 1000000 tokens used", run.Results.Note, StringComparison.Ordinal);
        Assert.Equal(long.MaxValue, run.Results.BudgetTokensUsed);
        Assert.Equal(long.MaxValue, run.Results.TotalUsage.TotalTokens);
    }

    private static async Task<DreamRun> DreamAsync(IChatClient model, CountingEmbeddings embeddings, long? tokenBudget)
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));
        var consolidator = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxPairs: 0), embeddings: embeddings);
        return await consolidator.DreamAsync(new DreamRunRequest { Scope = s_scope, TokenBudget = tokenBudget });
    }

    private const string Reply = """{"lessons":[{"finding":0,"text":"Refund at most the order total, which the order lookup gives."}]}""";

    /// <summary>Reports long.MaxValue input tokens and no output count for every call.</summary>
    private sealed class HugeModel : FakeChatClientBase
    {
        public int Calls { get; private set; }

        protected override UsageDetails Usage()
        {
            Calls++;
            return new UsageDetails { InputTokenCount = long.MaxValue };
        }
    }

    /// <summary>Reports ten tokens for every call.</summary>
    private sealed class SmallModel : FakeChatClientBase
    {
        protected override UsageDetails Usage() => new() { InputTokenCount = 5, OutputTokenCount = 5 };
    }

    private abstract class FakeChatClientBase : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Reply)) { Usage = Usage() });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }

        protected abstract UsageDetails Usage();
    }

    /// <summary>Embeds each text as a distinct vector, reporting <see cref="ReportedTokens"/> input tokens a call (none when null).</summary>
    private sealed class CountingEmbeddings : IEmbeddingGenerator<string, Embedding<float>>
    {
        public long? ReportedTokens { get; init; }

        public int Calls { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            var list = values.ToList();
            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(list.Select((t, i) => new Embedding<float>(new[] { t.Length, i + 1f })))
            {
                Usage = ReportedTokens is { } tokens ? new UsageDetails { InputTokenCount = tokens } : null,
            });
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
