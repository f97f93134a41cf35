using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Dreaming.AgentView.Tests.TestEvents;

namespace Dreaming.AgentView.Tests;

/// <summary>On a store whose <see cref="ITraceStore.QueryEventsAsync"/> is the interface's default (each query reads the
/// whole session), a session page reads the session once, and shows what it shows on a store that queries natively.</summary>
public sealed class SessionEventReadLegacyStoreTests
{
    // 8,000 events: outcome evaluations at #2 and #3, a call at #1500 answered at #2100, a call at #3000 never answered, a
    // call at #3990 answered at #4500, a result at #6500 whose call (#3500) is more than 2,000 events before it, notes
    // between. The window after #2000 (#2001 to #4000) holds a result whose call is before it, a call whose result is after
    // it, and a call with no result though 4,000 events follow (a few tool events among them: "no result recorded", which
    // a read of the tool events after it that kept the notes too would turn into "no result in the next 2,000"); the
    // window after #6000 a result whose call is out of reach: every read the page makes.
    private static SessionWithEvents Long()
    {
        var events = Enumerable.Range(0, 8_000).Select(i => (SessionEvent)new NoteEvent { Text = "n" + i }).ToArray();
        events[1] = new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund" };
        events[2] = new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "refund", Result = "satisfied", Score = 1, Threshold = 0.5, Passed = true };
        events[1_499] = new ToolCallEvent { CallId = "early", ToolName = "lookup" };
        events[2_099] = new ToolResultEvent { CallId = "early", ToolName = "lookup", Result = "found" };
        events[2_999] = new ToolCallEvent { CallId = "open", ToolName = "escalate" };
        events[3_499] = new ToolCallEvent { CallId = "far", ToolName = "audit" };
        events[3_989] = new ToolCallEvent { CallId = "late", ToolName = "refund" };
        events[4_499] = new ToolResultEvent { CallId = "late", ToolName = "refund", Result = "done" };
        events[6_499] = new ToolResultEvent { CallId = "far", ToolName = "audit", Result = "clean" };
        return Full("s", "task", events);
    }

    [Theory]
    [InlineData("/dreaming/sessions/s?after=2000")]
    [InlineData("/dreaming/sessions/s?after=4000")]
    [InlineData("/dreaming/sessions/s?after=6000")]
    [InlineData("/dreaming/sessions/s")]
    public async Task A_page_reads_the_session_once_and_shows_what_a_native_store_shows(string path)
    {
        var legacy = new LegacyTraceStore();
        await using var onLegacy = await AgentViewHost.StartAsync(services: services => services.Replace(ServiceDescriptor.Singleton<ITraceStore>(legacy)));
        await using var onNative = await AgentViewHost.StartAsync();
        await legacy.Inner.SeedAsync(Long());
        await onNative.Traces.SeedAsync(Long());

        var expected = await BodyAsync(onNative, path);
        var before = legacy.WholeReads;
        var body = await BodyAsync(onLegacy, path);

        Assert.Equal(1, legacy.WholeReads - before);
        Assert.Equal(expected, body);
        Assert.Contains("table class=\"outcome\"", body, StringComparison.Ordinal);
        if (path.EndsWith("after=2000", StringComparison.Ordinal))
        {
            Assert.Contains("no result recorded", body, StringComparison.Ordinal);
        }
        else if (path.EndsWith("after=6000", StringComparison.Ordinal))
        {
            Assert.Contains("no call in the 2,000 events before", body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(typeof(LegacyTraceStore), true)]
    [InlineData(typeof(DerivedLegacyStore), true)]
    [InlineData(typeof(GenericLegacyStore<int>), true)]
    [InlineData(typeof(HidingLegacyStore), true)]
    [InlineData(typeof(ExplicitQueryStore), false)]
    [InlineData(typeof(ReimplementingStore), false)]
    [InlineData(typeof(GenericReimplementingStore<string>), false)]
    [InlineData(typeof(InMemoryTraceStore), false)]
    [InlineData(typeof(Decorator), false)]
    public void A_store_is_read_once_exactly_when_its_query_dispatches_to_the_interfaces_default(Type storeType, bool readOnce)
    {
        // The page's test is where a call of QueryEventsAsync goes: a derived class of a store without it (even one declaring
        // a public QueryEventsAsync of its own, which does not implement the interface's member) goes to the default; an
        // explicit implementation, or a subclass that re-implements the interface with it, does not.
        var store = storeType == typeof(Decorator) ? new Decorator(new LegacyTraceStore()) : (ITraceStore)Activator.CreateInstance(storeType)!;

        Assert.Equal(readOnce, Dreaming.AgentView.Pages.SessionDetailPage.QueriesByInterfaceDefault(store));
    }

    internal sealed class Decorator(ITraceStore inner) : ForwardingTraceStore(inner);

    internal class DerivedLegacyStore : LegacyStoreBase;

    internal sealed class GenericLegacyStore<T> : LegacyStoreBase;

    internal sealed class HidingLegacyStore : LegacyStoreBase
    {
        public Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<SessionEvent>>([]);
    }

    internal sealed class ExplicitQueryStore : LegacyStoreBase, ITraceStore
    {
        Task<IReadOnlyList<SessionEvent>> ITraceStore.QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SessionEvent>>([]);
    }

    internal sealed class ReimplementingStore : DerivedLegacyStore, ITraceStore
    {
        public Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<SessionEvent>>([]);
    }

    internal sealed class GenericReimplementingStore<T> : LegacyStoreBase, ITraceStore
    {
        public Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<SessionEvent>>([]);
    }

    internal abstract class LegacyStoreBase : ITraceStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => Task.FromResult<SessionRecord?>(null);

        public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<SessionEvent>>([]);

        public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => Task.FromResult(0);
    }

    private static async Task<string> BodyAsync(AgentViewHost host, string path)
    {
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}\n{body}");
        return body;
    }
}
