using BenchmarkDotNet.Attributes;
using Dreaming.PostgreSql;
using Npgsql;

namespace Dreaming.Benchmarks;

/// <summary>The read a session start makes of each scope's memory (<see cref="PostgresMemoryStore.GetActiveVersionAsync"/>,
/// up to three per session: the agent's, the team's and the global scope's), 200 times one after the other, of an active
/// version of 20 insights: through the store, against raw Npgsql reading the same rows with the store's one statement (the
/// header joined to its insights, one round trip) and with two queries, a header then its insights (two round trips, as
/// the store read before).</summary>
/// <remarks>Needs a server: the connection string in <c>DREAMING_TEST_POSTGRES</c>, or 127.0.0.1:54329 (<c>.ci/postgres
/// start</c>). The schema is made in the setup and dropped after the run. The job is the command line's (docs/performance.md
/// gives it).</remarks>
[MemoryDiagnoser]
public class PostgresActiveMemoryBenchmarks
{
    private const int Reads = 200;
    private const int Insights = 20;

    private readonly string _connectionString = PostgresBenchmarkServer.ConnectionString;

    private readonly string _schema = "bench_memory_" + Guid.NewGuid().ToString("N")[..12];
    private readonly MemoryScope _scope = MemoryScope.Agent("bench-agent");
    private PostgresMemoryStore _store = null!;
    private NpgsqlDataSource _raw = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = new PostgresMemoryStore(new PostgresStoreOptions { ConnectionString = _connectionString, Schema = _schema });
        var now = DateTimeOffset.UtcNow;
        var proposal = new MemoryProposal
        {
            Scope = _scope,
            Author = MemoryAuthor.Person("bench"),
            Note = "20 lessons",
            Insights = [.. Enumerable.Range(0, Insights).Select(i => new Insight
            {
                Id = "ins_" + i,
                Text = "When the refund tool says the amount does not add up, read the order total first and refund at most that amount (lesson " + i + ").",
                Scope = _scope,
                Kind = InsightKind.Pitfall,
                Source = InsightSource.Mined,
                Triggers = new InsightTriggers { Tools = ["refund", "lookup_order"], Keywords = ["refund", "amount"] },
                Evidence = [new InsightEvidence("s1", 3), new InsightEvidence("s2", 5)],
                CreatedAt = now,
                UpdatedAt = now,
            })],
        };
        var version = _store.ProposeAsync(proposal).GetAwaiter().GetResult();
        _store.ApproveAsync(version.Id, MemoryAuthor.Person("bench")).GetAwaiter().GetResult();
        _raw = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_connectionString) { SearchPath = _schema }.ConnectionString);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _raw.Dispose();
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        drop.ExecuteNonQuery();
    }

    [Benchmark(Baseline = true, Description = "raw Npgsql: one query, the active header joined to its insights (the store's statement)")]
    public async Task<int> RawOneQuery()
    {
        var read = 0;
        for (var n = 0; n < Reads; n++)
        {
            await using var connection = await _raw.OpenConnectionAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT v.id, v.number, v.note, i.id, i.text, i.trigger_tools, i.evidence FROM memory_versions v "
                + "LEFT JOIN memory_insights i ON i.version_id = v.id WHERE v.scope = $1 AND v.state = 'active' ORDER BY i.position",
                connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _scope.Key });
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                read += reader.IsDBNull(4) ? 0 : reader.GetString(4).Length;
            }
        }

        return read;
    }

    [Benchmark(Description = "raw Npgsql: two queries, the active header, then its insights")]
    public async Task<int> RawTwoQueries()
    {
        var read = 0;
        for (var n = 0; n < Reads; n++)
        {
            await using var connection = await _raw.OpenConnectionAsync().ConfigureAwait(false);
            string id;
            await using (var header = new NpgsqlCommand("SELECT id, number, note FROM memory_versions WHERE scope = $1 AND state = 'active'", connection))
            {
                header.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _scope.Key });
                id = (string)(await header.ExecuteScalarAsync().ConfigureAwait(false))!;
            }

            await using var command = new NpgsqlCommand("SELECT id, text, trigger_tools, evidence FROM memory_insights WHERE version_id = $1 ORDER BY position", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                read += reader.GetString(1).Length;
            }
        }

        return read;
    }

    [Benchmark(Description = "PostgresMemoryStore.GetActiveVersionAsync")]
    public async Task<int> Store()
    {
        var read = 0;
        for (var n = 0; n < Reads; n++)
        {
            read += (await _store.GetActiveVersionAsync(_scope).ConfigureAwait(false))!.Insights.Count;
        }

        return read;
    }
}
