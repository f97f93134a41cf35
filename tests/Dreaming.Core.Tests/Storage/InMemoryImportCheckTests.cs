namespace Dreaming.Tests;

/// <summary>The in-memory store refuses an import as the SQLite and PostgreSQL stores do (<see cref="ImportRefusalTests"/>).</summary>
public sealed class InMemoryImportCheckTests : ImportRefusalTests
{
    protected override Task<ITraceStore> CreateStoreAsync() => Task.FromResult<ITraceStore>(new InMemoryTraceStore());
}
