using Dreaming.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>On SQLite, whose dream run store writes a recovered run's <c>dream.failed</c> in the transaction that ends the
/// run, a recovery (<see cref="IDreamRunStore.RecoverAsync"/> or <see cref="IDreamRunStore.RecoverAbandonedAsync"/>) is
/// announced once per endpoint, neither twice nor skipped, whatever the host's decorator around the store does with the two
/// recovery members (forwards both, overrides only one of them, serves <see cref="IDreamRunStore.RecoverAsync"/> with the
/// interface's default, or predates it: <see cref="RecoveryDecorator"/>), and wherever it sits: between two webhook wrappers, or under the only one (it
/// then hides the store's own writing of the rows from the wrapper). The in-memory store's version is
/// <c>WebhookRecoveryNestingTests</c> in Dreaming.Core.Tests.</summary>
public sealed class SqliteWebhookRecoveryNestingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public static TheoryData<RecoveryDecorator, bool, bool> Cases()
    {
        var cases = new TheoryData<RecoveryDecorator, bool, bool>();
        foreach (var decorator in Enum.GetValues<RecoveryDecorator>())
        {
            foreach (var between in new[] { true, false })
            {
                cases.Add(decorator, between, true);
                cases.Add(decorator, between, false);
            }
        }

        return cases;
    }

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_recovery_through_the_hosts_decorator_is_announced_once_per_endpoint(RecoveryDecorator decorator, bool betweenTwoWrappers, bool throughRecoverAsync)
    {
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents().UseSqliteStore(_folder.File($"{decorator}-{betweenTwoWrappers}-{throughRecoverAsync}.db"));
        if (betweenTwoWrappers)
        {
            builder.AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "dream.*");
        }

        RecoveryDecorators.Redecorate(services, decorator);
        if (!betweenTwoWrappers)
        {
            builder.AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "dream.*");
        }

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
