using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>What a recovery makes of a run whose host stopped after it wrote its memory version, and what the stores
/// report of rows a newer library wrote: as SQLite's tests prove for the file.</summary>
public sealed class PostgresDreamRunRecoveryTests : PostgresStoreFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(DreamReviewMode.Auto, "proposed", DreamRunStatus.Failed)]
    [InlineData(DreamReviewMode.Auto, "active", DreamRunStatus.Completed)]
    [InlineData(DreamReviewMode.Auto, "superseded", DreamRunStatus.Completed)]
    [InlineData(DreamReviewMode.RequireApproval, "proposed", DreamRunStatus.Completed)]
    [InlineData(DreamReviewMode.RequireApproval, "rejected", DreamRunStatus.Completed)]
    [InlineData(DreamReviewMode.Auto, "another author", DreamRunStatus.Failed)]
    [InlineData(DreamReviewMode.RequireApproval, "proposed, not recorded", DreamRunStatus.Completed)]
    public async Task A_run_that_stopped_after_writing_its_memory_version_is_completed_on_recovery_one_that_did_not_is_failed(DreamReviewMode mode, string version, DreamRunStatus expected)
    {
        var clock = new FakeTimeProvider(BaseTime);
        await using var runs = new PostgresDreamRunStore(Options, clock);
        await using var memory = new PostgresMemoryStore(Options, clock);
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot, ReviewMode = mode });
        await runs.StartAsync(run.Id, "process-1", Lease);
        var written = await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.DreamRun(version == "another author" ? "dr-other" : run.Id), "i1"));
        var cursor = new DreamCursor(BaseTime, "s2");

        // Killed between proposing the version and recording it on the run: the version still names the run as its author.
        var recorded = version == "proposed, not recorded" ? null : written.Id;
        await runs.UpdateProgressAsync(run.Id, new DreamRunResults { SessionIds = ["s1", "s2"], Cursor = cursor, OutputVersionId = recorded, Note = "2 lessons" });
        if (version is "active" or "superseded")
        {
            await memory.ApproveAsync(written.Id, MemoryAuthor.DreamRun(run.Id));
        }

        if (version == "superseded")
        {
            await memory.ApproveAsync((await memory.ProposeAsync(Proposal(Bot, written.Id, MemoryAuthor.DreamRun("dr-later"), "i1", "i2"))).Id, MemoryAuthor.Person("alice"));
        }
        else if (version == "rejected")
        {
            await memory.RejectAsync(written.Id, MemoryAuthor.Person("alice"));
        }

        clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var recovered = Assert.Single(await runs.RecoverAbandonedAsync());

        Assert.Equal((run.Id, expected), (recovered.Id, recovered.Status));
        Assert.Equal((expected == DreamRunStatus.Completed ? written.Id : recorded, cursor), (recovered.Results.OutputVersionId, recovered.Results.Cursor));
        Assert.Equal(expected == DreamRunStatus.Failed ? DreamRunStoreRules.AbandonedError : null, recovered.Error);
        Assert.Equal(expected == DreamRunStatus.Failed ? "2 lessons" : "2 lessons; " + PostgresDreamRunWriter.RecoveredNote, recovered.Results.Note);
        Assert.Equal(expected == DreamRunStatus.Completed ? run.Id : null, (await runs.GetLastCompletedAsync(Bot))?.Id);
    }

    [Fact]
    public async Task Values_written_by_a_newer_library_are_reported_naming_the_version_or_run()
    {
        await using var memory = new PostgresMemoryStore(Options);
        await using var runs = new PostgresDreamRunStore(Options);
        var version = await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1"));
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        await ExecuteAsync("UPDATE memory_versions SET state = 'paused'; UPDATE dream_runs SET status = 'paused'");

        var versionError = await Assert.ThrowsAsync<TraceStoreException>(() => memory.GetVersionAsync(version.Id));
        var runError = await Assert.ThrowsAsync<TraceStoreException>(() => runs.GetAsync(run.Id));

        Assert.Contains(version.Id, versionError.Message, StringComparison.Ordinal);
        Assert.Contains("'paused'", versionError.Message, StringComparison.Ordinal);
        Assert.Contains(run.Id, runError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_database_refuses_a_second_active_version_or_running_run_of_a_scope()
    {
        var clock = new FakeTimeProvider(BaseTime);
        await using var memory = new PostgresMemoryStore(Options, clock);
        await using var runs = new PostgresDreamRunStore(Options, clock);
        await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1"));
        await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i2"));
        await runs.StartAsync((await runs.CreateAsync(new DreamRunRequest { Scope = Bot })).Id, "host", Lease);
        await runs.CreateAsync(new DreamRunRequest { Scope = Bot });

        var versions = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync("UPDATE memory_versions SET state = 'active'"));
        var running = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync("UPDATE dream_runs SET status = 'running'"));

        Assert.Equal((PostgresErrorCodes.UniqueViolation, "ux_memory_versions_active"), (versions.SqlState, versions.ConstraintName));
        Assert.Equal((PostgresErrorCodes.UniqueViolation, "ux_dream_runs_running"), (running.SqlState, running.ConstraintName));
    }
}
