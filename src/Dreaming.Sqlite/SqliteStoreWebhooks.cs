using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>Writes the webhook events of memory and dream run changes inside the transaction of the change: the same events,
/// data and order as the wrappers <c>AddWebhooks</c> installs would publish after the commit.</summary>
internal static class SqliteStoreWebhooks
{
    /// <summary>Writes one event and a pending delivery per subscribed endpoint, in the caller's transaction; the event is
    /// stamped with <c>timestamp</c>, or now. Its data is made only when some endpoint subscribes.</summary>
    /// <returns>Whether anything was written (some endpoint subscribes).</returns>
    public static bool Write(SqliteConnection connection, SqliteTransaction transaction, WebhookPublisher webhooks, string eventType, Func<JsonObject> data, DateTimeOffset? timestamp = null)
    {
        var endpoints = webhooks.EndpointsFor(eventType);
        if (endpoints.Count == 0)
        {
            return false;
        }

        var now = webhooks.Now();
        SqliteWebhookRows.Insert(connection, transaction, webhooks.CreateEvent(eventType, timestamp ?? now, data()), endpoints, now);
        return true;
    }

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
        if (quarantined && webhooks.IsSubscribed(WebhookEventTypes.InsightQuarantined))
        {
            foreach (var change in run.Results.Report.Changes.Where(c => c.Op == DreamChangeOp.Quarantine))
            {
                wrote |= Write(connection, transaction, webhooks, WebhookEventTypes.InsightQuarantined, () => WebhookEventData.InsightQuarantined(run, change, webhooks.IncludeFullPayloads));
            }
        }

        return wrote;
    }
}
