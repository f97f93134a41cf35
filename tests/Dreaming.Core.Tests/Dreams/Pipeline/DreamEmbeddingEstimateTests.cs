using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>An embedding generator that reports no usage is counted by estimate (the texts embedded, four characters a
/// token), as a reflector's model that reports none is: in the curate stage's estimate, the dream's budget check and
/// <see cref="DreamRunResults.BudgetTokensUsed"/>.</summary>
public class DreamEmbeddingEstimateTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

    [Fact]
    public async Task Embeddings_without_usage_are_estimated_from_the_texts_and_counted_in_the_budget_figure()
    {
        var model = new ReportingModel();
        var embeddings = new NoUsageEmbeddings();

        var run = await DreamAsync(model, embeddings, tokenBudget: null);

        Assert.True(embeddings.Characters > 0);
        var curate = run.Results.StageUsage.Single(s => s.Stage == "curate");
        Assert.Equal(0, curate.Usage.TotalTokens);
        Assert.Equal(embeddings.Characters / 4, curate.EstimatedTokens);
        Assert.Equal(model.Reported + (embeddings.Characters / 4), run.Results.BudgetTokensUsed);
        Assert.True(run.Results.BudgetTokensEstimated);
        Assert.False(run.Results.BudgetReached);
    }

    [Fact]
    public async Task The_budget_check_after_the_embeddings_counts_their_estimate_when_the_generator_reports_no_usage()
    {
        // First without a budget, to learn what the reflector's model reports (its calls are the same).
        var measure = new ReportingModel();
        await DreamAsync(measure, new NoUsageEmbeddings(), tokenBudget: null);

        // One token more than the reflector used: the embeddings' estimate takes the dream to its budget. Counting only
        // reported usage (none from the generator), the dream never stopped.
        var model = new ReportingModel();
        var embeddings = new NoUsageEmbeddings();
        var run = await DreamAsync(model, embeddings, tokenBudget: measure.Reported + 1);

        Assert.Equal(measure.Reported, model.Reported);
        var estimate = embeddings.Characters / 4;
        Assert.True(estimate > 1, $"the embeddings were estimated at {estimate} tokens");
        Assert.True(run.Results.BudgetReached);
        Assert.Contains(
            $"token budget reached by the embeddings: {model.Reported + estimate} of {model.Reported + 1} tokens used (including an estimate where the embedding generator reported no usage)",
            run.Results.Note,
            StringComparison.Ordinal);
        Assert.Equal(model.Reported + estimate, run.Results.BudgetTokensUsed);
    }

    [Fact]
    public async Task Embeddings_that_report_their_input_are_not_estimated()
    {
        var embeddings = new NoUsageEmbeddings { Report = true };

        var run = await DreamAsync(new ReportingModel(), embeddings, tokenBudget: null);

        var curate = run.Results.StageUsage.Single(s => s.Stage == "curate");
        Assert.Equal(embeddings.Texts, curate.Usage.InputTokens);
        Assert.Equal(0, curate.EstimatedTokens);
        Assert.False(run.Results.BudgetTokensEstimated);
    }

    private static async Task<DreamRun> DreamAsync(ReportingModel model, NoUsageEmbeddings embeddings, long? tokenBudget)
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));
        var consolidator = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxPairs: 0), embeddings: embeddings);
        return await consolidator.DreamAsync(new DreamRunRequest { Scope = s_scope, TokenBudget = tokenBudget });
    }

    /// <summary>Answers every call with one lesson padded to 1,000 characters (more than the useful answer the reflector
    /// checks for before a call), reporting as usage what the reflector would estimate for it.</summary>
    private sealed class ReportingModel : IChatClient
    {
        private static readonly string Reply = """{"lessons":[{"finding":0,"text":"Refund at most the order total, which the order lookup gives."}],"pad":""" + "\"" + new string(' ', 900) + "\"}";

        public long Reported { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var input = messages.Sum(m => (long)m.Text.Length) / 4;
            var output = (Reply.Length + 3) / 4;
            Reported += input + output;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Reply))
            {
                Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>Embeds each text as a distinct vector, reporting no usage (or, with <see cref="Report"/>, one input token
    /// a text), and adds up the characters it was sent.</summary>
    private sealed class NoUsageEmbeddings : IEmbeddingGenerator<string, Embedding<float>>
    {
        public bool Report { get; init; }

        public long Characters { get; private set; }

        public int Texts { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            Characters += list.Sum(t => (long)t.Length);
            Texts += list.Count;
            var result = new GeneratedEmbeddings<Embedding<float>>(list.Select((t, i) => new Embedding<float>(new[] { t.Length, i + 1f })))
            {
                Usage = Report ? new UsageDetails { InputTokenCount = list.Count } : null,
            };
            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
