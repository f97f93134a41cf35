using System.Runtime.CompilerServices;
using Dreaming.Testing;
using Xunit.Sdk;

namespace Dreaming.Tests.Testing;

/// <summary>The conformance suites must fail for stores that break the contract: a suite case that passes for a broken
/// store proves nothing for the stores that run it. Each test runs suite cases against a deliberately broken store.</summary>
public sealed class ConformanceSuiteSelfTests
{
    [Fact]
    public async Task TraceSuite_FailsAStoreThatIgnoresCancellation()
    {
        var error = await RunAsync(new TraceSuite(() => new CancellationIgnoringTraceStore(new InMemoryTraceStore())), suite => suite.Members_HonourCancellation());

        Assert.NotNull(error);
    }

    [Fact]
    public async Task TraceSuite_PassesTheInMemoryStore()
    {
        Assert.Null(await RunAsync(new TraceSuite(() => new InMemoryTraceStore()), suite => suite.Members_HonourCancellation()));
    }

    /// <summary>Runs one suite case the way xunit does (initialise, run, dispose) and returns its failure, if any.</summary>
    private static async Task<Exception?> RunAsync<TSuite>(TSuite suite, Func<TSuite, Task> test)
        where TSuite : IAsyncLifetime
    {
        await suite.InitializeAsync();
        try
        {
            await test(suite);
            return null;
        }
        catch (XunitException error)
        {
            return error;
        }
        finally
        {
            await suite.DisposeAsync();
        }
    }

    // Not public, so xunit does not run the suite's cases against the broken stores on its own.
#pragma warning disable xUnit1000
    private sealed class TraceSuite(Func<ITraceStore> create) : TraceStoreConformanceTests
#pragma warning restore xUnit1000
    {
        protected override Task<ITraceStore> CreateStoreAsync() => Task.FromResult(create());
    }

    /// <summary>A trace store that never looks at the caller's token.</summary>
    private sealed class CancellationIgnoringTraceStore(ITraceStore inner) : ITraceStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(CancellationToken.None);

        public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => inner.WriteAsync(batch, CancellationToken.None);

        public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => inner.CompleteSessionAsync(completion, CancellationToken.None);

        public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => inner.SetOutcomeAsync(sessionId, outcome, CancellationToken.None);

        public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => inner.ImportAsync(sessions, CancellationToken.None);

        public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetSessionAsync(sessionId, CancellationToken.None);

        public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetEventsAsync(sessionId, CancellationToken.None);

        public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.QuerySessionsAsync(query, CancellationToken.None);

        // Streaming honours its token (the suite already checks that); only the other members ignore theirs.
        public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.StreamSessionsAsync(query, cancellationToken);

        public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => inner.PurgeAsync(startedBefore, CancellationToken.None);
    }
}
