namespace Dreaming.Tests.Storage;

/// <summary>The decorators the tests write around a store run no default interface member they did not choose: one
/// written by hand over an interface with a default member compiles without it, and then runs the interface's default
/// over the decorator instead of passing the call on (13 of 15 trace store doubles did, and three of four outbox doubles).
/// A store of the tests' own, made on no other store (an import recorder), may keep the defaults, as any store may.</summary>
public sealed class StoreDoublesTests
{
    private static readonly Type[] StoreInterfaces = [typeof(ITraceStore), typeof(IMemoryStore), typeof(IDreamRunStore), typeof(IWebhookOutboxStore)];

    [Fact]
    public void No_store_decorator_of_these_tests_runs_an_interface_default_it_did_not_declare()
    {
        // A double that means to act as a store written before a member existed says so by overriding the member with
        // its base's ...ByInterfaceDefaultAsync helper; the HandWritten... decorators, which show what the checks find,
        // are the only ones left to the defaults.
        var problems = typeof(StoreDoublesTests).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && !t.Name.StartsWith("HandWritten", StringComparison.Ordinal))
            .SelectMany(t => StoreInterfaces.Where(i => i.IsAssignableFrom(t) && Wraps(t, i)).SelectMany(i => DefaultsRun(t, i)))
            .ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_check_finds_a_decorator_that_leaves_out_a_default_member()
    {
        Assert.Equal(
            [$"{nameof(HandWrittenOutbox)} runs IWebhookOutboxStore's {nameof(IWebhookOutboxStore.RouteUnroutedAsync)}"],
            DefaultsRun(typeof(HandWrittenOutbox), typeof(IWebhookOutboxStore)));
        Assert.True(Wraps(typeof(HandWrittenOutbox), typeof(IWebhookOutboxStore)));
    }

    // Made on another store of the interface: a decorator.
    private static bool Wraps(Type type, Type storeInterface) =>
        type.GetConstructors(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
            .Any(c => c.GetParameters().Any(p => storeInterface.IsAssignableFrom(p.ParameterType)));

    private static IEnumerable<string> DefaultsRun(Type type, Type storeInterface)
    {
        var map = type.GetInterfaceMap(storeInterface);
        return map.TargetMethods.Where(m => m.DeclaringType == storeInterface).Select(m => $"{type.Name} runs {storeInterface.Name}'s {m.Name}");
    }

    /// <summary>Forwards <see cref="IWebhookOutboxStore.ClaimDueExceptAsync"/> but not <see cref="IWebhookOutboxStore.RouteUnroutedAsync"/>,
    /// as the dispatcher lane tests' counting outbox did.</summary>
    private sealed class HandWrittenOutbox(IWebhookOutboxStore inner) : IWebhookOutboxStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) => inner.EnqueueAsync(webhookEvent, endpointIds, cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default) => inner.ClaimDueAsync(now, lease, limit, cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default) =>
            inner.ClaimDueExceptAsync(now, lease, limit, skipEndpoints, cancellationToken);

        public Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default) => inner.RecordAttemptAsync(result, cancellationToken);

        public Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default) => inner.KillAsync(deliveryId, reason, cancellationToken);

        public Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.ReplayAsync(deliveryId, now, cancellationToken);

        public Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => inner.ReplayDeadAsync(now, cancellationToken);

        public Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default) => inner.GetAsync(deliveryId, cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default) => inner.ListAsync(state, limit, cancellationToken);

        public Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default) => inner.GetEndpointAsync(endpointId, cancellationToken);

        public Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.SetEndpointDisabledAsync(endpointId, reason, now, cancellationToken);
    }
}
