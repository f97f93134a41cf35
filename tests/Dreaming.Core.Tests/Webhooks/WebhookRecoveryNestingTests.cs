using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests.Webhooks;

/// <summary>A recovery through <see cref="IDreamRunStore.RecoverAsync"/> announces each run it ends once per endpoint when
/// the dream run store is wrapped twice (<c>AddWebhookEndpoint</c>, then the host's decorator, then another
/// <c>AddWebhookEndpoint</c>), whatever the decorator does with the member: forwards it, overrides only one of the two recovery members, or, written
/// before it existed, leaves it to the interface's default, which runs <see cref="IDreamRunStore.RecoverAbandonedAsync"/>
/// (<see cref="RecoveryDecorator"/>).</summary>
public sealed class WebhookRecoveryNestingTests
{
    [Theory]
    [InlineData(RecoveryDecorator.Proxy, false)]
    [InlineData(RecoveryDecorator.Forwarding, false)]
    [InlineData(RecoveryDecorator.ForwardingByDefault, false)]
    [InlineData(RecoveryDecorator.OnlyRecoverAbandoned, false)]
    [InlineData(RecoveryDecorator.OnlyRecoverAsync, false)]
    [InlineData(RecoveryDecorator.Older, false)]
    [InlineData(RecoveryDecorator.Proxy, true)]
    [InlineData(RecoveryDecorator.Forwarding, true)]
    [InlineData(RecoveryDecorator.ForwardingByDefault, true)]
    [InlineData(RecoveryDecorator.OnlyRecoverAbandoned, true)]
    [InlineData(RecoveryDecorator.OnlyRecoverAsync, true)]
    [InlineData(RecoveryDecorator.Older, true)]
    public async Task A_recovery_through_a_store_wrapped_twice_around_the_hosts_decorator_is_announced_once_per_endpoint(RecoveryDecorator decorator, bool throughRecoverAsync)
    {
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents()
            .UseInMemoryStore()
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "dream.*");
        RecoveryDecorators.Redecorate(services, decorator);
        builder.AddWebhookEndpoint("chat", "https://chat.example.com/hook", WebhookSecret.Generate(), "dream.*");
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();
        var runs = provider.GetRequiredService<IDreamRunStore>();
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        await runs.StartAsync(run.Id, "dead", TimeSpan.FromMinutes(1));
        var later = DateTimeOffset.UtcNow.AddHours(1);

        var recovered = throughRecoverAsync
            ? await runs.RecoverAsync(new DreamRunRecovery { Now = later })
            : await runs.RecoverAbandonedAsync(later);

        Assert.Equal(run.Id, Assert.Single(recovered).Id);
        var deliveries = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal(
            ["chat dream.failed", "ci dream.failed"],
            deliveries.Select(d => $"{d.EndpointId} {d.EventType}").Order(StringComparer.Ordinal));
    }
}
