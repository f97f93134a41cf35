using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dreaming.PostgreSql;
using Npgsql;

namespace Dreaming.Benchmarks;

/// <summary>How long a dream run's completion holds its scope's lock, by the size of its results: another connection holds
/// the lock while the completion is sent (so its results are at the server, waiting), then releases it; the time from the
/// release to the completion's return is the time the completion held the lock (its update, its read back, its webhook
/// rows and its commit), plus one wake-up and the commit's answer.</summary>
/// <remarks>Run with <c>dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- run-result-lock [rounds]</c>
/// (9 by default) on the server of <c>DREAMING_TEST_POSTGRES</c>. Each result size (a report of changes whose texts are
/// words that do not repeat, so TOAST compresses them as a real report) is completed <c>rounds</c> times without webhooks
/// and with unrouted webhooks (full payloads), the sizes interleaved, on a fresh schema (dropped after); it prints the
/// median and the spread.</remarks>
internal static class PostgresRunResultLock
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bench");

    public static async Task<int> RunAsync(int rounds)
    {
        var connectionString = PostgresBenchmarkServer.ConnectionString;
        var schema = string.Create(CultureInfo.InvariantCulture, $"bench_result_lock_{Environment.ProcessId}");
        var sizes = new[] { 0, 64 << 10, 1 << 20 };
        try
        {
            Console.WriteLine("| result | webhooks | report bytes | median ms held | min | max |");
            Console.WriteLine("|---:|---|---:|---:|---:|---:|");
            foreach (var webhooks in new[] { false, true })
            {
                var options = new PostgresStoreOptions { ConnectionString = connectionString, Schema = schema, WriteUnroutedWebhooks = webhooks };
                await using var store = new PostgresDreamRunStore(options);
                await HoldAsync(store, options, Results(0)).ConfigureAwait(false);
                var times = sizes.ToDictionary(size => size, _ => new List<double>());
                for (var round = 0; round < rounds; round++)
                {
                    foreach (var size in round % 2 == 0 ? sizes : [.. sizes.Reverse()])
                    {
                        times[size].Add(await HoldAsync(store, options, Results(size)).ConfigureAwait(false));
                    }
                }

                foreach (var size in sizes)
                {
                    var sorted = times[size].Order().ToArray();
                    var bytes = System.Text.Json.JsonSerializer.Serialize(Results(size).Report).Length;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Label(size)} | {(webhooks ? "unrouted, full payloads" : "none")} | {bytes:N0} | {sorted[sorted.Length / 2]:F1} | {sorted[0]:F1} | {sorted[^1]:F1} |"));
                }
            }
        }
        finally
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private static string Label(int size) => size switch { 0 => "empty", < 1 << 20 => $"{size >> 10} KiB", _ => $"{size >> 20} MiB" };

    private static async Task<double> HoldAsync(PostgresDreamRunStore store, PostgresStoreOptions options, DreamRunResults results)
    {
        var run = await store.CreateAsync(new DreamRunRequest { Scope = s_scope }).ConfigureAwait(false);
        await store.StartAsync(run.Id, "bench", TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        var key = $"dreaming.dream_runs:{options.Schema}:{s_scope.Key}";
        await using var holder = new NpgsqlConnection(options.ConnectionString);
        await holder.OpenAsync().ConfigureAwait(false);
        await using var watcher = new NpgsqlConnection(options.ConnectionString);
        await watcher.OpenAsync().ConfigureAwait(false);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@key, 0))", holder))
        {
            take.Parameters.AddWithValue("key", key);
            await take.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        var completion = Task.Run(() => store.CompleteAsync(run.Id, results));
        await using (var waiting = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE {holder.ProcessID} = ANY (pg_blocking_pids(pid))", watcher))
        {
            while ((long)(await waiting.ExecuteScalarAsync().ConfigureAwait(false))! == 0)
            {
                if (completion.IsCompleted)
                {
                    await completion.ConfigureAwait(false);
                    throw new InvalidOperationException("The completion did not wait for the scope's lock.");
                }

                await Task.Delay(5).ConfigureAwait(false);
            }
        }

        await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", holder);
        release.Parameters.AddWithValue("key", key);
        await release.PrepareAsync().ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        await release.ExecuteNonQueryAsync().ConfigureAwait(false);
        await completion.ConfigureAwait(false);
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Results whose report holds about <paramref name="bytes"/> of changes (none for 0), their texts words that
    /// do not repeat.</summary>
    private static DreamRunResults Results(int bytes)
    {
        var random = new Random(bytes);
        var changes = new List<DreamChange>();
        var total = 0;
        while (total < bytes)
        {
            var text = Words(random, 400);
            changes.Add(new DreamChange { Op = DreamChangeOp.Add, InsightId = "i" + changes.Count.ToString(CultureInfo.InvariantCulture), Text = text, Reason = Words(random, 100) });
            total += text.Length + 160;
        }

        return new DreamRunResults { Note = "done", Report = new DreamReport { Changes = changes } };
    }

    private static string Words(Random random, int length)
    {
        var text = new StringBuilder(length + 12);
        while (text.Length < length)
        {
            var word = random.Next(2, 10);
            for (var i = 0; i < word; i++)
            {
                text.Append((char)('a' + random.Next(26)));
            }

            text.Append(' ');
        }

        return text.ToString(0, length);
    }
}
