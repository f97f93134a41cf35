using System.Reflection;
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

    [Fact]
    public async Task TraceSuite_NamesTheSessionFieldAStoreLost()
    {
        var error = await RunAsync(new TraceSuite(() => new AgentVersionLosingTraceStore(new InMemoryTraceStore())), suite => suite.WriteAsync_NewSession_RoundTripsEveryField());

        Assert.NotNull(error);
        Assert.Contains("Session 'full' came back with AgentVersion null; expected \"prompt@7\".", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TraceSuite_NamesTheEventCountAStoreGotWrong()
    {
        var error = await RunAsync(
            new TraceSuite(() => new AgentVersionLosingTraceStore(new InMemoryTraceStore(), countOneMore: true)),
            suite => suite.WriteAsync_MinimalSession_RoundTripsDefaults());
        Assert.Contains("Session 'minimal' came back with EventCount (the number of events stored for it) 1; expected 0.", error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("after")]
    [InlineData("limit")]
    [InlineData("case")]
    [InlineData("token")]
    public async Task TraceSuite_FailsAStoreWhoseEventQueryIsWrong(string flaw)
    {
        var error = await RunAsync(
            new TraceSuite(() => new FlawedEventQueryStore(new InMemoryTraceStore(), flaw)),
            suite => flaw switch
            {
                "case" => suite.QueryEventsAsync_ReadsOnlyTheTypesAskedFor(),
                "token" => suite.QueryEventsAsync_RefusesBadArgumentsAndHonoursCancellation(),
                _ => suite.QueryEventsAsync_ReadsTheEventsAfterASequenceUpToTheLimit(),
            });

        Assert.NotNull(error);
        Assert.Null(await RunAsync(new TraceSuite(() => new InMemoryTraceStore()), suite => suite.QueryEventsAsync_DefaultImplementationReadsTheSameEvents()));
    }

    [Fact]
    public async Task MemorySuite_FailsAStoreThatIgnoresCancellation()
    {
        Assert.Null(await RunAsync(new MemorySuite(() => new InMemoryMemoryStore()), suite => suite.Members_HonourCancellation()));
        var error = await RunAsync(new MemorySuite(() => CancellationIgnoring<IMemoryStore>.Wrap(new InMemoryMemoryStore())), suite => suite.Members_HonourCancellation());

        Assert.NotNull(error);
        Assert.Contains("InitializeAsync given a cancelled token completed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemorySuite_FailsAStoreThatIgnoresCancellationOnlyWhenRejecting()
    {
        var error = await RunAsync(
            new MemorySuite(() => CancellationIgnoring<IMemoryStore>.Wrap(new InMemoryMemoryStore(), nameof(IMemoryStore.RejectAsync))),
            suite => suite.Members_HonourCancellation());

        Assert.Contains("RejectAsync given a cancelled token completed", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DreamRunSuite_FailsAStoreThatIgnoresCancellationOnlyWhenRecovering()
    {
        Assert.Null(await RunAsync(new DreamRunSuite(time => new InMemoryDreamRunStore(time)), suite => suite.Members_HonourCancellation()));
        var error = await RunAsync(
            new DreamRunSuite(time => CancellationIgnoring<IDreamRunStore>.Wrap(new InMemoryDreamRunStore(time), nameof(IDreamRunStore.RecoverAbandonedAsync))),
            suite => suite.Members_HonourCancellation());

        Assert.Contains("RecoverAbandonedAsync given a cancelled token completed", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhookOutboxSuite_FailsAStoreThatIgnoresCancellationOnlyWhenClaiming()
    {
        Assert.Null(await RunAsync(new WebhookOutboxSuite(time => new InMemoryWebhookOutboxStore(time)), suite => suite.Members_HonourCancellation()));
        var error = await RunAsync(
            new WebhookOutboxSuite(time => CancellationIgnoring<IWebhookOutboxStore>.Wrap(new InMemoryWebhookOutboxStore(time), nameof(IWebhookOutboxStore.ClaimDueAsync))),
            suite => suite.Members_HonourCancellation());

        Assert.Contains("ClaimDueAsync given a cancelled token completed", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhookOutboxSuite_FailsAStoreWhoseKillCountsAsAFailedAttempt()
    {
        Assert.Null(await RunAsync(new WebhookOutboxSuite(time => new InMemoryWebhookOutboxStore(time)), suite => suite.KillAsync_IsNotAnAttempt()));
        var error = await RunAsync(
            new WebhookOutboxSuite(time => KillAsLastAttempt.Wrap(new InMemoryWebhookOutboxStore(time), time)),
            suite => suite.KillAsync_IsNotAnAttempt());

        Assert.NotNull(error);
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

#pragma warning disable xUnit1000
    private sealed class MemorySuite(Func<IMemoryStore> create) : MemoryStoreConformanceTests
    {
        protected override Task<IMemoryStore> CreateStoreAsync() => Task.FromResult(create());
    }

    private sealed class DreamRunSuite(Func<TimeProvider, IDreamRunStore> create) : DreamRunStoreConformanceTests
    {
        protected override Task<IDreamRunStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(create(timeProvider));
    }

    private sealed class WebhookOutboxSuite(Func<TimeProvider, IWebhookOutboxStore> create) : WebhookOutboxStoreConformanceTests
    {
        protected override Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(create(timeProvider));
    }
#pragma warning restore xUnit1000

    /// <summary>Wraps a store so that the members named (all when none are) never see the caller's token.</summary>
    public class CancellationIgnoring<TStore> : DispatchProxy
        where TStore : class
    {
        private TStore _inner = null!;
        private string[] _members = [];

#pragma warning disable CA1000 // the factory belongs with the proxy it creates
        public static TStore Wrap(TStore inner, params string[] members)
        {
            var proxy = Create<TStore, CancellationIgnoring<TStore>>();
            var self = (CancellationIgnoring<TStore>)(object)proxy;
            self._inner = inner;
            self._members = members;
            return proxy;
        }
#pragma warning restore CA1000

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (args is not null && (_members.Length == 0 || _members.Contains(targetMethod.Name)))
            {
                for (var i = 0; i < args.Length; i++)
                {
                    if (args[i] is CancellationToken)
                    {
                        args[i] = CancellationToken.None;
                    }
                }
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException error) when (error.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error.InnerException).Throw();
                throw;
            }
        }
    }

    /// <summary>An outbox store that kills a delivery by recording a last failed attempt, which counts toward the endpoint's
    /// failures: what a host store written with <see cref="WebhookOutboxRules.ConsecutiveFailuresAfter"/> for kills does.</summary>
    public class KillAsLastAttempt : DispatchProxy
    {
        private IWebhookOutboxStore _inner = null!;
        private TimeProvider _time = null!;

#pragma warning disable CA1000 // the factory belongs with the proxy it creates
        public static IWebhookOutboxStore Wrap(IWebhookOutboxStore inner, TimeProvider time)
        {
            var proxy = Create<IWebhookOutboxStore, KillAsLastAttempt>();
            var self = (KillAsLastAttempt)(object)proxy;
            self._inner = inner;
            self._time = time;
            return proxy;
        }
#pragma warning restore CA1000

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IWebhookOutboxStore.KillAsync))
            {
                return KillAsync((string)args![0]!, (string)args[1]!, (CancellationToken)args[2]!);
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException error) when (error.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error.InnerException).Throw();
                throw;
            }
        }

        private async Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken) =>
            (await _inner.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = deliveryId, AttemptedAt = _time.GetUtcNow(), Error = reason }, cancellationToken)).Delivery;
    }

    /// <summary>A trace store that reads sessions back without their agent version, and optionally with one event too many.</summary>
    private sealed class AgentVersionLosingTraceStore(InMemoryTraceStore inner, bool countOneMore = false) : ForwardingTraceStore(inner)
    {
        public override async Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
            await Inner.GetSessionAsync(sessionId, cancellationToken) is { } session
                ? session with { AgentVersion = null, EventCount = session.EventCount + (countOneMore ? 1 : 0) }
                : null;
    }

    /// <summary>A trace store whose <see cref="ITraceStore.QueryEventsAsync"/> has one flaw: it ignores the sequence to
    /// start after, or the limit, matches types ignoring case, or ignores the token.</summary>
    private sealed class FlawedEventQueryStore(InMemoryTraceStore inner, string flaw) : ForwardingTraceStore(inner)
    {
        public override async Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default)
        {
            switch (flaw)
            {
                case "after":
                    return await Inner.QueryEventsAsync(sessionId, query with { AfterSequence = null }, cancellationToken);
                case "limit":
                    return await Inner.QueryEventsAsync(sessionId, query with { Limit = null }, cancellationToken);
                case "case" when query.Types is not null:
                    var types = query.Types.ToHashSet(StringComparer.OrdinalIgnoreCase);
                    return [.. (await Inner.QueryEventsAsync(sessionId, query with { Types = null, Limit = null }, cancellationToken)).Where(e => types.Contains(e.EventType)).Take(query.Limit ?? int.MaxValue)];
                case "token":
                    return await Inner.QueryEventsAsync(sessionId, query, CancellationToken.None);
                default:
                    return await Inner.QueryEventsAsync(sessionId, query, cancellationToken);
            }
        }
    }

    /// <summary>A trace store that never looks at the caller's token.</summary>
    private sealed class CancellationIgnoringTraceStore(ITraceStore inner) : ForwardingTraceStore(inner)
    {
        public override Task InitializeAsync(CancellationToken cancellationToken = default) => Inner.InitializeAsync(CancellationToken.None);

        public override Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => Inner.WriteAsync(batch, CancellationToken.None);

        public override Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => Inner.CompleteSessionAsync(completion, CancellationToken.None);

        public override Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => Inner.SetOutcomeAsync(sessionId, outcome, CancellationToken.None);

        public override Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => Inner.ImportAsync(sessions, CancellationToken.None);

        public override Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => Inner.GetSessionAsync(sessionId, CancellationToken.None);

        public override Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) => Inner.GetEventsAsync(sessionId, CancellationToken.None);

        // As the interface's default did before the base forwarded it: the query over GetEventsAsync, without the token.
        public override Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) => Inner.QueryEventsAsync(sessionId, query, CancellationToken.None);

        public override Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => Inner.QuerySessionsAsync(query, CancellationToken.None);

        // Streaming honours its token (the suite already checks that), and so does the change horizon, forwarded as it is;
        // only the other members ignore theirs.
        public override Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => Inner.PurgeAsync(startedBefore, CancellationToken.None);
    }
}
