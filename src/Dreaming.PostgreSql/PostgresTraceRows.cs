using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Dreaming.PostgreSql;

/// <summary>Converts sessions and events to and from rows: times as unix milliseconds, collections and payloads as JSON,
/// text through <see cref="PostgresText"/>.</summary>
internal static class PostgresTraceRows
{
    /// <summary>The columns <see cref="ReadSession"/> expects, in its order.</summary>
    public const string SessionColumns =
        "id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, output_tokens, "
        + "cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, outcome_label, "
        + "outcome_score, outcome_source, dropped_event_count, event_count";

    /// <summary>Inserts a session with no events; <c>$1</c> to <c>$21</c> are bound by <see cref="AddSession"/>.</summary>
    public const string InsertSession =
        "INSERT INTO sessions (id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, "
        + "output_tokens, cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, "
        + "outcome_label, outcome_score, outcome_source, dropped_event_count) VALUES "
        + "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";

    /// <summary>Inserts the events held by five arrays (session ids, sequences, times, types, payloads), in one statement.</summary>
    public const string InsertEvents =
        "INSERT INTO events (session_id, seq, ts, type, payload) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])";

    /// <summary>Adds a command inserting <paramref name="session"/> to <paramref name="batch"/>.</summary>
    public static void AddSession(NpgsqlBatch batch, SessionRecord session, string? insertSql = null)
    {
        var command = new NpgsqlBatchCommand(insertSql ?? InsertSession);
        var values = command.Parameters;
        values.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Encode(session.Id) });
        values.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Encode(session.AgentId) });
        values.Add(Text(session.AgentVersion));
        values.Add(Text(session.Scope));
        values.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Encode(session.Task) });
        values.Add(Text(session.ParentSessionId));
        values.Add(new NpgsqlParameter<short> { TypedValue = (short)session.Status });
        values.Add(new NpgsqlParameter<long> { TypedValue = session.StartedAt.ToUnixTimeMilliseconds() });
        values.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = session.EndedAt is { } ended ? ended.ToUnixTimeMilliseconds() : DBNull.Value });
        values.Add(new NpgsqlParameter<long> { TypedValue = session.Usage.InputTokens });
        values.Add(new NpgsqlParameter<long> { TypedValue = session.Usage.OutputTokens });
        values.Add(new NpgsqlParameter<long> { TypedValue = session.Usage.CachedInputTokens });
        values.Add(new NpgsqlParameter<long> { TypedValue = session.Usage.ModelCalls });
        values.Add(new NpgsqlParameter<long> { TypedValue = session.Usage.CostMinorUnits });
        values.Add(Text(session.MemoryVersionId));
        values.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(session.InsightIds, PostgresJson.Default.IReadOnlyListString) });
        values.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(session.Metadata, PostgresJson.Default.IReadOnlyDictionaryStringString) });
        AddOutcome(values, session.Outcome);
        values.Add(new NpgsqlParameter<long> { TypedValue = session.DroppedEventCount });
        batch.BatchCommands.Add(command);
    }

    /// <summary>Adds the label, score and source of an outcome (or three nulls) as the next three parameters.</summary>
    public static void AddOutcome(NpgsqlParameterCollection values, SessionOutcome? outcome)
    {
        values.Add(Text(outcome?.Label));
        values.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = outcome?.Score is { } score ? score : DBNull.Value });
        values.Add(Text(outcome?.Source));
    }

    /// <summary>A text parameter holding the stored form of <paramref name="value"/>, or null.</summary>
    public static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = PostgresText.EncodeNullable(value) };

    /// <summary>The five arrays <see cref="InsertEvents"/> takes, for <paramref name="events"/> of the given sessions.</summary>
    public static NpgsqlBatchCommand InsertEventsCommand(IReadOnlyList<SessionEvent> events, int start, int count, string? sessionId = null)
    {
        var sessionIds = new string[count];
        var sequences = new long[count];
        var times = new long[count];
        var types = new string[count];
        var payloads = new string[count];
        for (var i = 0; i < count; i++)
        {
            var sessionEvent = events[start + i];
            sessionIds[i] = PostgresText.Encode(sessionId ?? sessionEvent.SessionId);
            sequences[i] = sessionEvent.Sequence;
            times[i] = sessionEvent.Timestamp.ToUnixTimeMilliseconds();
            types[i] = PostgresText.Encode(sessionEvent.EventType);
            payloads[i] = JsonSerializer.Serialize(sessionEvent, PostgresJson.Default.SessionEvent);
        }

        var command = new NpgsqlBatchCommand(InsertEvents);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = sessionIds });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = times });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = payloads });
        return command;
    }

    /// <summary>Reads a session from a row of <see cref="SessionColumns"/>.</summary>
    /// <exception cref="TraceStoreException">The row holds a status, insight ids or metadata this library cannot read.</exception>
    public static SessionRecord ReadSession(NpgsqlDataReader row)
    {
        var id = PostgresText.Decode(row.GetString(0));
        var status = row.GetInt16(6);
        if (!Enum.IsDefined((SessionStatus)status))
        {
            throw new TraceStoreException($"Session '{id}' has a status {status} this library cannot read; it may have been written by a newer version of Dreaming.PostgreSql.");
        }

        try
        {
            return ReadSessionFields(row, id, (SessionStatus)status);
        }
        catch (JsonException exception)
        {
            throw new TraceStoreException($"Session '{id}' has insight ids or metadata this library cannot read: {exception.Message}", exception);
        }
    }

    private static SessionRecord ReadSessionFields(NpgsqlDataReader row, string id, SessionStatus status) => new()
    {
        Id = id,
        AgentId = PostgresText.Decode(row.GetString(1)),
        AgentVersion = GetString(row, 2),
        Scope = GetString(row, 3),
        Task = PostgresText.Decode(row.GetString(4)),
        ParentSessionId = GetString(row, 5),
        Status = status,
        StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(7)),
        EndedAt = row.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(8)),
        Usage = new SessionUsage
        {
            InputTokens = row.GetInt64(9),
            OutputTokens = row.GetInt64(10),
            CachedInputTokens = row.GetInt64(11),
            ModelCalls = row.GetInt64(12),
            CostMinorUnits = row.GetInt64(13),
        },
        MemoryVersionId = GetString(row, 14),
        InsightIds = JsonSerializer.Deserialize(row.GetString(15), PostgresJson.Default.StringArray) ?? [],
        Metadata = JsonSerializer.Deserialize(row.GetString(16), PostgresJson.Default.DictionaryStringString) ?? [],
        Outcome = row.IsDBNull(17) ? null : new SessionOutcome
        {
            Label = PostgresText.Decode(row.GetString(17)),
            Score = row.IsDBNull(18) ? null : row.GetDouble(18),
            Source = GetString(row, 19),
        },
        DroppedEventCount = row.GetInt64(20),
        EventCount = row.GetInt64(21),
    };

    /// <summary>Reads an event from its payload and sets back the envelope, which the payload does not carry.</summary>
    public static SessionEvent ReadEvent(string sessionId, long sequence, long timestampMilliseconds, string payload)
    {
        SessionEvent? sessionEvent;
        try
        {
            try
            {
                sessionEvent = JsonSerializer.Deserialize(payload, PostgresJson.Default.SessionEvent);
            }
            catch (NotSupportedException)
            {
                sessionEvent = JsonSerializer.Deserialize(payload, PostgresJson.KindAnywhere.SessionEvent);
            }
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException)
        {
            throw new TraceStoreException($"Event {sequence} of session '{sessionId}' has a payload this library cannot read: {exception.Message}", exception);
        }

        if (sessionEvent is null)
        {
            throw new TraceStoreException($"Event {sequence} of session '{sessionId}' has an empty payload.");
        }

        return StoreJsonDefaults.Complete(sessionEvent, payload) with
        {
            SessionId = sessionId,
            Sequence = sequence,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(timestampMilliseconds),
        };
    }

    private static string? GetString(NpgsqlDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : PostgresText.Decode(row.GetString(ordinal));
}
