namespace Dreaming;

/// <summary>Publishes <c>memory.version_proposed</c>, <c>memory.version_activated</c> and <c>memory.version_rejected</c> around
/// another memory store: right after a proposal (a dream's or a reviewer's edit), an approval, a rollback or a rejection is stored (not in its transaction; see docs/webhooks.md). A store that
/// writes those rows in its own transaction (<see cref="IMemoryWebhookWriter"/>, the SQLite store with the outbox on its
/// file) is left to do so, and nothing is published a second time. Behind a decorator of the host's, which hides those
/// interfaces, the store says so for the call in progress through <see cref="WebhookStoreChange"/>.</summary>
internal sealed class WebhookMemoryStore(IMemoryStore inner, IWebhookPublisher webhooks, bool ownsInner) : IMemoryStore, IDisposable
{
    /// <summary>Disposes the wrapped store when the container created it for this wrapper (the container only sees the wrapper).</summary>
    public void Dispose()
    {
        if (ownsInner && inner is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    public IMemoryStore Inner => inner;

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public async Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookMemoryStore), nameof(ProposeAsync), proposal.Scope);
        var version = await inner.ProposeAsync(proposal, cancellationToken).ConfigureAwait(false);
        return change.AnnouncedInside ? version : await PublishAsync(WebhookEventTypes.MemoryVersionProposed, version).ConfigureAwait(false);
    }

    public Task<MemoryVersion?> GetVersionAsync(string versionId, CancellationToken cancellationToken = default) => inner.GetVersionAsync(versionId, cancellationToken);

    public Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default) => inner.GetActiveVersionAsync(scope, cancellationToken);

    public Task<IReadOnlyList<MemoryVersionSummary>> ListVersionsAsync(MemoryScope scope, int limit = 50, int? beforeNumber = null, CancellationToken cancellationToken = default) =>
        inner.ListVersionsAsync(scope, limit, beforeNumber, cancellationToken);

    public async Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookMemoryStore), nameof(ApproveAsync), versionId);
        var version = await inner.ApproveAsync(versionId, reviewer, cancellationToken).ConfigureAwait(false);
        return change.AnnouncedInside ? version : await PublishAsync(WebhookEventTypes.MemoryVersionActivated, version).ConfigureAwait(false);
    }

    public async Task<MemoryVersion> RejectAsync(string versionId, MemoryAuthor reviewer, string? reason = null, CancellationToken cancellationToken = default)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookMemoryStore), nameof(RejectAsync), versionId);
        var version = await inner.RejectAsync(versionId, reviewer, reason, cancellationToken).ConfigureAwait(false);
        return change.AnnouncedInside ? version : await PublishAsync(WebhookEventTypes.MemoryVersionRejected, version).ConfigureAwait(false);
    }

    public async Task<MemoryVersion> EditAsync(string versionId, MemoryEdit edit, CancellationToken cancellationToken = default)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookMemoryStore), nameof(EditAsync), versionId);
        var version = await inner.EditAsync(versionId, edit, cancellationToken).ConfigureAwait(false);
        return change.AnnouncedInside ? version : await PublishAsync(WebhookEventTypes.MemoryVersionProposed, version).ConfigureAwait(false);
    }

    public async Task<MemoryVersion> RollbackAsync(string versionId, MemoryAuthor author, string? note = null, CancellationToken cancellationToken = default)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookMemoryStore), nameof(RollbackAsync), versionId);
        var version = await inner.RollbackAsync(versionId, author, note, cancellationToken).ConfigureAwait(false);
        return change.AnnouncedInside ? version : await PublishAsync(WebhookEventTypes.MemoryVersionActivated, version).ConfigureAwait(false);
    }

    public Task<MemoryDiff> DiffAsync(string fromVersionId, string toVersionId, CancellationToken cancellationToken = default) => inner.DiffAsync(fromVersionId, toVersionId, cancellationToken);

    private async Task<MemoryVersion> PublishAsync(string eventType, MemoryVersion version)
    {
        if (inner is not IMemoryWebhookWriter { WritesMemoryWebhooks: true } && webhooks.IsSubscribed(eventType))
        {
            // The change is stored; the caller's token no longer decides whether it is announced.
            await webhooks.PublishAsync(eventType, WebhookEventData.MemoryEvent(eventType, version, webhooks.IncludeFullPayloads), CancellationToken.None).ConfigureAwait(false);
        }

        return version;
    }
}
