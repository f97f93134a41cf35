namespace Dreaming.Sqlite.Tests;

/// <summary>A purge on SQLite: in short transactions, and giving the space back to the file system in the files that
/// allow it (incremental auto-vacuum, set on every new file), without changing files created before.</summary>
public sealed class SqlitePurgeTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_purge_commits_a_batch_at_a_time_so_a_failure_in_the_second_keeps_the_first_batchs_deletions()
    {
        var path = _folder.File("batches.db");
        using var store = new SqliteTraceStore(path);
        await store.ImportAsync(Sessions(0, SqliteTraceStore.PurgeBatchSize + 100, events: 2));

        // A trigger that refuses to delete the 551st oldest session stands for anything that fails a batch part-way.
        SqliteFiles.Execute(path, "CREATE TRIGGER refuse_s000550 BEFORE DELETE ON sessions WHEN OLD.id = 's000550' BEGIN SELECT RAISE(ABORT, 'refused'); END;");

        await Assert.ThrowsAsync<TraceStoreException>(() => store.PurgeAsync(BaseTime.AddDays(1)));

        // One transaction for the whole purge would have kept all 600; the first batch of 500 is gone, with its events.
        Assert.Equal(100, SqliteFiles.Long(path, "SELECT count(*) FROM sessions"));
        Assert.Equal(200, SqliteFiles.Long(path, "SELECT count(*) FROM events"));
        Assert.Null(await store.GetSessionAsync("s000499"));
        Assert.NotNull(await store.GetSessionAsync("s000500"));
    }

    [Fact]
    public async Task A_purge_of_more_than_a_batch_deletes_every_old_ended_session_oldest_first_and_counts_them_all()
    {
        var path = _folder.File("many.db");
        using var store = new SqliteTraceStore(path);
        await store.ImportAsync(Sessions(0, (2 * SqliteTraceStore.PurgeBatchSize) + 1, events: 1));
        await store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "running", AgentId = "a", Task = "t", StartedAt = BaseTime }], []));

        Assert.Equal((2 * SqliteTraceStore.PurgeBatchSize) + 1, await store.PurgeAsync(BaseTime.AddDays(1)));

        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sessions"));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM events"));
        Assert.Equal(0, await store.PurgeAsync(BaseTime.AddDays(1)));
    }

    [Fact]
    public async Task A_new_file_has_incremental_auto_vacuum_and_shrinks_after_a_purge()
    {
        var path = _folder.File("new.db");
        using var store = new SqliteTraceStore(path);
        await store.ImportAsync(Sessions(0, 2000, events: 10));
        Checkpoint(path);
        var before = new FileInfo(path).Length;

        Assert.Equal(2, SqliteFiles.Long(path, "PRAGMA auto_vacuum"));
        Assert.Equal(2000, await store.PurgeAsync(BaseTime.AddDays(1)));
        Checkpoint(path);

        Assert.Equal(0, SqliteFiles.Long(path, "PRAGMA freelist_count"));
        Assert.True(new FileInfo(path).Length < before / 4, $"{new FileInfo(path).Length} bytes after the purge, {before} before");
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    [Fact]
    public async Task A_file_created_without_auto_vacuum_keeps_it_reuses_its_free_pages_and_shrinks_once_compacted()
    {
        // A file an older build created: its first page was written before the store opened it, without auto-vacuum.
        var path = _folder.File("older.db");
        SqliteFiles.Execute(path, "PRAGMA journal_mode = WAL;");
        using var store = new SqliteTraceStore(path);
        await store.ImportAsync(Sessions(0, 2000, events: 10));
        Checkpoint(path);
        var before = new FileInfo(path).Length;

        Assert.Equal(2000, await store.PurgeAsync(BaseTime.AddDays(1)));
        Checkpoint(path);

        Assert.Equal(0, SqliteFiles.Long(path, "PRAGMA auto_vacuum"));
        Assert.Equal(before, new FileInfo(path).Length);
        Assert.True(SqliteFiles.Long(path, "PRAGMA freelist_count") > 0);

        // The free pages are reused: as many sessions again grow the file by a few pages at most.
        await store.ImportAsync(Sessions(5000, 2000, events: 10));
        Checkpoint(path);
        Assert.True(new FileInfo(path).Length <= before + (before / 20), $"{new FileInfo(path).Length} bytes after writing as much again, {before} before");

        // Compacting rewrites it smaller, switched to incremental auto-vacuum, with what it holds intact.
        await store.PurgeAsync(BaseTime.AddDays(1));
        await store.CompactAsync();
        Checkpoint(path);
        Assert.Equal(2, SqliteFiles.Long(path, "PRAGMA auto_vacuum"));
        Assert.True(new FileInfo(path).Length < before / 4, $"{new FileInfo(path).Length} bytes after compacting, {before} before");
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.CompactAsync(new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task A_new_store_in_a_file_with_unrelated_tables_keeps_the_files_auto_vacuum_mode()
    {
        var path = _folder.File("shared.db");
        SqliteFiles.Execute(path, "CREATE TABLE app_settings (k TEXT, v TEXT);");
        using var store = new SqliteTraceStore(path);
        await store.ImportAsync(Sessions(0, 10, events: 1));

        Assert.Equal(0, SqliteFiles.Long(path, "PRAGMA auto_vacuum"));
        Assert.Equal(10, await store.PurgeAsync(BaseTime.AddDays(1)));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM app_settings"));
    }

    private static void Checkpoint(string path) => SqliteFiles.Execute(path, "PRAGMA wal_checkpoint(TRUNCATE);");

    private static List<SessionWithEvents> Sessions(int first, int count, int events) =>
        [.. Enumerable.Range(first, count).Select(i =>
        {
            var id = "s" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            var start = BaseTime.AddSeconds(i);
            return new SessionWithEvents(
                new SessionRecord { Id = id, AgentId = "a", Task = "t", Status = SessionStatus.Completed, StartedAt = start, EndedAt = start.AddSeconds(1) },
                [.. Enumerable.Range(1, events).Select(n => (SessionEvent)new MessageEvent { SessionId = id, Sequence = n, Timestamp = start, Role = "user", Text = new string('x', 400) })]);
        })];
}
