using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The PostgreSQL server the tests use: the connection string in <c>DREAMING_TEST_POSTGRES</c>, which
/// <c>.ci/run</c> sets after starting a throw-away server with <c>.ci/postgres</c>. Each store a test makes gets a schema
/// of its own (<see cref="NewSchema"/>), so tests running at once never see each other's rows.</summary>
public static class PostgresTestServer
{
    /// <summary>The variable that holds the connection string.</summary>
    public const string Variable = "DREAMING_TEST_POSTGRES";

    /// <summary>Gets the connection string, or <see langword="null"/> when no server is configured.</summary>
    public static string? ConnectionString { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>Gets why the tests are skipped, or <see langword="null"/> when a server is configured.</summary>
    public static string? SkipReason =>
        ConnectionString is null
            ? $"No PostgreSQL server: set {Variable} to a connection string (`export {Variable}=\"$(bash .ci/postgres start)\"` starts one on 127.0.0.1)."
            : null;

    /// <summary>A new schema name, unique to the caller: <c>t_</c> and 24 hex digits.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..24];

    /// <summary>Options for a store on a new schema of the test server.</summary>
    public static PostgresStoreOptions NewOptions(string? schema = null) => new()
    {
        ConnectionString = ConnectionString ?? throw new InvalidOperationException(SkipReason),
        Schema = schema ?? NewSchema(),
    };

    /// <summary>Drops a schema and everything in it; for a test's clean-up.</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
