using Npgsql;

namespace Dreaming.PostgreSql.Tests;

public sealed class PostgresDatabaseTests : IAsyncLifetime
{
    private static readonly string[] V1 = ["CREATE TABLE widgets (id text PRIMARY KEY)"];
    private static readonly string[] V2 = [V1[0], "ALTER TABLE widgets ADD COLUMN name text"];

    private readonly string _schema = PostgresTestServer.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => PostgresTestServer.DropSchemaAsync(_schema);

    [Fact]
    public async Task CreatesTheSchemaAndRunsEachMigrationOnce()
    {
        await using (var database = new PostgresDatabase(PostgresTestServer.NewOptions(_schema)))
        {
            await database.EnsureMigratedAsync("widgets", V1, CancellationToken.None);
            await database.EnsureMigratedAsync("widgets", V1, CancellationToken.None);
        }

        await using (var database = new PostgresDatabase(PostgresTestServer.NewOptions(_schema)))
        {
            await database.EnsureMigratedAsync("widgets", V2, CancellationToken.None);
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand("INSERT INTO widgets (id, name) VALUES ('a', 'b'); SELECT version FROM schema_versions WHERE component = 'widgets'", connection);
            Assert.Equal(2, await command.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task InstancesStartingAtOnceMigrateOnce()
    {
        var databases = Enumerable.Range(0, 8).Select(_ => new PostgresDatabase(PostgresTestServer.NewOptions(_schema))).ToList();
        try
        {
            await Task.WhenAll(databases.Select(d => Task.Run(() => d.EnsureMigratedAsync("widgets", V2, CancellationToken.None))));
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ANewerSchemaThanThePackageKnowsIsRefusedByName()
    {
        await using (var database = new PostgresDatabase(PostgresTestServer.NewOptions(_schema)))
        {
            await database.EnsureMigratedAsync("widgets", V2, CancellationToken.None);
        }

        await using var older = new PostgresDatabase(PostgresTestServer.NewOptions(_schema));
        var exception = await Assert.ThrowsAsync<TraceStoreException>(() => older.EnsureMigratedAsync("widgets", V1, CancellationToken.None));
        Assert.Contains("version 2 of the widgets tables", exception.Message, StringComparison.Ordinal);
        Assert.Contains(_schema, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "ConnectionString is required")]
    [InlineData("Hots=x", "not a valid Npgsql connection string")]
    public void AnInvalidConnectionStringIsNamed(string connectionString, string expected)
    {
        var exception = Assert.Throws<ArgumentException>(() => new PostgresDatabase(new PostgresStoreOptions { ConnectionString = connectionString }));
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Dreaming")]
    [InlineData("a-b")]
    [InlineData("x\"; DROP SCHEMA public; --")]
    public void ASchemaThatIsNotAPlainIdentifierIsRefused(string schema)
    {
        var exception = Assert.Throws<ArgumentException>(() => new PostgresDatabase(new PostgresStoreOptions { ConnectionString = "Host=localhost", Schema = schema }));
        Assert.Contains("PostgresStoreOptions.Schema", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db:5433;Database=app", "db:5433/app/s")]
    [InlineData("Host=a,b:5433;Port=5434;Database=app", "a:5434,b:5433/app/s")]
    [InlineData("Host=::1;Database=app", "[::1]:5432/app/s")]
    [InlineData("Host=db;Port=5433;Username=app", "db:5433/app/s")]
    public void TheLocationNamesEachHostWithThePortItUsesSetApart(string connectionString, string location)
    {
        using var database = new PostgresDatabase(new PostgresStoreOptions { ConnectionString = connectionString, Schema = "s" });
        Assert.Equal(location, database.Location);
    }

    // A host's own port that is not one is refused before any store is made (the validator, and the tool's --db), so no
    // Location shows it; the shared PostgresLocation still names it as written, not followed by Port ("db::5432").
    [Theory]
    [InlineData("Host=db:;Database=app", "db:/app/s")]
    [InlineData("Host=db:abc,b;Port=5434;Database=app", "db:abc,b:5434/app/s")]
    [InlineData("Host=[::1]:;Database=app", "[::1]:/app/s")]
    public void TheLocationNamesAHostsOwnPortThatIsNotOneAsWritten(string connectionString, string location)
    {
        // Compiled into this assembly and the tool's, both visible here: read the store's.
        var of = typeof(PostgresStoreOptions).Assembly.GetType("Dreaming.PostgresLocation", throwOnError: true)!.GetMethod("Of")!;
        Assert.Equal(location, of.Invoke(null, [new Npgsql.NpgsqlConnectionStringBuilder(connectionString), "s"]));
    }

    [Theory]
    [InlineData("Host=db:;Database=app", "the port '' of the host 'db'")]
    [InlineData("Host=a,db:abc;Database=app", "the port 'abc' of the host 'db'")]
    [InlineData("Host=db:0;Database=app", "the port '0' of the host 'db'")]
    [InlineData("Host=db:70000;Database=app", "the port '70000' of the host 'db'")]
    [InlineData("Host=db;Port=70000;Database=app", "the Port '70000'")]
    public void AHostPortThatIsNotOneIsRefusedNamingItNotWithAFormatException(string connectionString, string named)
    {
        // Npgsql reads a host's own port only when the data source is made: the store's constructor (the host's first
        // resolve) threw "FormatException: The input string '' was not in a correct format.", naming no setting.
        var error = Assert.Throws<ArgumentException>(() => new PostgresDatabase(new PostgresStoreOptions { ConnectionString = connectionString + ";Password=hunter2", Schema = "s" }));

        Assert.Contains("PostgresStoreOptions.ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 65535", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    // Npgsql reads a host's own port as int.Parse does (white space and a sign allowed): such a connection string works
    // (it connects), and the validator that came with the port check refused it, so an app that started before did not.
    [Theory]
    [InlineData("Host=db: 5433;Database=app", "db: 5433/app/s")]
    [InlineData("Host=db:+5433,b;Database=app", "db:+5433,b:5432/app/s")]
    public void AHostPortNpgsqlReadsIsNotRefused(string connectionString, string location)
    {
        using (NpgsqlDataSource.Create(connectionString))
        {
            // Npgsql splits the hosts here, and throws a FormatException for one whose port it cannot read.
        }

        using var database = new PostgresDatabase(new PostgresStoreOptions { ConnectionString = connectionString, Schema = "s" });
        Assert.Equal(location, database.Location);
    }
}
