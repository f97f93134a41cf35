namespace Dreaming.Sqlite.Tests;

/// <summary>A purge, a compaction and the choice of auto-vacuum on a new file, each while another store on the same file
/// (standing for another process) opens it or writes to it.</summary>
public sealed class SqlitePurgeConcurrencyTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Two_stores_opening_the_same_new_file_at_once_both_open_it_and_it_has_incremental_auto_vacuum()
    {
        for (var round = 0; round < 20; round++)
        {
            var path = _folder.File($"race-{round}.db");
            using var first = new SqliteTraceStore(path);
            using var second = new SqliteTraceStore(path);
            using var start = new Barrier(2);
            await Task.WhenAll(
                Task.Run(async () => { start.SignalAndWait(); await first.InitializeAsync(); }),
                Task.Run(async () => { start.SignalAndWait(); await second.InitializeAsync(); }));

            Assert.Equal(2, SqliteFiles.Long(path, "PRAGMA auto_vacuum"));
            await first.ImportAsync(Sessions("a", 0, 5));
            await second.ImportAsync(Sessions("b", 0, 5));
            Assert.Equal(10, await second.PurgeAsync(BaseTime.AddDays(1)));
            Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
        }
    }

    [Fact]
    public async Task Sessions_written_and_ended_with_the_same_start_time_while_a_purge_runs_are_each_purged_or_kept_never_half()
    {
        var path = _folder.File("same-time.db");
        using var purger = new SqliteTraceStore(path);
        using var writer = new SqliteTraceStore(path);

        // Every session starts at the same millisecond: the batches cannot lean on distinct start times.
        await purger.ImportAsync(Sessions("old", 0, (3 * SqliteTraceStore.PurgeBatchSize) + 7, sameStart: true));
        var written = 0;
        var purge = purger.PurgeAsync(BaseTime.AddSeconds(1));
        while (!purge.IsCompleted || written < 50)
        {
            var id = "live-" + written.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
            await writer.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = id, AgentId = "a", Task = "t", StartedAt = BaseTime }], []));
            await writer.CompleteSessionAsync(new SessionCompletion { SessionId = id, Status = SessionStatus.Completed, EndedAt = BaseTime.AddSeconds(1) });
            written++;
        }

        var purged = await purge;
        var left = SqliteFiles.Long(path, "SELECT count(*) FROM sessions");
        Assert.Equal((3 * SqliteTraceStore.PurgeBatchSize) + 7 + written, purged + left);
        Assert.Equal(left, await purger.PurgeAsync(BaseTime.AddSeconds(1)));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM events"));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    [Fact]
    public async Task A_compaction_while_another_store_writes_loses_none_of_its_sessions()
    {
        var path = _folder.File("compact.db");
        SqliteFiles.Execute(path, "PRAGMA journal_mode = WAL;");
        using var compactor = new SqliteTraceStore(path);
        using var writer = new SqliteTraceStore(path);
        await compactor.ImportAsync(Sessions("old", 0, 3000));
        await compactor.PurgeAsync(BaseTime.AddSeconds(1500));

        var written = new List<string>();
        var compact = compactor.CompactAsync();
        while (!compact.IsCompleted || written.Count < 20)
        {
            var id = "w" + written.Count.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
            await writer.ImportAsync(Sessions(id, 0, 1));
            written.Add(id + "000000");
        }

        await compact;
        Assert.Equal(2, SqliteFiles.Long(path, "PRAGMA auto_vacuum"));
        foreach (var id in written)
        {
            Assert.NotNull(await compactor.GetSessionAsync(id));
        }

        Assert.Equal(1500 + written.Count, SqliteFiles.Long(path, "SELECT count(*) FROM sessions"));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    private static List<SessionWithEvents> Sessions(string prefix, int first, int count, bool sameStart = false) =>
        [.. Enumerable.Range(first, count).Select(i =>
        {
            var id = prefix + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            var start = sameStart ? BaseTime : BaseTime.AddSeconds(i);
            return new SessionWithEvents(
                new SessionRecord { Id = id, AgentId = "a", Task = "t", Status = SessionStatus.Completed, StartedAt = start, EndedAt = start.AddSeconds(1) },
                [.. Enumerable.Range(1, 3).Select(n => (SessionEvent)new MessageEvent { SessionId = id, Sequence = n, Timestamp = start, Role = "user", Text = new string('x', 400) })]);
        })];
}
