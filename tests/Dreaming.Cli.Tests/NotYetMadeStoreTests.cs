using NSubstitute;

namespace Dreaming.Cli.Tests;

/// <summary>The stand-ins for a PostgreSQL schema's stores whose tables were missing (<see cref="NotYetMadeStore{TStore}"/>)
/// declare every member of their store's interface, the default interface members too: a member left to the interface's
/// default would run it over the stand-in, not the database's store, once the tables are there.</summary>
public sealed class NotYetMadeStoreTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(typeof(NotYetMadeTraceStore), typeof(ITraceStore))]
    [InlineData(typeof(NotYetMadeMemoryStore), typeof(IMemoryStore))]
    [InlineData(typeof(NotYetMadeDreamRunStore), typeof(IDreamRunStore))]
    [InlineData(typeof(NotYetMadeOutbox), typeof(IWebhookOutboxStore))]
    public void Each_stand_in_declares_every_member_of_its_stores_interface(Type standIn, Type store)
    {
        Assert.Empty(Undeclared(standIn, store));
    }

    [Fact]
    public void The_check_finds_a_stand_in_that_leaves_a_default_member_to_the_interface()
    {
        Assert.Contains(typeof(ITraceStore).GetMethods(), m => m.Name == nameof(ITraceStore.GetSessionChangeHorizonAsync) && !m.IsAbstract);
        Assert.Equal(
            [nameof(ITraceStore.QueryEventsAsync), nameof(ITraceStore.GetSessionChangeHorizonAsync)],
            Undeclared(typeof(WithoutDefaults), typeof(ITraceStore)));
    }

    [Fact]
    public async Task Once_the_trace_tables_are_there_each_call_reaches_the_database_store_with_its_arguments_and_token()
    {
        var database = Substitute.For<ITraceStore>();
        var components = new SchemaComponents(_ => throw new InvalidOperationException("not read: the tables were there"), new HashSet<string>([CliServices.TracesComponent], StringComparer.Ordinal));
        var store = new NotYetMadeTraceStore(database, components);
        using var cancellation = new CancellationTokenSource();
        var unreached = new List<string>();
        Assert.Equal(12, typeof(ITraceStore).GetMethods().Length);
        foreach (var member in typeof(ITraceStore).GetMethods())
        {
            database.ClearReceivedCalls();
            var arguments = member.GetParameters().Select(p => Sample(p.ParameterType, cancellation.Token)).ToArray();
            switch (member.Invoke(store, arguments))
            {
                case Task task:
                    await task;
                    break;
                case IAsyncEnumerable<SessionWithEvents> stream:
                    await foreach (var unused in stream.WithCancellation(cancellation.Token))
                    {
                    }

                    break;
            }

            var calls = database.ReceivedCalls().ToList();
            if (calls.Count != 1 || calls[0].GetMethodInfo() != member || !calls[0].GetArguments().SequenceEqual(arguments))
            {
                unreached.Add($"{member.Name} reached the database as [{string.Join(", ", calls.Select(c => c.GetMethodInfo().Name))}]");
            }
        }

        Assert.True(unreached.Count == 0, string.Join("\n", unreached));
    }

    // The members of the interface whose implementation in the type is not the type's own (the interface's default).
    private static List<string> Undeclared(Type type, Type store)
    {
        var map = type.GetInterfaceMap(store);
        return [.. Enumerable.Range(0, map.InterfaceMethods.Length).Where(i => map.TargetMethods[i].DeclaringType != type).Select(i => map.InterfaceMethods[i].Name)];
    }

    // One value of each parameter type of ITraceStore's members, each a distinct instance the database's call must receive.
    private static object Sample(Type type, CancellationToken token) => type switch
    {
        _ when type == typeof(CancellationToken) => token,
        _ when type == typeof(string) => "session-7",
        _ when type == typeof(DateTimeOffset) => At,
        _ when type == typeof(TraceWriteBatch) => new TraceWriteBatch([], []),
        _ when type == typeof(SessionCompletion) => new SessionCompletion { SessionId = "session-7", Status = SessionStatus.Failed, EndedAt = At },
        _ when type == typeof(SessionOutcome) => SessionOutcome.Failed(),
        _ when type == typeof(IReadOnlyList<SessionWithEvents>) => new List<SessionWithEvents>(),
        _ when type == typeof(SessionQuery) => new SessionQuery { PageSize = 7 },
        _ when type == typeof(SessionEventQuery) => new SessionEventQuery { Limit = 7 },
        _ => throw new InvalidOperationException($"Add a sample {type} for the new member of ITraceStore."),
    };

    /// <summary>A stand-in written as the trace one would be without the interface's default members.</summary>
    private sealed class WithoutDefaults(ITraceStore inner) : ITraceStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => inner.WriteAsync(batch, cancellationToken);

        public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => inner.CompleteSessionAsync(completion, cancellationToken);

        public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => inner.SetOutcomeAsync(sessionId, outcome, cancellationToken);

        public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => inner.ImportAsync(sessions, cancellationToken);

        public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetSessionAsync(sessionId, cancellationToken);

        public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetEventsAsync(sessionId, cancellationToken);

        public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.QuerySessionsAsync(query, cancellationToken);

        public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.StreamSessionsAsync(query, cancellationToken);

        public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => inner.PurgeAsync(startedBefore, cancellationToken);
    }
}
