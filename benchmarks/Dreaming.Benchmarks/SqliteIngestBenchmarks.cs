using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Dreaming;
using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Benchmarks;

/// <summary>Events per second into SQLite: through the store, through the whole recording path, and as raw
/// Microsoft.Data.Sqlite inserts of the same rows in one prepared, transacted batch (the baseline).</summary>
/// <remarks>Each operation writes <see cref="Events"/> tool-call events of a new session. All three use the same schema,
/// WAL and <c>synchronous=NORMAL</c>, each in its own database file.</remarks>
[MemoryDiagnoser]
public class SqliteIngestBenchmarks
{
    private DirectoryInfo _folder = null!;
    private SqliteTraceStore _store = null!;
    private SqliteConnection _raw = null!;
    private SqliteTraceStore _rawSchema = null!;
    private ServiceProvider _recording = null!;
    private IAgentSessionFactory _sessions = null!;
    private SessionEvent[] _template = null!;
    private string[] _payloads = null!;
    private int _session;

    [Params(10_000)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("dreaming-bench-");
        _store = new SqliteTraceStore("Data Source=" + Path.Combine(_folder.FullName, "store.db"));
        _store.InitializeAsync().GetAwaiter().GetResult();

        var rawPath = Path.Combine(_folder.FullName, "raw.db");
        _rawSchema = new SqliteTraceStore("Data Source=" + rawPath);
        _rawSchema.InitializeAsync().GetAwaiter().GetResult();
        _raw = new SqliteConnection("Data Source=" + rawPath);
        _raw.Open();
        using (var pragma = _raw.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
            pragma.ExecuteNonQuery();
        }

        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore("Data Source=" + Path.Combine(_folder.FullName, "recording.db"));
        _recording = services.BuildServiceProvider();
        _sessions = _recording.GetRequiredService<IAgentSessionFactory>();

        _template = Enumerable.Range(1, Events)
            .Select(i => (SessionEvent)new ToolCallEvent { CallId = "call_" + i, ToolName = "lookup_order", Arguments = $"{{\"orderId\":\"#W{1000 + (i % 9000)}\"}}", Sequence = i, Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i) })
            .ToArray();
        _payloads = _template.Select(e => JsonSerializer.Serialize(e)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recording.Dispose();
        _store.Dispose();
        _rawSchema.Dispose();
        _raw.Dispose();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Benchmark(Baseline = true, Description = "raw Microsoft.Data.Sqlite: prepared, one transaction")]
    public void RawInsert()
    {
        var sessionId = NextSessionId();
        using var transaction = _raw.BeginTransaction();
        using (var session = _raw.CreateCommand())
        {
            session.Transaction = transaction;
            session.CommandText = "INSERT INTO sessions (id, agent_id, task, status, started_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, insight_ids, metadata, dropped_event_count, event_count) VALUES ($id, 'bench', 'task', 0, 0, 0, 0, 0, 0, 0, '[]', '{}', 0, 0)";
            session.Parameters.AddWithValue("$id", sessionId);
            session.ExecuteNonQuery();
        }

        using var insert = _raw.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO events (session_id, seq, ts, type, payload) VALUES ($s, $q, $t, $y, $p)";
        var s = insert.Parameters.Add("$s", SqliteType.Text);
        var q = insert.Parameters.Add("$q", SqliteType.Integer);
        var t = insert.Parameters.Add("$t", SqliteType.Integer);
        var y = insert.Parameters.Add("$y", SqliteType.Text);
        var p = insert.Parameters.Add("$p", SqliteType.Text);
        insert.Prepare();
        for (var i = 0; i < _template.Length; i++)
        {
            s.Value = sessionId;
            q.Value = _template[i].Sequence;
            t.Value = _template[i].Timestamp.ToUnixTimeMilliseconds();
            y.Value = _template[i].EventType;
            p.Value = _payloads[i];
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    [Benchmark(Description = "SqliteTraceStore.WriteAsync: one batch")]
    public Task StoreWrite()
    {
        var sessionId = NextSessionId();
        var events = new SessionEvent[_template.Length];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = _template[i] with { SessionId = sessionId };
        }

        return _store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = sessionId, AgentId = "bench", Task = "task" }], events));
    }

    [Benchmark(Description = "session.RecordAsync x N + CompleteAsync (writer, batches of 500)")]
    public async Task RecordAndComplete()
    {
        await using var session = _sessions.StartSession("bench", "task");
        for (var i = 0; i < _template.Length; i++)
        {
            await session.RecordAsync(_template[i]).ConfigureAwait(false);
        }

        await session.CompleteAsync().ConfigureAwait(false);
    }

    private string NextSessionId() => "bench-" + Interlocked.Increment(ref _session);
}
