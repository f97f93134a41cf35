using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Dreaming.PostgreSql;
using Npgsql;

namespace Dreaming.Benchmarks;

/// <summary>The PostgreSQL stores' hot calls with and without Npgsql's automatic preparation (<c>Max Auto Prepare</c> in
/// the connection string): a session recorded (created with 5 events, 5 more, ended) and a dispatcher's claim of 16.</summary>
/// <remarks>Run with <c>dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- auto-prepare [sessions] [rounds]</c>
/// (300 sessions, 8 rounds by default) on the server of <c>DREAMING_TEST_POSTGRES</c>. Each round runs both modes, in
/// alternating order, each on a fresh schema (dropped after), and prints the time per session and per claim; on a loaded
/// machine compare the rounds pairwise, as their spread is larger than the difference.</remarks>
internal static class PostgresAutoPrepare
{
    private const string Prepared = ";Max Auto Prepare=32;Auto Prepare Min Usages=2";

    private static readonly DateTimeOffset s_start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(int sessions, int rounds)
    {
        var connectionString = PostgresBenchmarkServer.ConnectionString;
        Console.WriteLine("| round | mode | ms a session | ms a claim of 16 |");
        Console.WriteLine("|---:|---|---:|---:|");
        for (var round = 0; round < rounds; round++)
        {
            foreach (var prepared in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var schema = string.Create(CultureInfo.InvariantCulture, $"bench_prepare_{prepared}_{round}_{Environment.ProcessId}").ToLowerInvariant();
                var options = new PostgresStoreOptions { ConnectionString = connectionString + (prepared ? Prepared : string.Empty), Schema = schema };
                try
                {
                    var session = await RecordAsync(options, sessions).ConfigureAwait(false);
                    var claim = await ClaimAsync(options).ConfigureAwait(false);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {(prepared ? "auto-prepare" : "plain")} | {session:F2} | {claim:F2} |"));
                }
                finally
                {
                    await using var connection = new NpgsqlConnection(connectionString);
                    await connection.OpenAsync().ConfigureAwait(false);
                    await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
                    await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
        }

        return 0;
    }

    private static async Task<double> RecordAsync(PostgresStoreOptions options, int sessions)
    {
        await using var traces = new PostgresTraceStore(options);
        await RecordAsync(traces, "warm", 30).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        await RecordAsync(traces, "s", sessions).ConfigureAwait(false);
        return watch.Elapsed.TotalMilliseconds / sessions;
    }

    private static async Task RecordAsync(PostgresTraceStore store, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var id = prefix + i.ToString(CultureInfo.InvariantCulture);
            await store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = id, AgentId = "agent", Task = "task " + id, StartedAt = s_start }], Events(id, 1))).ConfigureAwait(false);
            await store.WriteAsync(TraceWriteBatch.OfEvents(Events(id, 6))).ConfigureAwait(false);
            await store.CompleteSessionAsync(new SessionCompletion { SessionId = id, Status = SessionStatus.Completed, EndedAt = s_start.AddMinutes(1) }).ConfigureAwait(false);
        }
    }

    private static SessionEvent[] Events(string id, long first) =>
        [.. Enumerable.Range(0, 5).Select(k => (SessionEvent)new NoteEvent { SessionId = id, Sequence = first + k, Timestamp = s_start.AddSeconds(first + k), Text = "note " + k.ToString(CultureInfo.InvariantCulture) })];

    private static async Task<double> ClaimAsync(PostgresStoreOptions options)
    {
        await using var outbox = new PostgresWebhookOutboxStore(options);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 16 * 40; i++)
        {
            await outbox.EnqueueAsync(WebhookEvent.Create("a.b", now, new JsonObject { ["i"] = i }), ["ci"]).ConfigureAwait(false);
        }

        var due = now.AddMinutes(1);
        await outbox.ClaimDueAsync(due, TimeSpan.FromMinutes(1), 16).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        var claims = 0;
        while ((await outbox.ClaimDueAsync(due, TimeSpan.FromMinutes(1), 16).ConfigureAwait(false)).Count > 0)
        {
            claims++;
        }

        return watch.Elapsed.TotalMilliseconds / Math.Max(claims, 1);
    }
}
