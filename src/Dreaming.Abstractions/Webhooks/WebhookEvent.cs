using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dreaming;

/// <summary>Something that happened, as receivers get it: the body <c>{"type", "timestamp", "data"}</c> of a Standard
/// Webhooks message whose <c>webhook-id</c> is <see cref="Id"/>.</summary>
public sealed record WebhookEvent
{
    /// <summary>Gets the event id, sent as <c>webhook-id</c> on every attempt: <c>msg_</c> and a time-ordered GUID.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the event type, one of <see cref="WebhookEventTypes"/>.</summary>
    public required string Type { get; init; }

    /// <summary>Gets when the event happened (not when it is delivered).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the ids of what changed and a small summary; never secrets or transcripts.</summary>
    public required JsonObject Data { get; init; }

    /// <summary>Creates an event with a new id.</summary>
    /// <param name="type">The event type.</param>
    /// <param name="timestamp">When it happened.</param>
    /// <param name="data">The data.</param>
    /// <returns>The event.</returns>
    public static WebhookEvent Create(string type, DateTimeOffset timestamp, JsonObject data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(data);
        return new WebhookEvent { Id = NewId(), Type = type, Timestamp = timestamp, Data = data };
    }

    /// <summary>Makes a new event id: <c>msg_</c> and a time-ordered GUID (never a full stop, which the signed content uses as delimiter).</summary>
    /// <returns>The id.</returns>
    public static string NewId() => "msg_" + Guid.CreateVersion7().ToString("N");

    /// <summary>Serialises the body that is signed and sent: compact JSON <c>{"type", "timestamp", "data"}</c>, the timestamp
    /// in ISO 8601 UTC with milliseconds.</summary>
    /// <returns>The body.</returns>
    public string ToBody()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", Type);
            writer.WriteString("timestamp", Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WritePropertyName("data");
            Data.WriteTo(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
