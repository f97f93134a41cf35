using System.Globalization;
using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>Sessions and events for the trace store's own tests, and the schema each test's stores share.</summary>
internal sealed class TraceSchema : IAsyncDisposable
{
    public static readonly DateTimeOffset BaseTime = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    private readonly List<PostgresTraceStore> _stores = [];

    /// <summary>Gets the schema; the connections of its stores carry it as their application name, so a test can find
    /// (and end) its own connections and no one else's.</summary>
    public string Schema { get; } = PostgresTestServer.NewSchema();

    public PostgresStoreOptions Options(string? extra = null) => new()
    {
        ConnectionString = PostgresTestServer.NewOptions().ConnectionString + ";Application Name=" + Schema + extra,
        Schema = Schema,
    };

    /// <summary>Gets a connection string for what a test checks behind the stores' back: on the schema, and named by it.</summary>
    public string ConnectionString => Options().ConnectionString + ";Search Path=" + Schema;

    public PostgresTraceStore NewStore(string? extra = null)
    {
        var store = new PostgresTraceStore(Options(extra));
        _stores.Add(store);
        return store;
    }

    /// <summary>Ends every server connection of this schema's stores, as a server restart or a failover would.</summary>
    /// <returns>How many connections were ended.</returns>
    public async Task<int> TerminateConnectionsAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", connection);
        command.Parameters.AddWithValue(Schema);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await PostgresTestServer.DropSchemaAsync(Schema);
    }

    public static SessionRecord Session(string id, string agentId = "agent", double minutes = 0) => new()
    {
        Id = id,
        AgentId = agentId,
        Task = "task of " + id,
        StartedAt = BaseTime.AddMinutes(minutes),
    };

    public static SessionEvent Note(string sessionId, long sequence, string? text = null) => new NoteEvent
    {
        SessionId = sessionId,
        Sequence = sequence,
        Timestamp = BaseTime.AddSeconds(sequence),
        Text = text ?? sessionId + " note " + sequence.ToString(CultureInfo.InvariantCulture),
    };

    public static SessionCompletion Completed(string sessionId) => new()
    {
        SessionId = sessionId,
        Status = SessionStatus.Completed,
        EndedAt = BaseTime.AddHours(1),
        Outcome = SessionOutcome.Succeeded(),
    };
}
