using Dreaming.Tests;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The PostgreSQL store refuses an import as the in-memory and SQLite stores do (<see cref="ImportRefusalTests"/>).</summary>
public sealed class PostgresImportRefusalTests : ImportRefusalTests, IAsyncLifetime
{
    private readonly List<string> _schemas = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var schema in _schemas)
        {
            await PostgresTestServer.DropSchemaAsync(schema);
        }
    }

    protected override Task<ITraceStore> CreateStoreAsync()
    {
        var options = PostgresTestServer.NewOptions();
        _schemas.Add(options.Schema);
        return Task.FromResult<ITraceStore>(new PostgresTraceStore(options));
    }
}
