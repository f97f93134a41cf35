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
    private SqliteTraceStore _small = null!;
    private SqliteTraceStore _smallBefore = null!;
    private SessionEvent[] _smallTemplate = null!;
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

        // Sessions of a few events, where the session row's indexes weigh most: one store with the schema as it is, one
        // whose file has the start-time indexes without the end time instead (as before 'ix_sessions_started_ended' and
        // 'ix_sessions_agent_started_ended' replaced them), swapped after the store opened it, so it keeps them.
        _small = new SqliteTraceStore("Data Source=" + Path.Combine(_folder.FullName, "small.db"));
        _small.InitializeAsync().GetAwaiter().GetResult();
        var beforePath = Path.Combine(_folder.FullName, "small-before.db");
        _smallBefore = new SqliteTraceStore("Data Source=" + beforePath);
        _smallBefore.InitializeAsync().GetAwaiter().GetResult();
        ScaleFile.Execute(
            beforePath,
            "DROP INDEX ix_sessions_started_ended; DROP INDEX ix_sessions_agent_started_ended; "
            + "CREATE INDEX ix_sessions_started ON sessions (started_ms, id); CREATE INDEX ix_sessions_agent_started ON sessions (agent_id, started_ms, id);");
        _smallTemplate = _template.Take(SmallSessionEvents).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recording.Dispose();
        _store.Dispose();
        _small.Dispose();
        _smallBefore.Dispose();
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

    /// <summary>The events of each small session.</summary>
    private const int SmallSessionEvents = 20;

    [Benchmark(OperationsPerInvoke = 100, Description = "100 sessions of 20 events, written then completed (store), start-time indexes without the end time (before)")]
    public Task SmallSessionsBefore() => SmallSessionsAsync(_smallBefore);

    [Benchmark(OperationsPerInvoke = 100, Description = "100 sessions of 20 events, written then completed (store), start-time indexes with the end time")]
    public Task SmallSessions() => SmallSessionsAsync(_small);

    private async Task SmallSessionsAsync(SqliteTraceStore store)
    {
        for (var n = 0; n < 100; n++)
        {
            var sessionId = NextSessionId();
            var events = new SessionEvent[_smallTemplate.Length];
            for (var i = 0; i < events.Length; i++)
            {
                events[i] = _smallTemplate[i] with { SessionId = sessionId };
            }

            var started = DateTimeOffset.UnixEpoch.AddSeconds(_session);
            await store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = sessionId, AgentId = "agent-" + (_session % 40), Task = "task", StartedAt = started }], events)).ConfigureAwait(false);
            await store.CompleteSessionAsync(new SessionCompletion { SessionId = sessionId, Status = SessionStatus.Completed, EndedAt = started.AddSeconds(30) }).ConfigureAwait(false);
        }
    }

    private string NextSessionId() => "bench-" + Interlocked.Increment(ref _session);
}
