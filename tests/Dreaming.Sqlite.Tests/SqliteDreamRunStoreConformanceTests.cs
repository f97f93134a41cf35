using Dreaming.Testing;

namespace Dreaming.Sqlite.Tests;

public sealed class SqliteDreamRunStoreConformanceTests : DreamRunStoreConformanceTests
{
    private readonly TempFolder _folder = new();
    private int _stores;

    protected override Task<IDreamRunStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<IDreamRunStore>(new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = _folder.File($"runs-{++_stores}.db") }, timeProvider));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}
