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
/// with the id and time of one set aside (the one of its type whose data is equal, else the one of its type not yet
/// taken that shares the most of its data's properties): when its body is the one set aside, the row takes it from the setting; when it differs in a few short
/// stretches only (the version number or a rollback's parent the guess did not foresee, and a character more or less
/// of each text cut to make room for it), the row takes it from the setting with those stretches replaced (<see
/// cref="PatchedBody"/>), the stretches alone being sent; otherwise it is sent whole. The bodies go in
/// statements of at most <see cref="DefaultMaxStatementBytes"/> of them each, and a body no row can hold is refused
/// before the lock, nothing of the change written. So the rows are
/// byte for byte those the change would have written. An event set aside is never logged (its body cut, event 79): the
/// event made again when it is written is, so no log names an event that never reaches the outbox. Not thread-safe:
/// one per change.</remarks>
internal sealed partial class PostgresWebhookStash
{
    /// <summary>The most bytes (UTF-8) of bodies one statement sets aside: 256 MiB, two bodies of the largest
    /// <see cref="WebhookOptions.MaxPayloadBytes"/> (100 MiB). PostgreSQL takes no message, and no field (the statement's
    /// array of bodies), over 1 GB: one statement held every body of a change, and eleven bodies of 100 MiB (a completion
    /// with ten quarantines, full payloads) were refused so, the server dropping the connection ("invalid message
    /// length") and the client reporting a broken stream, as an outage.</summary>
    public const int DefaultMaxStatementBytes = 256 << 20;

    /// <summary>The largest allocation PostgreSQL makes (<c>MaxAllocSize</c>), 1 GB less a byte: a row is formed whole in
    /// one before it is stored (TOAST comes after), so a row of <c>webhook_events</c>, its headers, the event's id, type,
    /// body and time, must fit in it.</summary>
    public const int MaxAllocBytes = 0x3FFF_FFFF;

    private const string Setting = "dreaming.webhook_body_";

    private readonly List<(string Type, JsonObject Data, WebhookEvent Event, string Body, int Bytes, bool Taken)> _events = [];

    private readonly int _maxStatementBytes;

    private readonly int _maxAllocBytes;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="maxStatementBytes">The most bytes of bodies one statement sets aside (a body larger goes alone);
    /// <see cref="DefaultMaxStatementBytes"/> but in tests.</param>
    /// <param name="maxAllocBytes">The largest allocation the server makes, which bounds a row (<see cref="MaxBodyBytes"/>);
    /// <see cref="MaxAllocBytes"/> but in tests.</param>
    public PostgresWebhookStash(int maxStatementBytes = DefaultMaxStatementBytes, int maxAllocBytes = MaxAllocBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxStatementBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAllocBytes);
        _maxStatementBytes = maxStatementBytes;
        _maxAllocBytes = maxAllocBytes;
    }

    /// <summary>Gets the largest allocation the server makes, as this set was made with (<see cref="MaxAllocBytes"/> but in
    /// tests): what bounds the events set aside and, made again from what the change left, written.</summary>
    public int MaxAllocation => _maxAllocBytes;

    /// <summary>Gets a value indicating whether no event was set aside.</summary>
    public bool IsEmpty => _events.Count == 0;

    /// <summary>Makes the event <paramref name="eventType"/> with <paramref name="data"/> as it would be written now (not
    /// logged: it may never be written), unless no endpoint subscribes to it (and the publisher has endpoints: one without
    /// writes every event unrouted).</summary>
    /// <param name="webhooks">The publisher.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="data">Makes the event's data.</param>
    /// <exception cref="TraceStoreException">The event's body is larger than a row can hold (see
    /// <see cref="MaxBodyBytes"/>): the change is refused before it takes its scope's lock (what it read before is all it
    /// sent), and nothing of it is written.</exception>
    public void Add(WebhookPublisher webhooks, string eventType, Func<JsonObject> data)
    {
        if (webhooks.EndpointsFor(eventType).Count == 0 && webhooks.IsEnabled)
        {
            return;
        }

        var made = data();
        var webhookEvent = webhooks.CreateEvent(WebhookEvent.NewId(), eventType, webhooks.Now(), made, logCut: false);
        var body = webhookEvent.ToBody();
        var bytes = System.Text.Encoding.UTF8.GetByteCount(body);
        var limit = MaxBodyBytes(webhookEvent.Id, eventType, _maxAllocBytes);
        if (bytes > limit)
        {
            throw new TraceStoreException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"The webhook event {eventType} of this change has a {bytes:N0}-byte body, over the {limit:N0} bytes a row of webhook_events holds with its id and type: the change was refused before taking its scope's lock, and nothing of it was written. Its size is in what WebhookOptions.MaxPayloadBytes never cuts (ids, numbers, strings of at most 64 bytes, the first 64 bytes of each text it cuts)."));
        }

        _events.Add((eventType, made, webhookEvent, body, bytes, false));
    }

    /// <summary>Refuses an event to be written whose body a row of <c>webhook_events</c> cannot hold (<see cref="MaxBodyBytes"/>),
    /// before any of it is sent: the event made again under a scope's lock from what the change left, whose body may have
    /// grown past the one set aside before the lock (<see cref="Add"/> checked that one), whether it is then sent whole or
    /// patched on the server. Sent, it would fail there, under the lock, after its transfer ("invalid memory alloc request
    /// size", or, over 1 GB, "invalid message length" and a dropped connection, reported as an outage).</summary>
    /// <param name="webhookEvent">The event to write.</param>
    /// <param name="body">Its body.</param>
    /// <param name="maxAllocBytes">The largest allocation the server makes.</param>
    /// <exception cref="TraceStoreException">The body is larger than a row holds; the message names the event's type and
    /// id, the body's size and the limit. The caller's transaction has sent nothing of it and is rolled back by the
    /// caller: nothing of the change is written.</exception>
    public static void ThrowIfTooLarge(WebhookEvent webhookEvent, string body, int maxAllocBytes = MaxAllocBytes)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(body);
        var limit = MaxBodyBytes(webhookEvent.Id, webhookEvent.Type, maxAllocBytes);
        if (bytes > limit)
        {
            throw new TraceStoreException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"The webhook event {webhookEvent.Type} {webhookEvent.Id} of this change has a {bytes:N0}-byte body, over the {limit:N0} bytes a row of webhook_events holds with its id and type: it was refused before it was sent, and nothing of the change was written. Its size is in what WebhookOptions.MaxPayloadBytes never cuts (ids, numbers, strings of at most 64 bytes, the first 64 bytes of each text it cuts)."));
        }
    }

    /// <summary>The largest body a row of <c>webhook_events</c> holds with the event's id and type: what the row leaves of
    /// the largest allocation (<see cref="MaxAllocBytes"/>), which the server makes to form it (<c>heap_form_tuple</c>)
    /// before TOAST stores it: its two headers (<c>HeapTupleData</c> and the tuple's, 24 bytes each with alignment, no
    /// NULL bitmap, no column being NULL), then the columns in their order, each aligned: <c>id</c> and <c>type</c> (a
    /// text of under 127 bytes has a 1-byte header and no alignment; a longer one a 4-byte header, aligned to 4),
    /// <c>body</c> (a 4-byte header, aligned to 4), <c>created_ms</c> (8 bytes, aligned to 8). 1,073,741,700 bytes for
    /// <c>dream.completed</c> with an id of <see cref="WebhookEvent.NewId"/>, as measured on PostgreSQL 15 (one byte more
    /// fails "invalid memory alloc request size 1073741824"). The other steps of its way have more room: the statement
    /// that sets it aside (a message of at most 1 GB less two bytes, holding the body and 60 bytes or so), the array of
    /// one body (24 bytes and the body's 4-byte header), the setting's value and the text read from it (4 bytes).</summary>
    /// <param name="eventId">The event's id.</param>
    /// <param name="eventType">The event's type.</param>
    /// <param name="maxAllocBytes">The largest allocation the server makes.</param>
    /// <returns>The most bytes (UTF-8) of body.</returns>
    internal static long MaxBodyBytes(string eventId, string eventType, int maxAllocBytes = MaxAllocBytes)
    {
        const int Headers = 24 + 24;
        const int Time = 8;
        var offset = Column(Column(0, eventId), eventType);
        offset = Align(offset, 4) + 4;

        // The body ends where created_ms starts, at a multiple of 8, and the whole is at most maxAllocBytes.
        return ((maxAllocBytes - Headers - Time) & ~7L) - offset;

        static long Align(long at, int to) => (at + to - 1) & -to;

        static long Column(long at, string text)
        {
            var bytes = System.Text.Encoding.UTF8.GetByteCount(text);
            return bytes + 1 <= 127 ? at + 1 + bytes : Align(at, 4) + 4 + bytes;
        }
    }

    /// <summary>The statements that set the bodies aside, one setting each, for the transaction: as few as hold them at
    /// most <see cref="DefaultMaxStatementBytes"/> each (a body larger alone), in their order. None returns a row, so a
    /// batch's reader sees only the rows of its other statements.</summary>
    /// <returns>The statements, one at least.</returns>
    public IEnumerable<NpgsqlBatchCommand> Commands()
    {
        var start = 0;
        do
        {
            var end = start;
            long bytes = 0;
            while (end < _events.Count && (end == start || bytes + _events[end].Bytes <= _maxStatementBytes))
            {
                bytes += _events[end].Bytes;
                end++;
            }

            var command = new NpgsqlBatchCommand($"SELECT WHERE (SELECT count(set_config('{Setting}' || (n + @offset), body, true)) FROM unnest(@bodies) WITH ORDINALITY AS u (body, n)) < 0");
            command.Parameters.AddWithValue("bodies", _events.Skip(start).Take(end - start).Select(e => e.Body).ToArray());
            command.Parameters.AddWithValue("offset", (long)start);
            yield return command;
            start = end;
        }
        while (start < _events.Count);
    }

    /// <summary>Takes an event set aside for the event <paramref name="eventType"/> with <paramref name="data"/>, once: the
    /// one of that type whose data is equal, else the one of that type not yet taken that shares the most of
    /// <paramref name="data"/>'s properties (the first of those: a run's own event when several runs end in one transaction
    /// and one's data changed, not another run's, whose body differs too much to be patched); and makes the event to write from
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
            index = Nearest(eventType, data);
            if (index < 0)
            {
                return null;
            }
        }

        var (type, made, stashed, body, bytes, _) = _events[index];
        _events[index] = (type, made, stashed, body, bytes, true);
        var webhookEvent = webhooks.CreateEvent(stashed.Id, eventType, stashed.Timestamp, data, logCut: true);
        var setting = Setting + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (webhookEvent, Patch(body, webhookEvent.ToBody()) is { } patch ? new PostgresWebhookRows.StashedBody(setting, patch) : null);
    }

    // The event of the type not yet taken whose data shares the most properties with `data`, the first of those; -1 if none.
    private int Nearest(string eventType, JsonObject data)
    {
        int nearest = -1, most = -1;
        for (var k = 0; k < _events.Count; k++)
        {
            var (type, made, _, _, _, taken) = _events[k];
            if (taken || type != eventType)
            {
                continue;
            }

            var shared = data.Count(p => made.TryGetPropertyValue(p.Key, out var value) && JsonNode.DeepEquals(value, p.Value));
            if (shared > most)
            {
                (nearest, most) = (k, shared);
            }
        }

        return nearest;
    }
}
