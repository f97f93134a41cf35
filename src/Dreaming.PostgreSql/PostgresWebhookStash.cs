using System.Text.Json.Nodes;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>The webhook events a scope change will write, made before it takes its scope's lock from what the change will
/// leave (a rejected version, an ended run, a proposed version numbered as the scope's next), their bodies set aside on the
/// server in the round trip that takes the lock, in a statement before the locking one: a host that stops partway through
/// sending a body (up to <see cref="WebhookOptions.MaxPayloadBytes"/>) then holds no lock another instance waits on, and
/// what it sends after the lock is the statement that writes the rows from the bodies set aside, a few hundred bytes.</summary>
/// <remarks>Each body is kept in a transaction-local setting (<c>set_config(..., true)</c>), gone at the transaction's
/// end. The events are written after the change, as before, from the entity read back under the lock, each made again
/// with the id and time of one set aside (the one of its type whose data is equal, else the first of its type not yet
/// taken): when its body is the one set aside, the row takes it from the setting; when it differs in a short stretch
/// only (the version number or a rollback's parent the guess did not foresee), the row takes it from the setting with
/// that stretch replaced (<c>overlay</c>), the stretch alone being sent; otherwise it is sent whole. So the rows are
/// byte for byte those the change would have written. An event set aside is never logged (its body cut, event 79): the
/// event made again when it is written is, so no log names an event that never reaches the outbox. Not thread-safe:
/// one per change.</remarks>
internal sealed class PostgresWebhookStash
{
    /// <summary>The longest stretch, in characters, a row's body may differ from the body set aside and still be written
    /// from it: the version number, a version id, with room to spare, well within a round trip of a few hundred bytes.</summary>
    public const int MaxPatchChars = 1024;

    private const string Setting = "dreaming.webhook_body_";

    private readonly List<(string Type, JsonObject Data, WebhookEvent Event, string Body, bool Taken)> _events = [];

    /// <summary>Gets a value indicating whether no event was set aside.</summary>
    public bool IsEmpty => _events.Count == 0;

    /// <summary>Makes the event <paramref name="eventType"/> with <paramref name="data"/> as it would be written now (not
    /// logged: it may never be written), unless no endpoint subscribes to it (and the publisher has endpoints: one without
    /// writes every event unrouted).</summary>
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
        var webhookEvent = webhooks.CreateEvent(WebhookEvent.NewId(), eventType, webhooks.Now(), made, logCut: false);
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

    /// <summary>Takes an event set aside for the event <paramref name="eventType"/> with <paramref name="data"/>, once: the
    /// one of that type whose data is equal, else the first of that type not yet taken; and makes the event to write from
    /// <paramref name="data"/> with its id and time, logging its body's cut as an event made when written is.</summary>
    /// <param name="webhooks">The publisher, which makes and logs the event.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="data">The data made from what the change left.</param>
    /// <returns>The event to write, and where its body is: <see cref="PostgresWebhookRows.StashedBody"/> of the setting
    /// that holds the body set aside and what of it to replace, or <see langword="null"/> when the body differs too much
    /// and is sent; <see langword="null"/> when none of the type is left.</returns>
    public (WebhookEvent Event, PostgresWebhookRows.StashedBody? Body)? Take(WebhookPublisher webhooks, string eventType, JsonObject data)
    {
        var index = _events.FindIndex(e => !e.Taken && e.Type == eventType && JsonNode.DeepEquals(e.Data, data));
        if (index < 0)
        {
            index = _events.FindIndex(e => !e.Taken && e.Type == eventType);
            if (index < 0)
            {
                return null;
            }
        }

        var (type, made, stashed, body, _) = _events[index];
        _events[index] = (type, made, stashed, body, true);
        var webhookEvent = webhooks.CreateEvent(stashed.Id, eventType, stashed.Timestamp, data, logCut: true);
        var setting = Setting + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (webhookEvent, Patch(body, webhookEvent.ToBody()) is { } patch ? new PostgresWebhookRows.StashedBody(setting, patch) : null);
    }

    /// <summary>What to replace in <paramref name="stashed"/> to make <paramref name="written"/>: the stretch between their
    /// common start and common end, in characters as PostgreSQL counts them (code points, from 1); no replacement when
    /// they are equal; <see langword="null"/> when the stretch is longer than <see cref="MaxPatchChars"/>.</summary>
    internal static PostgresWebhookRows.BodyPatch? Patch(string stashed, string written)
    {
        if (string.Equals(stashed, written, StringComparison.Ordinal))
        {
            return PostgresWebhookRows.BodyPatch.None;
        }

        var start = 0;
        var shortest = Math.Min(stashed.Length, written.Length);
        while (start < shortest && stashed[start] == written[start])
        {
            start++;
        }

        // Never split a surrogate pair: PostgreSQL counts it as one character.
        if (start > 0 && char.IsHighSurrogate(stashed[start - 1]))
        {
            start--;
        }

        var end = 0;
        while (end < shortest - start && stashed[stashed.Length - 1 - end] == written[written.Length - 1 - end])
        {
            end++;
        }

        if (end > 0 && char.IsLowSurrogate(stashed[stashed.Length - end]))
        {
            end--;
        }

        var replaced = stashed.Length - end - start;
        var placing = written.Substring(start, written.Length - end - start);
        return replaced > MaxPatchChars || placing.Length > MaxPatchChars
            ? null
            : new PostgresWebhookRows.BodyPatch(CodePoints(stashed, start) + 1, CodePoints(stashed.AsSpan(start, replaced)), placing);
    }

    private static int CodePoints(string text, int length) => CodePoints(text.AsSpan(0, length));

    private static int CodePoints(ReadOnlySpan<char> text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (!(char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1])))
            {
                count++;
            }
        }

        return count;
    }
}
