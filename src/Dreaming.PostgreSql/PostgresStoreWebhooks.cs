using System.Text.Json.Nodes;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>Writes the webhook events of session, memory and dream run changes inside the transaction of the change: the
/// same events, data and order as the wrappers <c>AddWebhooks</c> installs would publish after the commit.</summary>
/// <remarks>A store calling these first ensures the outbox tables (<see cref="PostgresWebhookSchema.EnsureAsync"/>), once,
/// before its first change that may write an event.</remarks>
internal static class PostgresStoreWebhooks
{
    /// <summary>Writes one event and a pending delivery per subscribed endpoint, in the caller's transaction; the event is
    /// stamped with <paramref name="timestamp"/>, or now. Its data is made only when some endpoint subscribes. A publisher
    /// without endpoints (<see cref="Unrouted"/>, a process such as the <c>dreaming</c> tool) writes every event as
    /// unrouted: the event and a <c>webhook_unrouted</c> row, no delivery, for a host's dispatcher on the database to route.</summary>
    /// <param name="connection">The caller's open connection.</param>
    /// <param name="transaction">The caller's transaction.</param>
    /// <param name="webhooks">The publisher: the endpoints, payload options and clock.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="data">Makes the event's data.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <param name="timestamp">The event's time; now when <see langword="null"/>.</param>
    /// <param name="stash">The events made before the change's lock, their bodies set aside: an event of this type found
    /// there is written with its id and time, from its body set aside when it differs from it in a short stretch at most
    /// (<see cref="PostgresWebhookStash.Take"/>), without sending the rest.</param>
    /// <returns>Whether deliveries were written (some endpoint subscribes), so the dispatcher is worth waking
    /// (<see cref="WebhookPublisher.NotifyWritten"/>, after the commit).</returns>
    /// <exception cref="TraceStoreException">The event's body, as made now from what the change left (under its lock, for
    /// a scope's change), is larger than a row of <c>webhook_events</c> holds (<see cref="PostgresWebhookStash.ThrowIfTooLarge"/>):
    /// nothing of it is sent, and the caller's transaction, the change, is rolled back.</exception>
    public static async Task<bool> WriteAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        WebhookPublisher webhooks,
        string eventType,
        Func<JsonObject> data,
        CancellationToken cancellationToken,
        DateTimeOffset? timestamp = null,
        PostgresWebhookStash? stash = null)
    {
        var endpoints = webhooks.EndpointsFor(eventType);
        if (endpoints.Count == 0 && webhooks.IsEnabled)
        {
            return false;
        }

        var now = webhooks.Now();
        var made = data();
        var (webhookEvent, body) = stash?.Take(webhooks, eventType, made) is { } stashed ? stashed : (webhooks.CreateEvent(eventType, timestamp ?? now, made), null);
        var written = webhookEvent.ToBody();
        PostgresWebhookStash.ThrowIfTooLarge(webhookEvent, written, stash?.MaxAllocation ?? PostgresWebhookStash.MaxAllocBytes);
        await PostgresWebhookRows.InsertAsync(connection, transaction, webhookEvent, endpoints, now, cancellationToken, stashedBody: body, body: written).ConfigureAwait(false);
        return endpoints.Count > 0;
    }

    /// <summary>Makes the publisher a store writes unrouted events through: no endpoints, the default payload options
    /// (<see cref="WebhookOptions.IncludeFullPayloads"/>, <see cref="WebhookOptions.MaxPayloadBytes"/>), the store's clock.</summary>
    /// <param name="timeProvider">The store's clock.</param>
    /// <returns>The publisher; its outbox is never written to (the store writes the rows in its own transactions).</returns>
    public static WebhookPublisher Unrouted(TimeProvider timeProvider) =>
        new(Microsoft.Extensions.Options.Options.Create(new WebhookOptions()), new InMemoryWebhookOutboxStore(), timeProvider);

    /// <summary>Writes <c>memory.version_proposed</c>, <c>memory.version_activated</c> or <c>memory.version_rejected</c> for a version.</summary>
    /// <returns>Whether deliveries were written.</returns>
    public static Task<bool> WriteMemoryVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WebhookPublisher webhooks, string eventType, MemoryVersion version, CancellationToken cancellationToken, PostgresWebhookStash? stash = null) =>
        WriteAsync(connection, transaction, webhooks, eventType, () => WebhookEventData.MemoryEvent(eventType, version, webhooks.IncludeFullPayloads), cancellationToken, stash: stash);

    /// <summary>Makes the event <see cref="WriteMemoryVersionAsync"/> would write for <paramref name="version"/>, as the
    /// change will leave it, to set its body aside before the change's lock.</summary>
    /// <returns>The event made, or <see langword="null"/> when none would be written.</returns>
    public static PostgresWebhookStash? StashMemoryVersion(WebhookPublisher webhooks, string eventType, MemoryVersion version)
    {
        var stash = new PostgresWebhookStash();
        stash.Add(webhooks, eventType, () => WebhookEventData.MemoryEvent(eventType, version, webhooks.IncludeFullPayloads));
        return stash.IsEmpty ? null : stash;
    }

    /// <summary>Whether <see cref="WriteAsync"/> writes an event of <paramref name="eventType"/>: some endpoint subscribes,
    /// or the publisher has none and writes every event unrouted.</summary>
    /// <returns>Whether it writes one.</returns>
    public static bool Writes(WebhookPublisher webhooks, string eventType) => webhooks.EndpointsFor(eventType).Count > 0 || !webhooks.IsEnabled;

    /// <summary>Writes the events of a run's end: <c>budget.reached</c> when the run stopped at its token budget, then
    /// <c>dream.completed</c>, <c>dream.failed</c> or <c>dream.canceled</c>, then, with <paramref name="quarantined"/>, one
    /// <c>insight.quarantined</c> per insight the run held back.</summary>
    /// <returns>Whether deliveries were written.</returns>
    public static async Task<bool> WriteDreamEndedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WebhookPublisher webhooks, DreamRun run, bool quarantined, CancellationToken cancellationToken, PostgresWebhookStash? stash = null)
    {
        var wrote = false;
        foreach (var (type, data) in DreamEndedEvents(webhooks, run, quarantined))
        {
            wrote |= await WriteAsync(connection, transaction, webhooks, type, data, cancellationToken, stash: stash).ConfigureAwait(false);
        }

        return wrote;
    }

    /// <summary>Makes the events <see cref="WriteDreamEndedAsync"/> would write for <paramref name="run"/>, as its end will
    /// leave it, to set their bodies aside before the end's lock.</summary>
    /// <param name="webhooks">The publisher.</param>
    /// <param name="run">The run as its end will leave it.</param>
    /// <param name="quarantined">Whether its quarantines are announced.</param>
    /// <param name="into">The events made so far for the same transaction (a recovery ends several runs), added to; a new
    /// set when <see langword="null"/>.</param>
    /// <returns>The events made, or <see langword="null"/> when none would be written.</returns>
    public static PostgresWebhookStash? StashDreamEnded(WebhookPublisher webhooks, DreamRun run, bool quarantined, PostgresWebhookStash? into = null)
    {
        var stash = into ?? new PostgresWebhookStash();
        foreach (var (type, data) in DreamEndedEvents(webhooks, run, quarantined))
        {
            stash.Add(webhooks, type, data);
        }

        return stash.IsEmpty ? null : stash;
    }

    private static IEnumerable<(string Type, Func<JsonObject> Data)> DreamEndedEvents(WebhookPublisher webhooks, DreamRun run, bool quarantined)
    {
        if (run.Results.BudgetReached)
        {
            yield return (WebhookEventTypes.BudgetReached, () => WebhookEventData.DreamBudgetReached(run));
        }

        var (type, data) = WebhookEventData.DreamEnded(run, webhooks.IncludeFullPayloads);
        yield return (type, () => data);
        if (quarantined && (webhooks.IsSubscribed(WebhookEventTypes.InsightQuarantined) || !webhooks.IsEnabled))
        {
            foreach (var change in run.Results.Report.Changes.Where(c => c.Op == DreamChangeOp.Quarantine))
            {
                yield return (WebhookEventTypes.InsightQuarantined, () => WebhookEventData.InsightQuarantined(run, change, webhooks.IncludeFullPayloads));
            }
        }
    }
}
