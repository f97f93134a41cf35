using System.Collections.Concurrent;

namespace Dreaming;

/// <summary>Publishes the <c>orchestration.*</c> events of every run, and <c>budget.reached</c> when a run stops at its
/// token or cost budget (its <c>used</c> what the budget counted, estimates included, with <c>used_includes_estimate</c>,
/// as a dream's): right after each is recorded in the run's session (not in its transaction; see docs/webhooks.md).</summary>
/// <remarks>Registered by <c>AddWebhooks</c> as an <see cref="IOrchestrationObserver"/> (<see cref="Create"/>); the orchestrator
/// logs and ignores an observer's failure, and the publisher never throws for a storage failure (but for the crash
/// recovery's event below, whose failed write is thrown so that recovery keeps the run running). The outbox is written
/// whatever the token says: the token is the run's, and the events of a cancelled run (its cancelled items,
/// <c>orchestration.failed</c> with <c>interrupted</c>) come with it already cancelled; the write is short, as for every
/// other webhook wrapper. Thread-safe.
/// <para>With the library's <see cref="WebhookPublisher"/>, the <c>orchestration.failed</c> crash recovery writes for a run it
/// ended (status <c>abandoned</c>) goes out under the event id <see cref="WebhookEventData.AbandonedRunEventId"/> makes from
/// its session id and sequence number, stamped with the event's own time (as <c>dreaming sessions abandon</c> stamps it), which
/// the outbox refuses a second time; a write that fails is thrown, so that recovery keeps the session running and tells
/// the observer again at its next pass: so that observer is an
/// <see cref="IIdempotentOrchestrationObserver"/> (<see cref="Idempotent"/>), which recovery tells before the run's session
/// is ended and again after a crash in between, and the event is written once. A host's own <see cref="IWebhookPublisher"/>
/// takes no event id, so nothing would refuse a second publish: its observer is a plain one, told once, after the end, by
/// the recovery that wrote the event.</para></remarks>
internal class WebhookOrchestrationObserver(IWebhookPublisher webhooks) : IOrchestrationObserver
{
    // The token and cost budgets each running orchestration started with, for the budget.reached data; removed when the run ends.
    private readonly ConcurrentDictionary<string, (long? Tokens, long? Cost)> _budgets = new(StringComparer.Ordinal);

    public async ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionEvent);
        if (!webhooks.IsEnabled)
        {
            return;
        }

        if (sessionEvent is OrchestrationStartedEvent started)
        {
            _budgets[started.SessionId] = (started.MaxTotalTokens, started.MaxTotalCostMinorUnits);
        }

        (long? Tokens, long? Cost) budget = default;
        if (sessionEvent is OrchestrationCompletedEvent or OrchestrationFailedEvent)
        {
            _budgets.TryRemove(sessionEvent.SessionId, out budget);
        }

        // The four orchestration events go out under their own event type, so the data is made only when subscribed.
        if (webhooks.IsSubscribed(sessionEvent.EventType) && WebhookEventData.Orchestration(sessionEvent, webhooks.IncludeFullPayloads) is { } raised)
        {
            if (sessionEvent is OrchestrationFailedEvent { Status: OrchestrationFailedEvent.AbandonedStatus, Sequence: > 0 } abandoned && webhooks is WebhookPublisher publisher)
            {
                await publisher.PublishOnceAsync(WebhookEventData.AbandonedRunEventId(abandoned), raised.Type, abandoned.Timestamp, raised.Data, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await webhooks.PublishAsync(raised.Type, raised.Data, CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (sessionEvent is OrchestrationFailedEvent { Status: "budget_reached" } failed && webhooks.IsSubscribed(WebhookEventTypes.BudgetReached))
        {
            // The limit of the budget reached, as a dream's budget.reached carries its TokenBudget: the run's token budget,
            // or its cost budget in minor units. Absent only when this observer did not hear the run start. Used is what
            // the budget counted, as a dream's: for tokens, the usage reported plus the tokens estimated for calls that
            // reported none (never for cost, which is not estimated).
            var cost = failed.Reason.Contains("cost", StringComparison.OrdinalIgnoreCase);
            var limit = cost ? budget.Cost : budget.Tokens;
            var data = WebhookEventData.BudgetReached(
                cost ? "orchestration.cost" : "orchestration.tokens",
                limit ?? 0,
                cost ? failed.Usage.CostMinorUnits : SaturatingSum.Add(failed.Usage.TotalTokens, failed.EstimatedTokens),
                failed.SessionId);
            if (limit is null)
            {
                data.Remove("limit");
            }

            data["used_includes_estimate"] = !cost && failed.EstimatedTokens > 0;

            data["orchestration_session_id"] = failed.SessionId;
            data["reason"] = failed.Reason;
            await webhooks.PublishAsync(WebhookEventTypes.BudgetReached, data, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Makes the observer <c>AddWebhooks</c> registers: an <see cref="Idempotent"/> one over the library's publisher,
    /// a plain one over a host's own.</summary>
    public static WebhookOrchestrationObserver Create(IWebhookPublisher webhooks) =>
        webhooks is WebhookPublisher publisher ? new Idempotent(publisher) : new WebhookOrchestrationObserver(webhooks);

    /// <summary>The observer over the library's publisher, which writes a recovery's event once however often it is told.</summary>
    internal sealed class Idempotent(WebhookPublisher webhooks) : WebhookOrchestrationObserver(webhooks), IIdempotentOrchestrationObserver;
}
