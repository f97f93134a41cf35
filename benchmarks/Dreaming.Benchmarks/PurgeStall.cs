using System.Diagnostics;
using System.Globalization;
using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;

namespace Dreaming.Benchmarks;

/// <summary>How long a purge of many sessions holds up a session writer on the same SQLite file, and what it leaves of
/// the file's size: the store's batched purge on a new file and on a file an earlier build created (no auto-vacuum),
/// against one <c>DELETE</c> transaction (the purge before batching) as the baseline.</summary>
/// <remarks>Run with <c>dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- purge [sessions] [events]</c>
/// (50,000 sessions of 10 events by default). A second store on the file, standing for another process, writes a
/// one-event session every 20 ms during the purge and times each write. BenchmarkDotNet measures throughput, not a
/// concurrent writer's stalls, hence this separate mode.</remarks>
internal static class PurgeStall
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(int sessions, int events)
    {
        // A purge runs on the thread pool, as it does in a host; enough threads that the writer's timings are not the
        // pool's injection delay on a small machine.
        ThreadPool.SetMinThreads(16, 16);
        var folder = Directory.CreateTempSubdirectory("dreaming-purge-").FullName;
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sessions:N0} sessions of {events} events each"));
            Console.WriteLine("| purge | file | size before (MB) | purge (s) | writes | writer median (ms) | writer p95 (ms) | writer max (ms) | size after (MB) |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            await RunOneAsync(Path.Combine(folder, "baseline.db"), sessions, events, olderFile: true, oneTransaction: true).ConfigureAwait(false);
            await RunOneAsync(Path.Combine(folder, "older.db"), sessions, events, olderFile: true, oneTransaction: false).ConfigureAwait(false);
            await RunOneAsync(Path.Combine(folder, "new.db"), sessions, events, olderFile: false, oneTransaction: false).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task RunOneAsync(string path, int sessions, int events, bool olderFile, bool oneTransaction)
    {
        if (olderFile)
        {
            // An earlier build's file: its first page written (switching to write-ahead logging) without auto-vacuum.
            Execute(path, "PRAGMA journal_mode = WAL;");
        }

        using (var store = new SqliteTraceStore(path))
        {
            await FillAsync(store, sessions, events).ConfigureAwait(false);
        }

        Execute(path, "PRAGMA wal_checkpoint(TRUNCATE);");
        var before = new FileInfo(path).Length;
        using var writer = new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = path, BusyTimeout = TimeSpan.FromSeconds(30) });
        await writer.InitializeAsync().ConfigureAwait(false);
        using var stop = new CancellationTokenSource();
        var waits = new List<double>();
        var writing = WriteUntilAsync(writer, waits, stop.Token);
        await Task.Delay(300).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        var cutOff = s_start.AddSeconds(sessions + 1);
        if (oneTransaction)
        {
            Execute(path, "PRAGMA foreign_keys = ON; BEGIN IMMEDIATE; DELETE FROM sessions WHERE status <> 0 AND started_ms < "
                + cutOff.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "; COMMIT;");
        }
        else
        {
            using var store = new SqliteTraceStore(path);
            await store.PurgeAsync(cutOff).ConfigureAwait(false);
        }

        var purge = clock.Elapsed.TotalSeconds;
        await Task.Delay(300).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await writing.ConfigureAwait(false);
        writer.Dispose();
        Execute(path, "PRAGMA wal_checkpoint(TRUNCATE);");
        waits.Sort();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {(oneTransaction ? "one transaction" : "batched")} | {(olderFile ? "earlier build's" : "new")} | {before / 1e6:0.0} | {purge:0.00} | {waits.Count} | {waits[waits.Count / 2]:0.0} | {waits[(int)(waits.Count * 0.95)]:0} | {waits[^1]:0} | {new FileInfo(path).Length / 1e6:0.0} |"));
    }

    private static async Task WriteUntilAsync(SqliteTraceStore store, List<double> waits, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var id = "live-" + n.ToString(CultureInfo.InvariantCulture);
            var clock = Stopwatch.StartNew();
            await store.WriteAsync(new TraceWriteBatch(
                [new SessionRecord { Id = id, AgentId = "bot", Task = "t", StartedAt = DateTimeOffset.UtcNow }],
                [new MessageEvent { SessionId = id, Sequence = 1, Timestamp = DateTimeOffset.UtcNow, Role = "user", Text = "hello" }]),
                CancellationToken.None).ConfigureAwait(false);
            waits.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task FillAsync(SqliteTraceStore store, int sessions, int events)
    {
        var text = new string('x', 300);
        for (var first = 0; first < sessions; first += 5000)
        {
            var chunk = new List<SessionWithEvents>();
            for (var i = first; i < Math.Min(sessions, first + 5000); i++)
            {
                var id = "s" + i.ToString("D6", CultureInfo.InvariantCulture);
                var start = s_start.AddSeconds(i);
                chunk.Add(new SessionWithEvents(
                    new SessionRecord { Id = id, AgentId = "bot", Task = "task", Status = SessionStatus.Completed, StartedAt = start, EndedAt = start.AddSeconds(1), Outcome = SessionOutcome.Succeeded() },
                    [.. Enumerable.Range(1, events).Select(e => (SessionEvent)new MessageEvent { SessionId = id, Sequence = e, Timestamp = start, Role = "user", Text = text })]));
            }

            await store.ImportAsync(chunk).ConfigureAwait(false);
        }
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 30000; " + sql;
        command.ExecuteNonQuery();
    }
}
