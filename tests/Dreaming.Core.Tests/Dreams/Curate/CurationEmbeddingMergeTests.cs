using Microsoft.Extensions.AI;
using static Dreaming.Tests.CurationCases;

namespace Dreaming.Tests;

/// <summary>Curation merging a lesson that says the same in other words, by embeddings: the threshold, the generator's
/// batches, offline dreams that never call it, its tokens in the dream budget, and a dream that survives its failure.</summary>
public class CurationEmbeddingMergeTests
{
    [Fact]
    public void Embeddings_merge_a_lesson_that_says_the_same_in_other_words()
    {
        var existing = Existing("ins-1", "Verify the refund amount against the order total.", "s1", InsightSource.Reflected);
        var candidate = Candidate("Never pay back more than the customer was charged.", "s9");
        var embeddings = TextEmbeddings.From(new Dictionary<string, ReadOnlyMemory<float>>
        {
            [existing.Text] = new[] { 1f, 0f, 0f },
            [candidate.Text] = new[] { 0.95f, 0.3122f, 0f },
        });

        var merged = Curate([existing], [candidate], embeddings: embeddings);
        var apart = Curate([existing], [candidate]);

        Assert.Equal("ins-1", Assert.Single(merged.Insights).Id);
        Assert.Equal(["s1", "s9"], merged.Insights[0].Evidence.Select(e => e.SessionId));
        Assert.Contains("embedding similarity 0.95", Assert.Single(merged.Changes).Reason, StringComparison.Ordinal);
        Assert.Equal(2, apart.Insights.Count);
    }

    [Fact]
    public void Embeddings_below_the_threshold_or_of_templated_lessons_do_not_merge()
    {
        var existing = Existing("ins-1", "Verify the refund amount against the order total.", "s1", InsightSource.Reflected);
        var far = Candidate("Ask for the booking code first.", "s9");
        var mined = Candidate("Calls to `refund` fail; check it.", "s8") with { Source = InsightSource.Mined };
        var embeddings = TextEmbeddings.From(new Dictionary<string, ReadOnlyMemory<float>>
        {
            [existing.Text] = new[] { 1f, 0f },
            [far.Text] = new[] { 0.6f, 0.8f },
            [mined.Text] = new[] { 1f, 0f },
        });

        var result = Curate([existing], [far, mined], embeddings: embeddings);

        Assert.Equal(3, result.Insights.Count);
        Assert.Equal(0.6, embeddings.Similarity(existing.Text, far.Text)!.Value, 3);
        Assert.Null(embeddings.Similarity(existing.Text, "unknown text"));
    }

    [Fact]
    public async Task Embeddings_are_built_from_a_generator_in_batches_of_distinct_texts()
    {
        var generator = new CountingEmbeddingGenerator();
        var texts = Enumerable.Range(0, 300).Select(i => "text " + (i % 290)).ToList();

        var embeddings = await TextEmbeddings.CreateAsync(generator, texts);

        Assert.Equal(290, embeddings.Count);
        Assert.Equal([256, 34], generator.Batches);
        Assert.Equal(290, embeddings.Usage.InputTokens);
    }

    [Fact]
    public async Task An_offline_dream_never_calls_the_embedding_generator()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));
        var generator = new CountingEmbeddingGenerator();

        var run = await new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore(), embeddings: generator).DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.NotNull(run.Results.OutputVersionId);
        Assert.Empty(generator.Batches);
    }

    [Fact]
    public async Task A_dream_with_a_reflector_merges_by_embeddings_a_lesson_already_in_memory_in_other_words()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));
        var memory = new InMemoryMemoryStore();
        var person = MemoryAuthor.Person("alice");
        var existing = Existing("ins-kept", "Verify the refund amount against the order total.", "s99", InsightSource.Reflected) with { Triggers = new InsightTriggers { Tools = ["refund"] } };
        var v1 = await memory.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = person, Insights = [existing] });
        await memory.ApproveAsync(v1.Id, person);
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"lessons":[{"finding":0,"text":"Never pay back more than the customer was charged.","evidence":["s00"]}]}"""))),
        };
        var generator = new CountingEmbeddingGenerator
        {
            Vectors = { ["Verify the refund amount against the order total."] = [1f, 0f], ["Never pay back more than the customer was charged."] = [0.96f, 0.28f] },
        };

        var run = await new DreamConsolidator(traces, memory, new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxPairs: 0), embeddings: generator).DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.NotEmpty(generator.Batches);
        var merge = Assert.Single(run.Results.Report.Changes, c => c.Op == DreamChangeOp.Merge);
        Assert.Equal("ins-kept", merge.InsightId);
        Assert.Contains("embedding similarity 0.96", merge.Reason, StringComparison.Ordinal);
        var active = (await memory.GetActiveVersionAsync(s_scope))!;
        Assert.DoesNotContain(active.Insights, i => i.Text == "Never pay back more than the customer was charged.");
        Assert.Contains("s00", active.Insights.Single(i => i.Id == "ins-kept").Evidence.Select(e => e.SessionId));
        Assert.Equal(2, run.Results.StageUsage.Single(s => s.Stage == "curate").Usage.InputTokens);
    }

    [Fact]
    public async Task Embedding_tokens_count_against_the_dream_budget()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"lessons":[{"finding":0,"text":"Refund at most the order total."}]}""")) { Usage = new UsageDetails { InputTokenCount = 990, OutputTokenCount = 9 } }),
        };
        var generator = new CountingEmbeddingGenerator();

        var run = await new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxPairs: 0), embeddings: generator).DreamAsync(new DreamRunRequest { Scope = s_scope, TokenBudget = 1000 });

        Assert.NotEmpty(generator.Batches);
        Assert.True(run.Results.BudgetReached);
        Assert.Contains("token budget reached by the embeddings: 1000 of 1000 tokens used", run.Results.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dream_survives_a_failing_embedding_generator_with_a_note()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));
        var failing = new CountingEmbeddingGenerator { Fail = true };
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"lessons":[{"finding":0,"text":"Refund at most the order total."}]}"""))),
        };

        var run = await new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxPairs: 0), embeddings: failing).DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Contains("embeddings failed, lessons merged by wording only: generator down", run.Results.Note, StringComparison.Ordinal);
        Assert.NotNull(run.Results.OutputVersionId);
    }

    private sealed class CountingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public List<int> Batches { get; } = [];

        public bool Fail { get; init; }

        public Dictionary<string, float[]> Vectors { get; } = [];

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (Fail)
            {
                throw new HttpRequestException("generator down");
            }

            var list = values.ToList();
            Batches.Add(list.Count);
            var result = new GeneratedEmbeddings<Embedding<float>>(list.Select(t => new Embedding<float>(Vectors.TryGetValue(t, out var v) ? v : new[] { t.Length, 1f })))
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
