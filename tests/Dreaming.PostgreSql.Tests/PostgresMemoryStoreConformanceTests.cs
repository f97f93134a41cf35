using Dreaming.Testing;

namespace Dreaming.PostgreSql.Tests;

public sealed class PostgresMemoryStoreConformanceTests : MemoryStoreConformanceTests
{
    private readonly List<string> _schemas = [];

    protected override Task<IMemoryStore> CreateStoreAsync()
    {
        var options = PostgresTestServer.NewOptions();
        _schemas.Add(options.Schema);
        return Task.FromResult<IMemoryStore>(new PostgresMemoryStore(options));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var schema in _schemas)
        {
            await PostgresTestServer.DropSchemaAsync(schema);
        }
    }
}
