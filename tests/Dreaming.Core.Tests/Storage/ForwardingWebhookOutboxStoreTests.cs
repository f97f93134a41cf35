using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Storage;

/// <summary><see cref="ForwardingWebhookOutboxStore"/> passes every member of <see cref="IWebhookOutboxStore"/>, the
/// default interface members too, to its inner outbox with the caller's arguments and token, and lets a derived outbox
/// override each one.</summary>
public sealed class ForwardingWebhookOutboxStoreTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_member_of_the_interface_is_a_public_virtual_method_it_declares()
    {
        var problems = ForwardingChecks.NotForwarded<IWebhookOutboxStore>(typeof(ForwardingWebhookOutboxStore));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Contains(typeof(IWebhookOutboxStore).GetMethods(), m => m.Name == nameof(IWebhookOutboxStore.ClaimDueExceptAsync) && !m.IsAbstract);
        Assert.Contains(typeof(IWebhookOutboxStore).GetMethods(), m => m.Name == nameof(IWebhookOutboxStore.RouteUnroutedAsync) && !m.IsAbstract);
    }

    [Fact]
    public async Task The_checks_find_a_hand_written_decorator_that_leaves_out_the_default_members()
    {
        // Written as the agent view tests' BodyOverride was: the two checks name the two default members it does not forward.
        Assert.Equal(
            [$"{nameof(IWebhookOutboxStore.ClaimDueExceptAsync)} is not declared by HandWritten (runs IWebhookOutboxStore's)", $"{nameof(IWebhookOutboxStore.RouteUnroutedAsync)} is not declared by HandWritten (runs IWebhookOutboxStore's)"],
            ForwardingChecks.NotForwarded<IWebhookOutboxStore>(typeof(HandWritten)).Where(p => p.Contains("is not declared", StringComparison.Ordinal)));
        var unreached = await ForwardingChecks.UnreachedAsync<IWebhookOutboxStore>(inner => new HandWritten(inner), Sample);

        Assert.Equal(
            [$"{nameof(IWebhookOutboxStore.ClaimDueExceptAsync)} reached the inner store as [{nameof(IWebhookOutboxStore.ClaimDueAsync)}]", $"{nameof(IWebhookOutboxStore.RouteUnroutedAsync)} reached the inner store as []"],
            unreached);
    }

    [Fact]
    public async Task Each_call_reaches_the_inner_outbox_with_the_same_arguments_and_token()
    {
        Assert.Equal(13, typeof(IWebhookOutboxStore).GetMethods().Length);

        var unreached = await ForwardingChecks.UnreachedAsync<IWebhookOutboxStore>(inner => new Plain(inner), Sample);

        Assert.True(unreached.Count == 0, string.Join("\n", unreached));
    }

    [Fact]
    public async Task The_inner_outboxs_own_claim_that_leaves_busy_endpoints_alone_is_kept()
    {
        var clock = new FakeTimeProvider(At);
        var store = new CountingClaims(new InMemoryWebhookOutboxStore(clock));
        await store.EnqueueAsync(WebhookEvent.Create("a.b", At, new JsonObject()), ["busy", "free"]);

        var claimed = await store.ClaimDueExceptAsync(At, TimeSpan.FromMinutes(1), 10, ["busy"]);

        Assert.Equal(["free"], claimed.Select(d => d.EndpointId));
        Assert.Equal(0, store.Claims); // the inner outbox's own ClaimDueExceptAsync, not the default over ClaimDueAsync
    }

    [Fact]
    public async Task A_derived_outbox_can_take_the_interface_defaults_instead()
    {
        var clock = new FakeTimeProvider(At);
        var store = new LegacyOutbox(new InMemoryWebhookOutboxStore(clock));
        await store.EnqueueAsync(WebhookEvent.Create("a.b", At, new JsonObject()), ["busy", "free"]);

        var claimed = await store.ClaimDueExceptAsync(At, TimeSpan.FromMinutes(1), 10, ["busy"]);

        Assert.Equal(["busy", "free"], claimed.Select(d => d.EndpointId).Order(StringComparer.Ordinal)); // the default ignores the endpoints named
        Assert.Equal(1, store.Claims); // through the derived outbox's ClaimDueAsync
        Assert.Equal((0, 0), await store.RouteUnroutedAsync(_ => ["free"], At, 10));
        Assert.Equal("endpointsFor", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.RouteUnroutedAsync(null!, At, 10))).ParamName);
        Assert.Equal("limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RouteUnroutedAsync(_ => [], At, 0))).ParamName);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.RouteUnroutedAsync(_ => [], At, 10, cancellation.Token));
    }

    // One value of each parameter type of IWebhookOutboxStore's members, each a distinct instance the inner call must receive.
    internal static object Sample(Type type) => type switch
    {
        _ when type == typeof(string) => "whd-7",
        _ when type == typeof(DateTimeOffset) => At,
        _ when type == typeof(TimeSpan) => TimeSpan.FromSeconds(7),
        _ when type == typeof(int) => 7,
        _ when type == typeof(WebhookEvent) => WebhookEvent.Create("a.b", At, new JsonObject()),
        _ when type == typeof(IReadOnlyList<string>) => new List<string> { "ci" },
        _ when type == typeof(IReadOnlyCollection<string>) => new HashSet<string>(StringComparer.Ordinal) { "busy" },
        _ when type == typeof(Func<string, IReadOnlyList<string>>) => (Func<string, IReadOnlyList<string>>)(_ => ["ci"]),
        _ when type == typeof(WebhookAttemptResult) => new WebhookAttemptResult { DeliveryId = "whd-7", AttemptedAt = At },
        _ when type == typeof(WebhookDeliveryState?) => WebhookDeliveryState.Dead,
        _ => throw new InvalidOperationException($"Add a sample {type} for the new member of IWebhookOutboxStore."),
    };

    private sealed class Plain(IWebhookOutboxStore inner) : ForwardingWebhookOutboxStore(inner);

    private class CountingClaims(IWebhookOutboxStore inner) : ForwardingWebhookOutboxStore(inner)
    {
        public int Claims { get; private set; }

        public override Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
        {
            Claims++;
            return base.ClaimDueAsync(now, lease, limit, cancellationToken);
        }
    }

    private sealed class LegacyOutbox(IWebhookOutboxStore inner) : CountingClaims(inner)
    {
        public override Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default) =>
            ClaimDueExceptByInterfaceDefaultAsync(now, lease, limit, skipEndpoints, cancellationToken);

        public override Task<(int Routed, int Dropped)> RouteUnroutedAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
            RouteUnroutedByInterfaceDefaultAsync(endpointsFor, now, limit, cancellationToken);
    }

    /// <summary>A decorator written by hand, as the tests' doubles were: it forwards the members it has to implement.</summary>
    private sealed class HandWritten(IWebhookOutboxStore inner) : IWebhookOutboxStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) => inner.EnqueueAsync(webhookEvent, endpointIds, cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default) => inner.ClaimDueAsync(now, lease, limit, cancellationToken);

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
