using Dreaming.Testing;

namespace Dreaming.Tests.Dreams.Runs;

public sealed class InMemoryDreamRunStoreConformanceTests : DreamRunStoreConformanceTests
{
    protected override Task<IDreamRunStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<IDreamRunStore>(new InMemoryDreamRunStore(timeProvider));
}
