using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

public class CurationMergeContradictionBudgetTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

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

    [Fact]
    public void A_newer_better_supported_lesson_retires_the_one_it_contradicts()
    {
        var older = Existing("ins-old", "Always confirm the payment total before calling book_reservation.", "s1", InsightSource.Reflected);
        var newer = Candidate("Do not confirm the payment total before calling book_reservation.", "s2", "s3", "s4");

        var result = Curate([older], [newer]);

        Assert.Equal(InsightStatus.Retired, result.Insights.Single(i => i.Id == "ins-old").Status);
        Assert.Contains(result.Insights, i => i.Text == newer.Text && i.Status == InsightStatus.Active);
        Assert.Contains(result.Changes, c => c.Op == DreamChangeOp.Retire && c.InsightId == "ins-old" && c.Reason.Contains("contradicted by a newer lesson", StringComparison.Ordinal));
    }

    [Fact]
    public void A_contradicting_lesson_with_less_support_or_against_a_person_is_rejected_and_reported()
    {
        var supported = Existing("ins-old", "Always confirm the payment total before calling book_reservation.", "s1", InsightSource.Reflected) with { Helpful = 4 };
        var human = Existing("ins-human", "Never call book_reservation before the customer confirms the price.", "s1", InsightSource.Human);
        var weak = Candidate("Do not confirm the payment total before calling book_reservation.", "s2");
        var strong = Candidate("Always call book_reservation before the customer confirms the price.", "s2", "s3", "s4", "s5", "s6");

        var result = Curate([supported, human], [weak, strong]);

        Assert.All(result.Insights, i => Assert.Equal(InsightStatus.Active, i.Status));
        Assert.Equal(2, result.Insights.Count);
        var rejects = result.Changes.Where(c => c.Op == DreamChangeOp.Reject).ToList();
        Assert.Equal(["ins-old", "ins-human"], rejects.Select(c => c.InsightId));
        Assert.Contains("better supported (5 against 1)", rejects[0].Reason, StringComparison.Ordinal);
        Assert.Contains("which a person wrote", rejects[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lesson_whose_evidence_is_at_the_bound_is_not_retired_by_a_contradiction_with_as_many_sessions()
    {
        // The bound keeps MaxEvidence sessions of a lesson that showed more: a contradicting lesson with as many sessions has
        // less support, not as much, and retired it before.
        var options = new CurationOptions { MaxEvidence = 3 };
        var older = Existing("ins-old", "Always confirm the payment total before calling book_reservation.", "s1", InsightSource.Reflected) with
        {
            Evidence = [new InsightEvidence("s1"), new InsightEvidence("s2"), new InsightEvidence("s3")],
        };
        var newer = Candidate("Do not confirm the payment total before calling book_reservation.", "s4", "s5", "s6");

        var result = MemoryCurator.Curate([older], [newer], [], s_scope, _ => [], s_now, options);

        Assert.Equal(InsightStatus.Active, Assert.Single(result.Insights).Status);
        var reject = Assert.Single(result.Changes);
        Assert.Equal(DreamChangeOp.Reject, reject.Op);
        Assert.Contains("(3 against 3, its evidence at the bound of 3 sessions)", reject.Reason, StringComparison.Ordinal);

        // More sessions than the bound count as the bound: the tie is the same.
        Assert.Equal(DreamChangeOp.Reject, Assert.Single(MemoryCurator.Curate([older], [Candidate(newer.Text, "s4", "s5", "s6", "s7", "s8")], [], s_scope, _ => [], s_now, options).Changes).Op);
    }

    [Fact]
    public void Of_two_new_lessons_that_contradict_each_other_the_stronger_one_stays_and_the_other_is_rejected()
    {
        // Both come from this dream, with as much support: the first (from the stronger finding) is not "older", and a
        // lesson added a moment ago must not be retired by a weaker one from the same sessions.
        var stronger = Candidate("Always confirm the payment total before calling book_reservation.", "s1", "s2");
        var weaker = Candidate("Do not confirm the payment total before calling book_reservation.", "s3", "s4");

        var result = Curate([], [stronger, weaker]);

        var kept = Assert.Single(result.Insights);
        Assert.Equal(stronger.Text, kept.Text);
        Assert.Equal(InsightStatus.Active, kept.Status);
        Assert.DoesNotContain(result.Changes, c => c.Op == DreamChangeOp.Retire);
        var reject = Assert.Single(result.Changes, c => c.Op == DreamChangeOp.Reject);
        Assert.Equal(kept.Id, reject.InsightId);
        Assert.Equal(weaker.Text, reject.Text);
        Assert.Contains("added by this dream from a stronger finding", reject.Reason, StringComparison.Ordinal);

        // With more support, the later one still wins, and the one it replaces is retired.
        var better = Candidate("Do not confirm the payment total before calling book_reservation.", "s3", "s4", "s5");
        var replaced = Curate([], [stronger, better]);
        Assert.Equal(better.Text, Assert.Single(replaced.Insights, i => i.Status == InsightStatus.Active).Text);
        Assert.Contains(replaced.Changes, c => c.Op == DreamChangeOp.Retire && c.Text == stronger.Text);
    }

    [Fact]
    public void Lessons_on_different_subjects_or_with_the_same_polarity_are_not_contradictions()
    {
        var existing = Existing("ins-1", "Always confirm the payment total before calling book_reservation.", "s1", InsightSource.Reflected);
        var result = Curate([existing], [Candidate("Do not retry search_flights with the same dates.", "s2"), Candidate("Always confirm the cabin class before calling book_reservation.", "s3")]);
        Assert.DoesNotContain(result.Changes, c => c.Op is DreamChangeOp.Reject or DreamChangeOp.Retire);
    }

    [Fact]
    public void The_committed_memory_is_capped_to_its_token_budget_holding_back_the_least_useful_without_deleting()
    {
        var useful = Existing("ins-useful", new string('u', 200), "s1", InsightSource.Reflected) with { Helpful = 9, Seen = 10 };
        var useless = Existing("ins-useless", new string('x', 200), "s1", InsightSource.Reflected) with { Helpful = 0, Seen = 20 };
        var human = Existing("ins-human", new string('h', 400), "s1", InsightSource.Human) with { Seen = 50 };
        var options = new CurationOptions { MemoryTokenBudget = 200 };

        var result = MemoryCurator.Curate([useful, useless, human], [Candidate(new string('n', 200), "s2")], [], s_scope, _ => [], s_now, options);

        Assert.Equal(4, result.Insights.Count);
        Assert.Equal(InsightStatus.Active, result.Insights.Single(i => i.Id == "ins-human").Status);
        Assert.Equal(InsightStatus.Active, result.Insights.Single(i => i.Id == "ins-useful").Status);
        Assert.Equal(InsightStatus.Proposed, result.Insights.Single(i => i.Id == "ins-useless").Status);
        Assert.Equal(InsightStatus.Proposed, result.Insights.Single(i => i.Text.StartsWith('n')).Status);
        Assert.Contains(result.Changes, c => c.Op == DreamChangeOp.Update && c.InsightId == "ins-useless" && c.Reason.Contains("over its 200-token budget", StringComparison.Ordinal));
        Assert.Contains(result.Changes, c => c.Op == DreamChangeOp.Add && c.Reason.Contains("held back as proposed", StringComparison.Ordinal));

        var roomier = MemoryCurator.Curate(result.Insights, [], [], s_scope, _ => [], s_now.AddDays(1), new CurationOptions { MemoryTokenBudget = 1000 });
        Assert.All(roomier.Insights, i => Assert.Equal(InsightStatus.Active, i.Status));
        Assert.Equal(2, roomier.Changes.Count(c => c.Reason.StartsWith("activated", StringComparison.Ordinal)));
        var rendered = InsightRanker.Render(new MemoryVersion { Id = "v", Number = 1, Scope = s_scope, Insights = result.Insights, Author = MemoryAuthor.Person("p"), State = MemoryVersionState.Active, CreatedAt = s_now }, "task", [], 10_000)!;
        Assert.DoesNotContain("ins-useless", rendered.InsightIds);
    }

    [Fact]
    public void New_lessons_that_tie_on_usefulness_are_held_back_by_their_order_so_the_same_sessions_give_the_same_memory()
    {
        // Forty new lessons with equal counters, evidence and creation time, strongest first: the budget (50 tokens)
        // holds one. It must be the strongest, every time, not whichever got the smallest random id.
        var candidates = Enumerable.Range(0, 40)
            .Select(i => Candidate($"Lesson {(char)('a' + (i / 26))}{(char)('a' + (i % 26))}: " + string.Join(' ', Enumerable.Range(0, 20).Select(k => new string((char)('a' + (k % 26)), 3) + (char)('a' + (i / 26)) + (char)('a' + (i % 26)))), "s1", "s2") with { Triggers = new InsightTriggers { Tools = [$"tool{i}"] } })
            .ToList();
        var options = new CurationOptions { MemoryTokenBudget = 50 };

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var result = MemoryCurator.Curate([], candidates, [], s_scope, _ => [], s_now, options);

            var active = Assert.Single(result.Insights, i => i.Status == InsightStatus.Active);
            Assert.StartsWith("Lesson aa:", active.Text, StringComparison.Ordinal);
            Assert.Equal(39, result.Insights.Count(i => i.Status == InsightStatus.Proposed));
        }
    }

    [Fact]
    public void Insights_that_tie_on_usefulness_are_ranked_by_their_evidence_sessions_not_by_entries_naming_one_session_again()
    {
        // Written through the API, an insight may cite one session at three events: it has one session of evidence, the
        // other two, and the budget (50 tokens) holds one of them.
        var repeated = Existing("ins-repeated", new string('r', 100), "s1", InsightSource.Reflected) with
        {
            Evidence = [new InsightEvidence("s1", 4), new InsightEvidence("s1", 9), new InsightEvidence("s1", 12)],
        };
        var two = Existing("ins-two", new string('t', 100), "s2", InsightSource.Reflected) with { Evidence = [new InsightEvidence("s2"), new InsightEvidence("s3")] };

        var result = MemoryCurator.Curate([repeated, two], [], [], s_scope, _ => [], s_now, new CurationOptions { MemoryTokenBudget = 50 });

        Assert.Equal(InsightStatus.Active, result.Insights.Single(i => i.Id == "ins-two").Status);
        Assert.Equal(InsightStatus.Proposed, result.Insights.Single(i => i.Id == "ins-repeated").Status);
    }

    [Fact]
    public void New_curation_options_are_validated_by_name()
    {
        Assert.Contains("MemoryTokenBudget", Assert.Throws<ArgumentOutOfRangeException>(() => new CurationOptions { MemoryTokenBudget = 10 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("EmbeddingSimilarity", Assert.Throws<ArgumentOutOfRangeException>(() => new CurationOptions { EmbeddingSimilarity = 1.5 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("ContradictionSimilarity", Assert.Throws<ArgumentOutOfRangeException>(() => new CurationOptions { ContradictionSimilarity = 0 }.Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curation_options_come_from_the_container_and_are_validated_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        services.Configure<CurationOptions>(o => o.MemoryTokenBudget = 60);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ITraceStore>().ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));

        var run = await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope });
        var version = await provider.GetRequiredService<IMemoryStore>().GetActiveVersionAsync(s_scope);
        Assert.Contains(version!.Insights, i => i.Status == InsightStatus.Proposed);
        Assert.Contains(run.Results.Report.Changes, c => c.Reason.Contains("over its 60-token budget", StringComparison.Ordinal));

        var bad = new ServiceCollection();
        bad.AddDreamingAgents();
        bad.Configure<CurationOptions>(o => o.MemoryTokenBudget = 1);
        await using var badProvider = bad.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<CurationOptions>>().Value);
        Assert.Contains("CurationOptions.MemoryTokenBudget", ex.Message, StringComparison.Ordinal);
    }

    private static CurationResult Curate(IReadOnlyList<Insight> current, IReadOnlyList<LessonCandidate> candidates, TextEmbeddings? embeddings = null) =>
        MemoryCurator.Curate(current, candidates, [], s_scope, _ => [], s_now, embeddings: embeddings);

    private static Insight Existing(string id, string text, string session, InsightSource source) => new()
    {
        Id = id,
        Text = text,
        Scope = s_scope,
        Status = InsightStatus.Active,
        Source = source,
        Triggers = new InsightTriggers { Tools = ["book_reservation"] },
        Evidence = [new InsightEvidence(session)],
        CreatedAt = s_now.AddDays(-1),
        UpdatedAt = s_now.AddDays(-1),
    };

    private static LessonCandidate Candidate(string text, params string[] sessions) => new()
    {
        Kind = InsightKind.Lesson,
        Text = text,
        Triggers = new InsightTriggers { Tools = ["book_reservation"] },
        Evidence = sessions.Select(s => new InsightEvidence(s)).ToList(),
        Source = InsightSource.Reflected,
        Finding = DreamTestData.ToolErrorFinding("book_reservation"),
    };

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
