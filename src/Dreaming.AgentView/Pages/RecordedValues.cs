using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Dreaming.AgentView.Rendering;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary>What a page cuts, as recorded: <c>?event=N</c> on a session's page is its event N, and <c>?record=json</c>
/// its session record (on a memory version's or a dream run's page, the version or the run), each as JSON, so no value
/// is out of reach because the page showed a part of it.</summary>
/// <remarks>Store reads: the session, and for an event one <see cref="ITraceStore.QueryEventsAsync"/> of one event. The
/// links are relative (<c>?event=N</c>), so a page of 2,000 events does not repeat its session's id in each.</remarks>
internal static class RecordedValues
{
    /// <summary>The query names: the event's sequence number, and the session record.</summary>
    public const string Event = "event", Record = "record";

    /// <summary>The link from a session's page to one of its events as recorded.</summary>
    /// <param name="sequence">The event's sequence number.</param>
    public static string EventHref(long sequence) => "?" + Event + "=" + sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>The link from a session's page to its record.</summary>
    public const string RecordHref = "?" + Record + "=json";

    /// <summary>Whether the request asks for a recorded value rather than the page.</summary>
    /// <param name="query">The query string.</param>
    public static bool Asked(IQueryCollection query) => query.ContainsKey(Event) || query.ContainsKey(Record);

    /// <summary>Writes the event or the record the query names as JSON, or a 400 naming a bad value, or a 404.</summary>
    /// <param name="view">The request.</param>
    /// <param name="id">The session id.</param>
    public static async Task WriteAsync(AgentViewContext view, string id)
    {
        var query = view.Http.Request.Query;
        long sequence = 0;
        if (query.ContainsKey(Event))
        {
            var values = query[Event];
            if (query.ContainsKey(Record) || values.Count != 1 || !long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out sequence) || sequence < 1)
            {
                await AgentViewLayout.WriteBadRequestAsync(view, $"The event number '{AgentViewLayout.Echo(values.ToString())}' given as '{Event}' is not one whole number from 1 (give '{Event}' once, without '{Record}').").ConfigureAwait(false);
                return;
            }
        }
        else if (query[Record] is not { Count: 1 } record || record[0] != "json")
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"'{Record}' is '{AgentViewLayout.Echo(query[Record].ToString())}'; the session record is given as '{Record}=json'.").ConfigureAwait(false);
            return;
        }

        var store = view.Http.RequestServices.GetRequiredService<ITraceStore>();
        var (_, session) = await IdentifierCap.FindAsync(id, given => store.GetSessionAsync(given, view.Aborted), static found => found is not null).ConfigureAwait(false);
        if (session is null)
        {
            await AgentViewLayout.WriteNotFoundAsync(view, $"No session '{AgentViewLayout.Echo(id)}'.").ConfigureAwait(false);
            return;
        }

        if (sequence == 0)
        {
            await WriteJsonAsync(view, session, AgentViewJson.Default.SessionRecord, "session.json").ConfigureAwait(false);
            return;
        }

        var read = await store.QueryEventsAsync(session.Id, new SessionEventQuery { AfterSequence = sequence - 1, Limit = 1 }, view.Aborted).ConfigureAwait(false);
        if (read.Count == 0 || read[0].Sequence != sequence)
        {
            await AgentViewLayout.WriteNotFoundAsync(view, string.Create(CultureInfo.InvariantCulture, $"Session '{AgentViewLayout.Echo(session.Id)}' has no event #{sequence}.")).ConfigureAwait(false);
            return;
        }

        var e = read[0];
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("sessionId", session.Id);
            writer.WriteNumber("sequence", e.Sequence);
            writer.WriteString("timestamp", e.Timestamp);
            writer.WriteString("eventType", e.EventType);
            writer.WritePropertyName("event");
            if (IsLibraryEvent(e))
            {
                JsonSerializer.Serialize(writer, e, AgentViewJson.Default.SessionEvent);
            }
            else
            {
                // An event type of the app's own (SessionEvent is open; the in-memory store keeps it as given): the library's
                // JSON refuses a type it does not define, and the content filter read none of its fields, so the page shows
                // its type name alone and the JSON its envelope.
                writer.WriteNullValue();
            }

            writer.WriteEndObject();
        }

        await WriteAsync(view, json, string.Create(CultureInfo.InvariantCulture, $"event-{sequence}.json")).ConfigureAwait(false);
    }

    // Whether the event is of a type the library defines (and its JSON writes, and its content filter reads).
    private static bool IsLibraryEvent(SessionEvent e) =>
        AgentViewJson.Default.SessionEvent.PolymorphismOptions?.DerivedTypes.Any(derived => derived.DerivedType == e.GetType()) == true;

    /// <summary>When the query asks for the record (<c>?record=json</c>), writes <paramref name="value"/> as JSON, or a 400
    /// when <c>record</c> is not <c>json</c>.</summary>
    /// <typeparam name="T">The record's type.</typeparam>
    /// <param name="view">The request.</param>
    /// <param name="value">The record (a memory version, a dream run).</param>
    /// <param name="info">Its JSON contract.</param>
    /// <param name="fileName">The name a browser saves it under.</param>
    /// <returns>Whether the query asked for the record (and the response is written).</returns>
    public static async Task<bool> TryWriteRecordAsync<T>(AgentViewContext view, T value, JsonTypeInfo<T> info, string fileName)
    {
        if (!view.Http.Request.Query.ContainsKey(Record))
        {
            return false;
        }

        if (view.Http.Request.Query[Record] is not { Count: 1 } record || record[0] != "json")
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"'{Record}' is '{AgentViewLayout.Echo(view.Http.Request.Query[Record].ToString())}'; the record is given as '{Record}=json'.").ConfigureAwait(false);
            return true;
        }

        await WriteJsonAsync(view, value, info, fileName).ConfigureAwait(false);
        return true;
    }

    private static Task WriteJsonAsync<T>(AgentViewContext view, T value, JsonTypeInfo<T> info, string fileName)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
        {
            JsonSerializer.Serialize(writer, value, info);
        }

        return WriteAsync(view, json, fileName);
    }

    private static async Task WriteAsync(AgentViewContext view, ArrayBufferWriter<byte> json, string fileName)
    {
        var response = view.Http.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.ContentDisposition = "inline; filename=\"" + fileName + "\"";
        AgentViewLayout.SetHeaders(response);
        await response.Body.WriteAsync(json.WrittenMemory, view.Aborted).ConfigureAwait(false);
    }
}

/// <summary>The JSON of the recorded values, source-generated (trimmed and Native AOT apps): the property names the
/// stores write, enums by name.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(SessionEvent))]
[JsonSerializable(typeof(SessionRecord))]
[JsonSerializable(typeof(MemoryVersion))]
[JsonSerializable(typeof(DreamRun))]
internal sealed partial class AgentViewJson : JsonSerializerContext;
