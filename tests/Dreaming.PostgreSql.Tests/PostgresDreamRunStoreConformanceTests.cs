using Dreaming.Testing;

namespace Dreaming.PostgreSql.Tests;

public sealed class PostgresDreamRunStoreConformanceTests : DreamRunStoreConformanceTests
{
    private readonly List<string> _schemas = [];

    protected override Task<IDreamRunStore> CreateStoreAsync(TimeProvider timeProvider)
    {
        var options = PostgresTestServer.NewOptions();
        _schemas.Add(options.Schema);
        return Task.FromResult<IDreamRunStore>(new PostgresDreamRunStore(options, timeProvider));
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
