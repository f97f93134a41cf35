using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Sqlite.Tests;

public sealed class SqliteDreamRunStoreTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Starts_racing_from_several_stores_on_one_file_let_exactly_one_dream_run_per_scope()
    {
        var path = _folder.File("race.db");
        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteDreamRunStore(path)).ToList();
        try
        {
            var runs = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => stores[i % stores.Count].CreateAsync(new DreamRunRequest { Scope = Bot })));
            var outcomes = await Task.WhenAll(runs.Select((run, i) => Task.Run(async () =>
            {
                try
                {
                    await stores[i % stores.Count].StartAsync(run.Id, "process-" + (i % stores.Count), Lease);
                    return (string?)null;
                }
                catch (DreamConflictException conflict)
                {
                    return conflict.RunningRunId;
                }
            })));

            var winner = Assert.Single(runs, run => outcomes[Array.IndexOf(runs, run)] is null);
            Assert.All(outcomes.Where(outcome => outcome is not null), outcome => Assert.Equal(winner.Id, outcome));
            Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM dream_runs WHERE status = 'running'"));
            Assert.Equal(11, SqliteFiles.Long(path, "SELECT count(*) FROM dream_runs WHERE status = 'pending'"));
        }
        finally
        {
            stores.ForEach(store => store.Dispose());
        }
    }

    [Fact]
    public async Task Runs_survive_reopening_with_their_results()
    {
        var path = _folder.File("reopen.db");
        var clock = new FakeTimeProvider(BaseTime.AddTicks(4321));
        var results = new DreamRunResults
        {
            InputVersionId = "mv-1",
            SessionIds = ["s1", "s2"],
            Cursor = new DreamCursor(BaseTime, "s2"),
            StageUsage = [new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.FromMilliseconds(12))],
            Report = new DreamReport { BaseFailureRate = 0.5, Changes = [new DreamChange { Op = DreamChangeOp.Merge, InsightId = "ins-1", Text = "t", Reason = "duplicate of ins-2" }] },
            OutputVersionId = "mv-2",
            Note = "1 change",
        };
        string id;
        using (var store = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = path }, clock))
        {
            id = (await store.CreateAsync(new DreamRunRequest { Scope = Bot, Instructions = "refunds", ReviewMode = DreamReviewMode.RequireApproval })).Id;
            await store.StartAsync(id, "host", Lease);
            clock.Advance(TimeSpan.FromMinutes(1));
            await store.CompleteAsync(id, results);
        }

        using var reopened = new SqliteDreamRunStore(path);
        var run = (await reopened.GetLastCompletedAsync(Bot))!;
        Assert.Equal(id, run.Id);
        Assert.Equal(BaseTime, run.RequestedAt);
        Assert.Equal(BaseTime.AddMinutes(1), run.EndedAt);
        Assert.Equal(DreamReviewMode.RequireApproval, run.Request.ReviewMode);
        Assert.Equal("refunds", run.Request.Instructions);
        Assert.Equal(results.SessionIds, run.Results.SessionIds);
        Assert.Equal(results.Cursor, run.Results.Cursor);
        Assert.Equal(results.StageUsage, run.Results.StageUsage);
        Assert.Equal(results.Report.Changes, run.Results.Report.Changes);
        Assert.Equal("mv-2", run.Results.OutputVersionId);
        Assert.Equal("require_approval", SqliteFiles.Scalar(path, "SELECT review_mode FROM dream_runs"));
        Assert.Contains("\"op\":\"merge\"", (string)SqliteFiles.Scalar(path, "SELECT report FROM dream_runs")!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_process_stops_mid_dream_a_restart_recovers_the_run_as_failed_with_its_partial_results()
    {
        var path = _folder.File("killed.db");
        var clock = new FakeTimeProvider(BaseTime);
        var options = new SqliteTraceStoreOptions { ConnectionString = path };
        string id;

        // The first process starts a dream, records progress, and stops without finishing or renewing.
        using (var first = new SqliteDreamRunStore(options, clock))
        {
            id = (await first.CreateAsync(new DreamRunRequest { Scope = Bot })).Id;
            await first.StartAsync(id, "process-1", Lease);
            await first.UpdateProgressAsync(id, new DreamRunResults { InputVersionId = "mv-1", SessionIds = ["s1", "s2", "s3"], Note = "mined" });
        }

        clock.Advance(Lease + TimeSpan.FromSeconds(1));
        using var restarted = new SqliteDreamRunStore(options, clock);
        var blocked = await restarted.CreateAsync(new DreamRunRequest { Scope = Bot });
        var recovered = Assert.Single(await restarted.RecoverAbandonedAsync());

        Assert.Equal(id, recovered.Id);
        Assert.Equal(DreamRunStatus.Failed, recovered.Status);
        Assert.Equal("abandoned: lease expired (process stopped?)", recovered.Error);
        Assert.Equal(["s1", "s2", "s3"], recovered.Results.SessionIds);
        Assert.Equal("mv-1", recovered.Results.InputVersionId);
        Assert.Equal(DreamRunStatus.Running, (await restarted.StartAsync(blocked.Id, "process-2", Lease)).Status);
    }

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
        var path = _folder.File("written.db");
        var clock = new FakeTimeProvider(BaseTime);
        var options = new SqliteTraceStoreOptions { ConnectionString = path };
        using var runs = new SqliteDreamRunStore(options, clock);
        using var memory = new SqliteMemoryStore(options, clock);
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot, ReviewMode = mode });
        await runs.StartAsync(run.Id, "process-1", Lease);
        var proposal = TestProposals.Mined(Bot, BaseTime, null, "i1") with { Author = MemoryAuthor.DreamRun(version == "another author" ? "dr-other" : run.Id) };
        var written = await memory.ProposeAsync(proposal);
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
            await memory.ApproveAsync((await memory.ProposeAsync(TestProposals.Mined(Bot, BaseTime, written.Id, "i1", "i2"))).Id, MemoryAuthor.Person("alice"));
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
        Assert.Equal(expected == DreamRunStatus.Failed ? "2 lessons" : "2 lessons; " + SqliteDreamRunWriter.RecoveredNote, recovered.Results.Note);
        Assert.Equal(expected == DreamRunStatus.Completed ? run.Id : null, (await runs.GetLastCompletedAsync(Bot))?.Id);
    }

    [Fact]
    public async Task The_file_itself_refuses_deletes_request_changes_changes_to_finished_runs_and_two_running_runs()
    {
        var path = _folder.File("guards.db");
        using var store = new SqliteDreamRunStore(path);
        var done = await store.CreateAsync(new DreamRunRequest { Scope = Bot });
        await store.StartAsync(done.Id, "host", Lease);
        await store.CompleteAsync(done.Id, DreamRunResults.Empty with { Note = "final" });
        var running = await store.CreateAsync(new DreamRunRequest { Scope = Bot });
        await store.StartAsync(running.Id, "host", Lease);
        await store.CreateAsync(new DreamRunRequest { Scope = Bot });

        string[] refused =
        [
            "DELETE FROM dream_runs",
            "UPDATE dream_runs SET instructions = 'rewritten'",
            $"UPDATE dream_runs SET note = 'rewritten' WHERE id = '{done.Id}'",
            "UPDATE dream_runs SET status = 'running' WHERE status = 'pending'",
        ];
        foreach (var sql in refused)
        {
            Assert.Throws<SqliteException>(() => SqliteFiles.Execute(path, sql));
        }

        Assert.Equal(3, SqliteFiles.Long(path, "SELECT count(*) FROM dream_runs"));
        Assert.Equal("final", (await store.GetAsync(done.Id))!.Results.Note);
    }

    [Fact]
    public async Task A_value_written_by_a_newer_library_is_reported_naming_the_run()
    {
        var path = _folder.File("newer.db");
        using var store = new SqliteDreamRunStore(path);
        var run = await store.CreateAsync(new DreamRunRequest { Scope = Bot });
        SqliteFiles.Execute(path, "UPDATE dream_runs SET status = 'paused'");

        var error = await Assert.ThrowsAsync<TraceStoreException>(() => store.GetAsync(run.Id));

        Assert.Contains(run.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains("'paused'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disposed_store_throws_ObjectDisposedException()
    {
        var store = new SqliteDreamRunStore(_folder.File("disposed.db"));
        await store.InitializeAsync();
        store.Dispose();
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CreateAsync(new DreamRunRequest { Scope = Bot }));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("dr-1"));
    }

    [Fact]
    public async Task UseSqliteStore_puts_dream_runs_in_the_same_file_as_traces_and_memory()
    {
        var path = _folder.File("di.db");
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(path);

        await using (var provider = services.BuildServiceProvider())
        {
            var runs = Assert.IsType<SqliteDreamRunStore>(provider.GetRequiredService<IDreamRunStore>());
            Assert.Same(runs, provider.GetRequiredService<IDreamRunStore>());
            Assert.Equal(path, runs.Location);
            Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IDreamRunStore));
            var memory = provider.GetRequiredService<IMemoryStore>();
            await Task.WhenAll(
                runs.CreateAsync(new DreamRunRequest { Scope = Bot }),
                memory.ProposeAsync(new MemoryProposal { Scope = Bot, Author = MemoryAuthor.Person("alice"), Insights = [] }));
        }

        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM dream_runs"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM memory_versions"));
    }
}
