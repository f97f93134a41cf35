using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class DreamConsolidatorTests
{
    [Fact]
    public async Task Too_few_sessions_leave_the_cursor_so_they_are_read_with_the_next_ones()
    {
        var (traces, _, _, dreams) = Create();
        await SeedAsync(traces, failing: 4, passing: 2);
        var early = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });
        await SeedAsync(traces, failing: 4, passing: 4, offset: 6);

        var later = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Contains("not enough sessions (6 < 10)", early.Results.Note, StringComparison.Ordinal);
        Assert.Null(early.Results.Cursor);
        Assert.Equal(14, later.Results.SessionIds.Count);
        Assert.NotNull(later.Results.OutputVersionId);
    }

    [Fact]
    public async Task A_backlog_larger_than_one_dream_is_read_oldest_first_across_dreams_and_nothing_is_skipped()
    {
        var (traces, _, _, dreams) = Create();
        await SeedAsync(traces, failing: 15, passing: 15);
        var request = new DreamRunRequest { Scope = s_scope, MaxSessions = 12, MinSessions = 5 };

        var runs = new List<DreamRun>();
        for (var i = 0; i < 4; i++)
        {
            runs.Add(await dreams.DreamAsync(request));
        }

        Assert.Equal([12, 12, 6, 0], runs.Select(r => r.Results.SessionIds.Count));
        var read = runs.SelectMany(r => r.Results.SessionIds).ToList();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"s{i:D3}"), read);
    }

    [Fact]
    public async Task Sessions_graded_after_a_dream_passed_their_end_are_read_once_by_the_next_dream()
    {
        var (traces, _, _, dreams) = Create();
        var ungraded = Enumerable.Range(0, 10).Select(i => new SessionWithEvents(
            new SessionRecord { Id = $"u{i:D2}", AgentId = s_scope.Id, Task = "Refund order", Status = SessionStatus.Completed, StartedAt = s_start.AddMinutes(i), EndedAt = s_start.AddMinutes(i).AddSeconds(30) },
            [])).ToList();
        await traces.ImportAsync(ungraded);
        await SeedAsync(traces, failing: 6, passing: 6, offset: 20);
        var first = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });
        foreach (var session in ungraded)
        {
            await traces.SetOutcomeAsync(session.Session.Id, SessionOutcome.Succeeded(source: "human"));
        }

        var second = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });
        var third = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope, MinSessions = 1 });

        Assert.Equal(12, first.Results.SessionIds.Count);
        Assert.Equal(ungraded.Select(s => s.Session.Id), second.Results.SessionIds);
        Assert.Equal(first.Results.Cursor, second.Results.Cursor); // read from behind the cursor: it does not move back
        Assert.Empty(third.Results.SessionIds);
    }

    [Fact]
    public async Task Older_sessions_imported_after_a_dream_are_read_with_the_new_ones_oldest_first()
    {
        var (traces, _, _, dreams) = Create();
        await SeedAsync(traces, failing: 6, passing: 6, offset: 100);
        var first = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });
        await SeedAsync(traces, failing: 3, passing: 3, offset: 0);     // older logs, imported late
        await SeedAsync(traces, failing: 2, passing: 2, offset: 200);   // new sessions

        var second = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope, MinSessions = 5 });

        Assert.Equal(12, first.Results.SessionIds.Count);
        Assert.Equal(["s000", "s001", "s002", "s003", "s004", "s005", "s200", "s201", "s202", "s203"], second.Results.SessionIds);
        Assert.Equal("s203", second.Results.Cursor!.SessionId);
    }

    [Fact]
    public async Task Too_few_sessions_say_why_when_sessions_have_no_outcome()
    {
        var (traces, memory, _, dreams) = Create();
        await SeedAsync(traces, failing: 3, passing: 0);
        await traces.ImportAsync(Enumerable.Range(0, 20).Select(i => new SessionWithEvents(
            new SessionRecord { Id = $"u{i:D2}", AgentId = s_scope.Id, Task = "t", Status = SessionStatus.Completed, StartedAt = s_start, EndedAt = s_start.AddSeconds(i + 1) },
            [])).ToList());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Contains("not enough sessions (3 < 10) — of 23 recorded: 20 finished without an outcome or label; memory unchanged", run.Results.Note, StringComparison.Ordinal);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));
    }
}
