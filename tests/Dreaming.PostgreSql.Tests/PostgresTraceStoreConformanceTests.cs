using Dreaming.Testing;

namespace Dreaming.PostgreSql.Tests;

public sealed class PostgresTraceStoreConformanceTests : TraceStoreConformanceTests
{
    private readonly List<string> _schemas = [];

    protected override Task<ITraceStore> CreateStoreAsync()
    {
        var options = PostgresTestServer.NewOptions();
        _schemas.Add(options.Schema);
        return Task.FromResult<ITraceStore>(new PostgresTraceStore(options));
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
