namespace Dreaming.Tests;

/// <summary>The scope, time, existing insights and candidates the curation tests of the embedding merge, contradictions
/// and the budget share, and the curation of them.</summary>
internal static class CurationCases
{
    public static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    public static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

    public static CurationResult Curate(IReadOnlyList<Insight> current, IReadOnlyList<LessonCandidate> candidates, TextEmbeddings? embeddings = null) =>
        MemoryCurator.Curate(current, candidates, [], s_scope, _ => [], s_now, embeddings: embeddings);

    public static Insight Existing(string id, string text, string session, InsightSource source) => new()
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

    public static LessonCandidate Candidate(string text, params string[] sessions) => new()
    {
        Kind = InsightKind.Lesson,
        Text = text,
        Triggers = new InsightTriggers { Tools = ["book_reservation"] },
        Evidence = sessions.Select(s => new InsightEvidence(s)).ToList(),
        Source = InsightSource.Reflected,
        Finding = DreamTestData.ToolErrorFinding("book_reservation"),
    };
}
