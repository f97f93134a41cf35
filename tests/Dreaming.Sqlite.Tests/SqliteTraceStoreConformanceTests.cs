using Dreaming.Testing;

namespace Dreaming.Sqlite.Tests;

public sealed class SqliteTraceStoreConformanceTests : TraceStoreConformanceTests
{
    private readonly TempFolder _folder = new();
    private int _stores;

    protected override Task<ITraceStore> CreateStoreAsync() =>
        Task.FromResult<ITraceStore>(new SqliteTraceStore(_folder.File($"store-{++_stores}.db")));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}
