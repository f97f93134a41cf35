using Dreaming.Testing;

namespace Dreaming.Tests;

public sealed class InMemoryTraceStoreConformanceTests : TraceStoreConformanceTests
{
    protected override Task<ITraceStore> CreateStoreAsync() => Task.FromResult<ITraceStore>(new InMemoryTraceStore());
}
