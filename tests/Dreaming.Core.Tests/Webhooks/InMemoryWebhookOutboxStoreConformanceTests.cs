using Dreaming.Testing;

namespace Dreaming.Tests.Webhooks;

public sealed class InMemoryWebhookOutboxStoreConformanceTests : WebhookOutboxStoreConformanceTests
{
    protected override Task<IWebhookOutboxStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<IWebhookOutboxStore>(new InMemoryWebhookOutboxStore(timeProvider));
}
