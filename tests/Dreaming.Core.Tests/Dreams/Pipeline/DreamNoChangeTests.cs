namespace Dreaming.Tests;

public partial class DreamConsolidatorTests
{
    [Fact]
    public async Task A_dream_whose_only_changes_are_rejections_writes_no_version()
    {
        // Night after night the lesson retired as harmful is found again and rejected: with nothing else to change, each of
        // those dreams used to write a version identical to its parent, one a night, for a person to wade through.
        var (traces, memory, _, dreams) = Create();
        await SeedAsync(traces, failing: 8, passing: 6);
        var first = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });
        var active = (await memory.GetActiveVersionAsync(s_scope))!;
        var lesson = active.Insights.Single(i => i.Triggers.Tools.Contains("refund"));
        var edit = await memory.EditAsync(active.Id, new MemoryEdit
        {
            Author = MemoryAuthor.Person("alice"),
            Upserts = [lesson with { Status = InsightStatus.Retired, Harmful = 5, Seen = 5 }],
        });
        await memory.ApproveAsync(edit.Id, MemoryAuthor.Person("alice"));
        var versions = (await memory.ListVersionsAsync(s_scope)).Count;
        await SeedAsync(traces, failing: 8, passing: 6, offset: 100);

        var second = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Completed, first.Status);
        Assert.Equal(DreamRunStatus.Completed, second.Status);
        Assert.Contains(second.Results.Report.Changes, c => c.Op == DreamChangeOp.Reject && c.InsightId == lesson.Id);
        Assert.All(second.Results.Report.Changes, c => Assert.Equal(DreamChangeOp.Reject, c.Op));
        Assert.Null(second.Results.OutputVersionId);
        Assert.Equal(versions, (await memory.ListVersionsAsync(s_scope)).Count);
        Assert.Equal(edit.Id, (await memory.GetActiveVersionAsync(s_scope))!.Id);
        Assert.Contains("memory unchanged", second.Results.Note, StringComparison.Ordinal);
    }
}
