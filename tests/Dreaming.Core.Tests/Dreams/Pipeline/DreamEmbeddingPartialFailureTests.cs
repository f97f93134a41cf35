using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>An embedding generator that fails part-way (a later batch throws) was billed for the batches it answered: the
/// dream goes on without embeddings, but their usage and estimates stay in the curate stage and its budget check.</summary>
public class DreamEmbeddingPartialFailureTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

    [Fact]
    public async Task The_usage_of_the_batches_embedded_before_a_failing_one_is_kept_in_the_curate_stage()
    {
        var generator = new SecondBatchFails { Report = true };

        var run = await DreamAsync(generator, tokenBudget: null);

        Assert.Equal(2, generator.Calls);
        Assert.Equal(256, generator.FirstBatch);
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Contains("embeddings failed, lessons merged by wording only: batch two timed out", run.Results.Note, StringComparison.Ordinal);
        var curate = run.Results.StageUsage.Single(s => s.Stage == "curate");
        Assert.Equal(25_600, curate.Usage.InputTokens);
        Assert.Equal(0, curate.EstimatedTokens);
        Assert.Equal(25_600, run.Results.BudgetTokensUsed);
    }

    [Fact]
    public async Task The_estimate_of_unreported_batches_before_a_failing_one_is_kept()
    {
        var generator = new SecondBatchFails { Report = false };

        var run = await DreamAsync(generator, tokenBudget: null);

        var curate = run.Results.StageUsage.Single(s => s.Stage == "curate");
        Assert.Equal(0, curate.Usage.InputTokens);
        Assert.Equal(generator.FirstBatchCharacters / 4, curate.EstimatedTokens);
        Assert.True(curate.EstimatedTokens > 0);
        Assert.True(run.Results.BudgetTokensEstimated);
    }

    [Fact]
    public async Task The_budget_check_counts_the_batches_embedded_before_a_failing_one()
    {
        var run = await DreamAsync(new SecondBatchFails { Report = true }, tokenBudget: 10_000);

        Assert.True(run.Results.BudgetReached);
        Assert.Contains("token budget reached by the embeddings: 25600 of 10000 tokens used", run.Results.Note, StringComparison.Ordinal);
        Assert.Equal(25_600, run.Results.BudgetTokensUsed);
    }

    [Fact]
    public async Task A_call_that_answered_with_the_wrong_number_of_vectors_is_still_counted()
    {
        var generator = new SecondBatchFails { Report = true, DropOne = true };

        var run = await DreamAsync(generator, tokenBudget: null);

        Assert.Equal(1, generator.Calls);
        Assert.Contains("embeddings failed, lessons merged by wording only: The embedding generator returned 255 vectors for 256 texts.", run.Results.Note, StringComparison.Ordinal);
        Assert.Equal(25_600, run.Results.StageUsage.Single(s => s.Stage == "curate").Usage.InputTokens);
    }

    // A reflector that costs nothing and gives one free-text lesson, and 300 active insights in memory: the texts to embed
    // take two batches (256 a batch).
    private static async Task<DreamRun> DreamAsync(SecondBatchFails generator, long? tokenBudget)
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));
        var memory = new InMemoryMemoryStore();
        var person = MemoryAuthor.Person("alice");
        var insights = Enumerable.Range(0, 300).Select(i => new Insight
        {
            Id = $"ins-{i:D3}",
            Text = $"Lesson number {i:D3}: check the booking before step {i}.",
            Scope = s_scope,
            Status = InsightStatus.Active,
            Source = InsightSource.Reflected,
            Triggers = new InsightTriggers { Tools = ["book_reservation"] },
            Evidence = [new InsightEvidence("s99")],
            CreatedAt = s_now.AddDays(-1),
            UpdatedAt = s_now.AddDays(-1),
        }).ToList();
        var v1 = await memory.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = person, Insights = insights });
        await memory.ApproveAsync(v1.Id, person);
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"lessons":[{"finding":0,"text":"Refund at most the order total."}]}""")) { Usage = new UsageDetails { InputTokenCount = 0, OutputTokenCount = 0 } }),
        };
        var consolidator = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxPairs: 0), embeddings: generator);
        return await consolidator.DreamAsync(new DreamRunRequest { Scope = s_scope, TokenBudget = tokenBudget }).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Answers the first batch (reporting 100 input tokens a text, or with <see cref="Report"/> off no usage) and
    /// throws on the second, as a provider whose call timed out.</summary>
    private sealed class SecondBatchFails : IEmbeddingGenerator<string, Embedding<float>>
    {
        public bool Report { get; init; }

        public bool DropOne { get; init; }

        public int Calls { get; private set; }

        public int FirstBatch { get; private set; }

        public long FirstBatchCharacters { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            if (++Calls > 1)
            {
                throw new TimeoutException("batch two timed out");
            }

            FirstBatch = list.Count;
            FirstBatchCharacters = list.Sum(t => (long)t.Length);
            var result = new GeneratedEmbeddings<Embedding<float>>(list.Skip(DropOne ? 1 : 0).Select((t, i) => new Embedding<float>(new[] { t.Length, i + 1f })))
            {
                Usage = Report ? new UsageDetails { InputTokenCount = list.Count * 100 } : null,
            };
            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
