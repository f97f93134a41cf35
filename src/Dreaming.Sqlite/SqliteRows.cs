using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>Converts sessions and events to and from rows: times as unix milliseconds, collections and payloads as JSON.</summary>
internal static class SqliteRows
{
    /// <summary>The columns <see cref="ReadSession"/> expects, in its order.</summary>
    public const string SessionColumns =
        "id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, output_tokens, "
        + "cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, outcome_label, "
        + "outcome_score, outcome_source, dropped_event_count, event_count, change_no";

    /// <summary>Inserts a session with no events; parameters are bound by <see cref="BindSession"/>.</summary>
    public const string InsertSession =
        "INSERT INTO sessions (id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, "
        + "output_tokens, cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, "
        + "outcome_label, outcome_score, outcome_source, dropped_event_count) VALUES (CAST($id AS TEXT), CAST($agent_id AS TEXT), CAST($agent_version AS TEXT), CAST($scope AS TEXT), "
        + "CAST($task AS TEXT), CAST($parent_id AS TEXT), $status, $started_ms, $ended_ms, $input_tokens, $output_tokens, $cached_input_tokens, $model_calls, "
        + "$cost_minor_units, CAST($memory_version_id AS TEXT), $insight_ids, $metadata, CAST($outcome_label AS TEXT), $outcome_score, "
        + "CAST($outcome_source AS TEXT), "
        + "$dropped_event_count)";

    /// <summary>Inserts an event; parameters are bound by <see cref="BindEvent"/>.</summary>
    public const string InsertEvent = "INSERT INTO events (session_id, seq, ts, type, payload) VALUES (CAST($session_id AS TEXT), $seq, $ts, CAST($type AS TEXT), $payload)";

    private static readonly string[] SessionParameters =
    [
        "$id", "$agent_id", "$agent_version", "$scope", "$task", "$parent_id", "$status", "$started_ms", "$ended_ms", "$input_tokens",
        "$output_tokens", "$cached_input_tokens", "$model_calls", "$cost_minor_units", "$memory_version_id", "$insight_ids", "$metadata",
        "$outcome_label", "$outcome_score", "$outcome_source", "$dropped_event_count",
    ];

    private static readonly string[] EventParameters = ["$session_id", "$seq", "$ts", "$type", "$payload"];

    public static long ToMilliseconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMilliseconds(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    /// <summary>Creates the command of <see cref="InsertSession"/> with its parameters, ready to be prepared and reused.</summary>
    public static SqliteCommand CreateInsertSession(SqliteConnection connection) => Create(connection, InsertSession, SessionParameters);

    /// <summary>Creates the command of <see cref="InsertEvent"/> with its parameters, ready to be prepared and reused.</summary>
    public static SqliteCommand CreateInsertEvent(SqliteConnection connection) => Create(connection, InsertEvent, EventParameters);

    public static SqliteCommand Create(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    public static void BindSession(SqliteCommand command, SessionRecord session)
    {
        var values = command.Parameters;
        values[0].Value = Text(session.Id);
        values[1].Value = Text(session.AgentId);
        values[2].Value = Text(session.AgentVersion);
        values[3].Value = Text(session.Scope);
        values[4].Value = Text(session.Task);
        values[5].Value = Text(session.ParentSessionId);
        values[6].Value = (int)session.Status;
        values[7].Value = ToMilliseconds(session.StartedAt);
        values[8].Value = session.EndedAt is { } ended ? ToMilliseconds(ended) : DBNull.Value;
        values[9].Value = session.Usage.InputTokens;
        values[10].Value = session.Usage.OutputTokens;
        values[11].Value = session.Usage.CachedInputTokens;
        values[12].Value = session.Usage.ModelCalls;
        values[13].Value = session.Usage.CostMinorUnits;
        values[14].Value = Text(session.MemoryVersionId);
        values[15].Value = JsonSerializer.Serialize(session.InsightIds, SqliteJson.Default.IReadOnlyListString);
        values[16].Value = JsonSerializer.Serialize(session.Metadata, SqliteJson.Default.IReadOnlyDictionaryStringString);
        BindOutcome(values, 17, session.Outcome);
        values[20].Value = session.DroppedEventCount;
    }

    /// <summary>Binds label, score and source of an outcome to three parameters starting at <paramref name="first"/>; the
    /// statement casts label and source <c>AS TEXT</c> (<see cref="Text"/>).</summary>
    public static void BindOutcome(SqliteParameterCollection values, int first, SessionOutcome? outcome)
    {
        values[first].Value = Text(outcome?.Label);
        values[first + 1].Value = outcome?.Score is { } score ? score : DBNull.Value;
        values[first + 2].Value = Text(outcome?.Source);
    }

    public static void BindEvent(SqliteCommand command, string sessionId, SessionEvent sessionEvent)
    {
        var values = command.Parameters;
        values[0].Value = Text(sessionId);
        values[1].Value = sessionEvent.Sequence;
        values[2].Value = ToMilliseconds(sessionEvent.Timestamp);
        values[3].Value = Text(sessionEvent.EventType);
        values[4].Value = JsonSerializer.Serialize(sessionEvent, SqliteJson.Default.SessionEvent);
    }

    /// <summary>Reads a session from a row of <see cref="SessionColumns"/>.</summary>
    /// <exception cref="TraceStoreException">The row holds a status, insight ids or metadata this library cannot read.</exception>
    public static SessionRecord ReadSession(SqliteDataReader row) => SessionRowValues.Read(row, static text => text, "Dreaming.Sqlite");

    /// <summary>Reads an event from its payload and sets back the envelope, which the payload does not carry.</summary>
    public static SessionEvent ReadEvent(string sessionId, long sequence, long timestampMilliseconds, string payload)
    {
        SessionEvent? sessionEvent;
        try
        {
            sessionEvent = DeserializeEvent(payload);
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException)
        {
            throw new TraceStoreException($"Event {sequence} of session '{sessionId}' has a payload this library cannot read: {exception.Message}", exception);
        }

        if (sessionEvent is null)
        {
            throw new TraceStoreException($"Event {sequence} of session '{sessionId}' has an empty payload.");
        }

        return StoreJsonDefaults.Complete(sessionEvent, payload) with { SessionId = sessionId, Sequence = sequence, Timestamp = FromMilliseconds(timestampMilliseconds) };
    }

    // The payloads this library writes start with their "kind"; one where it comes later (rewritten by another tool)
    // means the same, but the default reader takes it for the abstract base type and refuses it: it is read again
    // with options that look ahead for the "kind".
    private static SessionEvent? DeserializeEvent(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, SqliteJson.Default.SessionEvent);
        }
        catch (NotSupportedException)
        {
            return JsonSerializer.Deserialize(payload, SqliteJson.KindAnywhere.SessionEvent);
        }
    }

    /// <summary>Gets the value to bind for text or an id that the statement casts <c>AS TEXT</c> (every string a caller
    /// gives: ids, scope keys, filters, free text; not JSON, which writes a NUL as <c>\u0000</c>): the string, or its UTF-8
    /// bytes when it holds a NUL, since Microsoft.Data.Sqlite binds a long string (measured: one of 600 characters, not one
    /// of 300) as a NUL-terminated C string and SQLite would keep only what comes before the first NUL (a 32 KB task
    /// "h\0..." was stored as "h"); the bytes cast to TEXT are the string whole (half a surrogate pair as U+FFFD, as a
    /// string bound is).</summary>
    internal static object Text(string? value) =>
        value is null ? DBNull.Value : value.Contains('\0', StringComparison.Ordinal) ? System.Text.Encoding.UTF8.GetBytes(value) : value;
}
