using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>Writes the webhook events of memory and dream run changes inside the transaction of the change: the same events,
/// data and order as the wrappers <c>AddWebhooks</c> installs would publish after the commit.</summary>
internal static class SqliteStoreWebhooks
{
    /// <summary>Writes one event and a pending delivery per subscribed endpoint, in the caller's transaction; the event is
    /// stamped with <c>timestamp</c>, or now. Its data is made only when some endpoint subscribes. A publisher without
    /// endpoints (<see cref="Unrouted"/>, a process such as the <c>dreaming</c> tool) writes every event as unrouted: the
    /// event and a <c>webhook_unrouted</c> row, no delivery, for a host's dispatcher on the file to route.</summary>
    /// <returns>Whether deliveries were written (some endpoint subscribes), so the dispatcher is worth waking.</returns>
    public static bool Write(SqliteConnection connection, SqliteTransaction transaction, WebhookPublisher webhooks, string eventType, Func<JsonObject> data, DateTimeOffset? timestamp = null)
    {
        var endpoints = webhooks.EndpointsFor(eventType);
        if (endpoints.Count == 0 && webhooks.IsEnabled)
        {
            return false;
        }

        var now = webhooks.Now();
        SqliteWebhookRows.Insert(connection, transaction, webhooks.CreateEvent(eventType, timestamp ?? now, data()), endpoints, now);
        return endpoints.Count > 0;
    }

    /// <summary>Makes the publisher a store writes unrouted events through: no endpoints, the default payload options
    /// (<see cref="WebhookOptions.IncludeFullPayloads"/>, <see cref="WebhookOptions.MaxPayloadBytes"/>), the store's clock.</summary>
    /// <param name="timeProvider">The store's clock.</param>
    /// <returns>The publisher; its outbox is never written to (the store writes the rows in its own transactions).</returns>
    public static WebhookPublisher Unrouted(TimeProvider timeProvider) =>
        new(Microsoft.Extensions.Options.Options.Create(new WebhookOptions()), new InMemoryWebhookOutboxStore(), timeProvider);

    /// <summary>Writes <c>memory.version_proposed</c>, <c>memory.version_activated</c> or <c>memory.version_rejected</c> for a version.</summary>
    public static bool WriteMemoryVersion(SqliteConnection connection, SqliteTransaction transaction, WebhookPublisher webhooks, string eventType, MemoryVersion version) =>
        Write(connection, transaction, webhooks, eventType, () => WebhookEventData.MemoryEvent(eventType, version, webhooks.IncludeFullPayloads));

    /// <summary>Writes the events of a run's end: <c>budget.reached</c> when the run stopped at its token budget, then
    /// <c>dream.completed</c>, <c>dream.failed</c> or <c>dream.canceled</c>, then, with <paramref name="quarantined"/>, one <c>insight.quarantined</c>
    /// per insight the run held back.</summary>
    public static bool WriteDreamEnded(SqliteConnection connection, SqliteTransaction transaction, WebhookPublisher webhooks, DreamRun run, bool quarantined)
    {
        var wrote = run.Results.BudgetReached
            && Write(connection, transaction, webhooks, WebhookEventTypes.BudgetReached, () => WebhookEventData.DreamBudgetReached(run));
        var (type, data) = WebhookEventData.DreamEnded(run, webhooks.IncludeFullPayloads);
        wrote |= Write(connection, transaction, webhooks, type, () => data);
        if (quarantined && (webhooks.IsSubscribed(WebhookEventTypes.InsightQuarantined) || !webhooks.IsEnabled))
        {
            foreach (var change in run.Results.Report.Changes.Where(c => c.Op == DreamChangeOp.Quarantine))
            {
                wrote |= Write(connection, transaction, webhooks, WebhookEventTypes.InsightQuarantined, () => WebhookEventData.InsightQuarantined(run, change, webhooks.IncludeFullPayloads));
            }
        }

        return wrote;
    }
}
