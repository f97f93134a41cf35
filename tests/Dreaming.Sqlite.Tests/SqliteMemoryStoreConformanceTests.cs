using Dreaming.Testing;

namespace Dreaming.Sqlite.Tests;

public sealed class SqliteMemoryStoreConformanceTests : MemoryStoreConformanceTests
{
    private readonly TempFolder _folder = new();
    private int _stores;

    protected override Task<IMemoryStore> CreateStoreAsync() =>
        Task.FromResult<IMemoryStore>(new SqliteMemoryStore(_folder.File($"memory-{++_stores}.db")));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}
