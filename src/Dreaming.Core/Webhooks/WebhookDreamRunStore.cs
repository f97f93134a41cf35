namespace Dreaming;

/// <summary>Publishes <c>dream.completed</c>, <c>dream.failed</c>, <c>dream.canceled</c>, <c>budget.reached</c> for a dream that stopped at its token
/// budget, and one <c>insight.quarantined</c> per insight a dream held back, around another dream run store: right after the run's end is stored (not in its transaction; see docs/webhooks.md).
/// A store that writes those rows in its own transaction (<see cref="IDreamRunWebhookWriter"/>, the SQLite store with the
/// outbox on its file) is left to do so, and nothing is published a second time. Behind a decorator of the host's, which hides those
/// interfaces, the store says so for the call in progress through <see cref="WebhookStoreChange"/>.</summary>
internal sealed class WebhookDreamRunStore(IDreamRunStore inner, IWebhookPublisher webhooks, bool ownsInner) : IDreamRunStore, IDisposable
{
    /// <summary>Disposes the wrapped store when the container created it for this wrapper (the container only sees the wrapper).</summary>
    public void Dispose()
    {
        if (ownsInner && inner is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    public IDreamRunStore Inner => inner;

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default) => inner.CreateAsync(request, cancellationToken);

    public async Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookDreamRunStore), nameof(StartAsync), runId);
        if (InnerWritesWebhooks || !(webhooks.IsSubscribed(WebhookEventTypes.DreamFailed) || webhooks.IsSubscribed(WebhookEventTypes.DreamCompleted) || webhooks.IsSubscribed(WebhookEventTypes.InsightQuarantined)
            || webhooks.IsSubscribed(WebhookEventTypes.BudgetReached)))
        {
            return await inner.StartAsync(runId, leaseHolder, leaseDuration, cancellationToken).ConfigureAwait(false);
        }

        // Starting a run ends the scope's run whose lease expired (its process died): failed, or completed by a store that
        // finds its memory version written (the SQLite store); that end is announced too.
        var run = await inner.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        var running = run is null
            ? []
            : (await inner.ListAsync(run.Scope, DreamRunStoreRules.MaxListLimit, cancellationToken).ConfigureAwait(false)).Where(r => r.Status == DreamRunStatus.Running && r.Id != runId).ToList();
        var started = await inner.StartAsync(runId, leaseHolder, leaseDuration, cancellationToken).ConfigureAwait(false);
        if (change.AnnouncedInside)
        {
            return started;
        }

        foreach (var listed in running)
        {
            // A run whose lease outlasted this start was not ended by it: it ended itself meanwhile (completed, failed or
            // canceled by its process, which announced it), or the start would have been refused.
            if (listed.LeaseExpiresAt is { } expires && started.StartedAt is { } at && expires > at)
            {
                continue;
            }

            if (await inner.GetAsync(listed.Id, CancellationToken.None).ConfigureAwait(false) is { } ended
                && ended is { Status: DreamRunStatus.Failed, Error: DreamRunStoreRules.AbandonedError } or { Status: DreamRunStatus.Completed })
            {
                await PublishEndedAsync(ended).ConfigureAwait(false);
            }
        }

        return started;
    }

    public Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        inner.RenewLeaseAsync(runId, leaseHolder, leaseDuration, cancellationToken);

    public Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) =>
        inner.UpdateProgressAsync(runId, results, cancellationToken);

    public async Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookDreamRunStore), nameof(CompleteAsync), runId);
        var run = await inner.CompleteAsync(runId, results, cancellationToken).ConfigureAwait(false);
        if (InnerWritesWebhooks || change.AnnouncedInside)
        {
            return run;
        }

        await PublishEndedAsync(run).ConfigureAwait(false);
        return run;
    }

    public async Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookDreamRunStore), nameof(FailAsync), runId);
        var run = await inner.FailAsync(runId, reason, results, cancellationToken).ConfigureAwait(false);
        if (!InnerWritesWebhooks && !change.AnnouncedInside)
        {
            await PublishEndedAsync(run).ConfigureAwait(false);
        }

        return run;
    }

    public async Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookDreamRunStore), nameof(CancelAsync), runId);
        var run = await inner.CancelAsync(runId, cancellationToken).ConfigureAwait(false);
        if (!InnerWritesWebhooks && !change.AnnouncedInside)
        {
            await PublishEndedAsync(run).ConfigureAwait(false);
        }

        return run;
    }

    public Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default) => inner.GetAsync(runId, cancellationToken);

    public Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default) => inner.ListAsync(scope, limit, cancellationToken);

    public Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default) => inner.GetLastCompletedAsync(scope, cancellationToken);

    public Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default) => inner.QueryRunsAsync(query, cancellationToken);

    public Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) =>
        RecoverAsync(() => inner.RecoverAbandonedAsync(now, cancellationToken));

    public Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default) =>
        RecoverAsync(() => inner.RecoverAsync(recovery, cancellationToken));

    // The inner store's recovery, with the events of each run it ended published unless the store wrote them itself. Both
    // members are one change for the nesting: a decorator of the host's between two wrappers that serves RecoverAsync with
    // the interface's default (one written before the member existed) calls the inner wrapper's RecoverAbandonedAsync, which
    // must take the outer wrapper's RecoverAsync over, or every ended run would be announced twice.
    private async Task<IReadOnlyList<DreamRun>> RecoverAsync(Func<Task<IReadOnlyList<DreamRun>>> recover)
    {
        var change = WebhookStoreNesting.Enter(webhooks, typeof(WebhookDreamRunStore), nameof(RecoverAbandonedAsync), null);
        var recovered = await recover().ConfigureAwait(false);
        if (InnerWritesWebhooks || change.AnnouncedInside)
        {
            return recovered;
        }

        foreach (var run in recovered)
        {
            await PublishEndedAsync(run).ConfigureAwait(false);
        }

        return recovered;
    }

    /// <summary>Gets a value indicating whether the wrapped store writes the rows in the transaction of the run's end itself.</summary>
    private bool InnerWritesWebhooks => inner is IDreamRunWebhookWriter { WritesDreamRunWebhooks: true };

    private async Task PublishEndedAsync(DreamRun run)
    {
        if (run.Results.BudgetReached && webhooks.IsSubscribed(WebhookEventTypes.BudgetReached))
        {
            await webhooks.PublishAsync(WebhookEventTypes.BudgetReached, WebhookEventData.DreamBudgetReached(run), CancellationToken.None).ConfigureAwait(false);
        }

        var (type, data) = WebhookEventData.DreamEnded(run, webhooks.IncludeFullPayloads);
        if (webhooks.IsSubscribed(type))
        {
            await webhooks.PublishAsync(type, data, CancellationToken.None).ConfigureAwait(false);
        }

        // A completed run's held-back insights, whether it completed itself or was completed on recovery.
        if (run.Status == DreamRunStatus.Completed && webhooks.IsSubscribed(WebhookEventTypes.InsightQuarantined))
        {
            foreach (var quarantine in run.Results.Report.Changes.Where(c => c.Op == DreamChangeOp.Quarantine))
            {
                await webhooks.PublishAsync(WebhookEventTypes.InsightQuarantined, WebhookEventData.InsightQuarantined(run, quarantine, webhooks.IncludeFullPayloads), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
