using Dreaming.Cli;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary>Runs the <c>dreaming</c> command line in-process on a schema of the test server of its own, dropped afterwards:
/// <c>DREAMING_DB</c> is the server's connection string with <c>Schema=</c> the schema, as a user would export it.</summary>
internal sealed class PostgresCliRunner : IAsyncDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("dreaming-cli-pg-");

    public PostgresCliRunner()
    {
        Environment["DREAMING_DB"] = Database;
    }

    /// <summary>Gets the schema of the run.</summary>
    public string Schema { get; } = PostgresTestServer.NewSchema();

    /// <summary>Gets the connection string with the schema, as <c>--db</c> or <c>DREAMING_DB</c> takes it.</summary>
    public string Database => $"{PostgresTestServer.ConnectionString};Schema={Schema}";

    /// <summary>Gets the database as the tool's messages name it: <c>host:port/database/schema</c> of the test server.</summary>
    public string Location
    {
        get
        {
            var server = new Npgsql.NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString);
            return $"{server.Host}:{server.Port}/{server.Database}/{Schema}";
        }
    }

    /// <summary>Gets options for a store of the test on the same schema.</summary>
    public PostgresStoreOptions Options => PostgresTestServer.NewOptions(Schema);

    /// <summary>Gets the environment variables a run sees, by name: <c>DREAMING_DB</c> unless a test changes it.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await DreamingCommandLine.InvokeAsync(args, output, error, environment: name => Environment.GetValueOrDefault(name));
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs a command that must succeed, and returns its output.</summary>
    public async Task<string> RunOkAsync(params string[] args)
    {
        var (exit, output, error) = await RunAsync(args);
        Assert.True(exit == 0, $"dreaming {string.Join(' ', args)} exited {exit}: {error}");
        return output;
    }

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Whether the schema exists on the server.</summary>
    public async Task<bool> SchemaExistsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @s)", connection);
        command.Parameters.AddWithValue("s", Schema);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await PostgresTestServer.DropSchemaAsync(Schema);
        _folder.Delete(recursive: true);
    }
}
