using System.Text.Json.Nodes;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>The webhook events a scope change will write, made before it takes its scope's lock from what the change will
/// leave (a rejected version, an ended run), their bodies set aside on the server in the round trip that takes the lock,
/// in a statement before the locking one: a host that stops partway through sending a body (up to
/// <see cref="WebhookOptions.MaxPayloadBytes"/>) then holds no lock another instance waits on, and what it sends after
/// the lock is the statement that writes the rows from the bodies set aside, a few hundred bytes.</summary>
/// <remarks>Each body is kept in a transaction-local setting (<c>set_config(..., true)</c>), gone at the transaction's
/// end. The events are written after the change, as before, from the entity read back under the lock: an event whose data
/// is the one made before the lock is written from its body set aside; any other (the change left something the guess
/// did not foresee) is made and sent as before. So the rows are those the change would have written, and a guess that
/// fails costs only the bytes it sent. Not thread-safe: one per change.</remarks>
internal sealed class PostgresWebhookStash
{
    private const string Setting = "dreaming.webhook_body_";

    private readonly List<(string Type, JsonObject Data, WebhookEvent Event, string Body, bool Taken)> _events = [];

    /// <summary>Gets a value indicating whether no event was set aside.</summary>
    public bool IsEmpty => _events.Count == 0;

    /// <summary>Makes the event <paramref name="eventType"/> with <paramref name="data"/> as it would be written now,
    /// unless no endpoint subscribes to it (and the publisher has endpoints: one without writes every event unrouted).</summary>
    /// <param name="webhooks">The publisher.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="data">Makes the event's data.</param>
    public void Add(WebhookPublisher webhooks, string eventType, Func<JsonObject> data)
    {
        if (webhooks.EndpointsFor(eventType).Count == 0 && webhooks.IsEnabled)
        {
            return;
        }

        var made = data();
        var webhookEvent = webhooks.CreateEvent(eventType, webhooks.Now(), made);
        _events.Add((eventType, made, webhookEvent, webhookEvent.ToBody(), false));
    }

    /// <summary>The statement that sets the bodies aside, one setting each, for the transaction. It returns no row, so a
    /// batch's reader sees only the rows of its other statements.</summary>
    /// <returns>The statement.</returns>
    public NpgsqlBatchCommand Command()
    {
        var command = new NpgsqlBatchCommand($"SELECT WHERE (SELECT count(set_config('{Setting}' || n, body, true)) FROM unnest(@bodies) WITH ORDINALITY AS u (body, n)) < 0");
        command.Parameters.AddWithValue("bodies", _events.Select(e => e.Body).ToArray());
        return command;
    }

    /// <summary>Takes the event set aside with <paramref name="eventType"/> and data equal to <paramref name="data"/>, once.</summary>
    /// <param name="eventType">The event type.</param>
    /// <param name="data">The data made from what the change left.</param>
    /// <returns>The event and the setting that holds its body; <see langword="null"/> when none matches.</returns>
    public (WebhookEvent Event, string Setting)? Take(string eventType, JsonObject data)
    {
        for (var i = 0; i < _events.Count; i++)
        {
            var (type, made, webhookEvent, body, taken) = _events[i];
            if (!taken && type == eventType && JsonNode.DeepEquals(made, data))
            {
                _events[i] = (type, made, webhookEvent, body, true);
                return (webhookEvent, Setting + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return null;
    }
}
