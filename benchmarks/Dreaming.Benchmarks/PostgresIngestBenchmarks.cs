using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Dreaming.PostgreSql;
using Npgsql;

namespace Dreaming.Benchmarks;

/// <summary>1,000 sessions of 20 events each into PostgreSQL: through <see cref="PostgresTraceStore"/> (a batch with the
/// new session and its events, then the end, as the session recorder writes a short session), against raw Npgsql inserts
/// of the same rows (per session one transaction: the session row and the 20 event rows in one batch, one round trip,
/// then the end).</summary>
/// <remarks>Needs a server: the connection string in <c>DREAMING_TEST_POSTGRES</c>, or 127.0.0.1:54329 (<c>.ci/postgres
/// start</c>). Each path writes into a schema of its own, made in the setup and dropped after the run. Sessions are
/// written one after the other, so the figures are latencies on one connection at a time. The job is the command line's
/// (docs/performance.md gives it: in process, Monitoring, 7 iterations); a job attribute here would run as a second,
/// out-of-process job beside it.</remarks>
[MemoryDiagnoser]
public class PostgresIngestBenchmarks
{
    private const int Sessions = 1000;
    private const int Events = 20;

    private readonly string _connectionString = PostgresBenchmarkServer.ConnectionString;

    private readonly string _storeSchema = "bench_store_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _rawSchema = "bench_raw_" + Guid.NewGuid().ToString("N")[..12];
    private PostgresTraceStore _store = null!;
    private NpgsqlDataSource _raw = null!;
    private SessionEvent[] _template = null!;
    private string[] _payloads = null!;
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        _store = new PostgresTraceStore(new PostgresStoreOptions { ConnectionString = _connectionString, Schema = _storeSchema });
        _store.InitializeAsync().GetAwaiter().GetResult();

        // The raw path writes into the same tables, made by a store on its own schema.
        using (var schema = new PostgresTraceStore(new PostgresStoreOptions { ConnectionString = _connectionString, Schema = _rawSchema }))
        {
            schema.InitializeAsync().GetAwaiter().GetResult();
        }

        _raw = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_connectionString) { SearchPath = _rawSchema }.ConnectionString);
        _template = Enumerable.Range(1, Events)
            .Select(i => (SessionEvent)new ToolCallEvent { CallId = "call_" + i, ToolName = "lookup_order", Arguments = $"{{\"orderId\":\"#W{1000 + i}\"}}", Sequence = i, Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i) })
            .ToArray();
        _payloads = _template.Select(e => JsonSerializer.Serialize(e)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _raw.Dispose();
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_storeSchema}\" CASCADE; DROP SCHEMA IF EXISTS \"{_rawSchema}\" CASCADE", connection);
        drop.ExecuteNonQuery();
    }

    [Benchmark(Baseline = true, Description = "raw Npgsql: per session one transaction, 21 inserts in one batch, then the end")]
    public async Task RawInsert()
    {
        var round = Interlocked.Increment(ref _round);
        for (var n = 0; n < Sessions; n++)
        {
            var sessionId = $"raw-{round}-{n}";
            await using var connection = await _raw.OpenConnectionAsync().ConfigureAwait(false);
            await using (var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false))
            {
                await using var batch = new NpgsqlBatch(connection, transaction);
                var session = new NpgsqlBatchCommand(
                    "INSERT INTO sessions (id, agent_id, task, status, started_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, insight_ids, metadata, dropped_event_count, event_count) "
                    + "VALUES ($1, 'bench', 'task', 0, 0, 0, 0, 0, 0, 0, '[]', '{}', 0, $2)");
                session.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
                session.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Events });
                batch.BatchCommands.Add(session);
                for (var i = 0; i < _template.Length; i++)
                {
                    var insert = new NpgsqlBatchCommand("INSERT INTO events (session_id, seq, ts, type, payload) VALUES ($1, $2, $3, $4, $5)");
                    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
                    insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _template[i].Sequence });
                    insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _template[i].Timestamp.ToUnixTimeMilliseconds() });
                    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _template[i].EventType });
                    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _payloads[i] });
                    batch.BatchCommands.Add(insert);
                }

                await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
                await transaction.CommitAsync().ConfigureAwait(false);
            }

            await using var end = new NpgsqlCommand("UPDATE sessions SET status = 1, ended_ms = 1 WHERE id = $1", connection);
            end.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
            await end.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    [Benchmark(Description = "PostgresTraceStore: WriteAsync (session + 20 events), then CompleteSessionAsync")]
    public async Task StoreWrite()
    {
        var round = Interlocked.Increment(ref _round);
        for (var n = 0; n < Sessions; n++)
        {
            var sessionId = $"store-{round}-{n}";
            var events = new SessionEvent[_template.Length];
            for (var i = 0; i < events.Length; i++)
            {
                events[i] = _template[i] with { SessionId = sessionId };
            }

            await _store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = sessionId, AgentId = "bench", Task = "task" }], events)).ConfigureAwait(false);
            await _store.CompleteSessionAsync(new SessionCompletion { SessionId = sessionId, Status = SessionStatus.Completed, EndedAt = DateTimeOffset.UnixEpoch }).ConfigureAwait(false);
        }
    }
}
