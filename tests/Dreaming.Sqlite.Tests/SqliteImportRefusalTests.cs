using Dreaming.Tests;

namespace Dreaming.Sqlite.Tests;

/// <summary>The SQLite store refuses an import as the in-memory and PostgreSQL stores do (<see cref="ImportRefusalTests"/>).</summary>
public sealed class SqliteImportRefusalTests : ImportRefusalTests, IDisposable
{
    private readonly TempFolder _folder = new();
    private int _stores;

    public void Dispose() => _folder.Dispose();

    protected override Task<ITraceStore> CreateStoreAsync() =>
        Task.FromResult<ITraceStore>(new SqliteTraceStore(_folder.File($"store-{++_stores}.db")));
}
