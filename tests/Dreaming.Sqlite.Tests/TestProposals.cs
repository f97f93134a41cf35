namespace Dreaming.Sqlite.Tests;

/// <summary>Memory proposals for the store tests.</summary>
internal static class TestProposals
{
    /// <summary>A dream run's proposal for <paramref name="scope"/>: one mined insight per id, with the text "lesson {id}",
    /// created and updated at <paramref name="at"/>.</summary>
    public static MemoryProposal Mined(MemoryScope scope, DateTimeOffset at, string? parentVersionId, params string[] insightIds) => new()
    {
        Scope = scope,
        ParentVersionId = parentVersionId,
        Author = MemoryAuthor.DreamRun("run-1"),
        Insights = [.. insightIds.Select(id => new Insight
        {
            Id = id,
            Text = "lesson " + id,
            Scope = scope,
            Source = InsightSource.Mined,
            CreatedAt = at,
            UpdatedAt = at,
        })],
    };
}
