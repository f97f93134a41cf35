using Dreaming.Testing;

namespace Dreaming.Tests.Memory;

public sealed class InMemoryMemoryStoreConformanceTests : MemoryStoreConformanceTests
{
    protected override Task<IMemoryStore> CreateStoreAsync() => Task.FromResult<IMemoryStore>(new InMemoryMemoryStore());
}
