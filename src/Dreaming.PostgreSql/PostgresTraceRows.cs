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
        + "outcome_score, outcome_source, dropped_event_count, event_count, change_xid";

    /// <summary>Inserts a session with no events; <c>$1</c> to <c>$21</c> are bound by <see cref="AddSession"/>.</summary>
    public const string InsertSession = InsertSessionsInto + "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";

    /// <summary>Inserts the events held by five arrays (session ids, sequences, times, types, payloads), in one statement.</summary>
    public const string InsertEvents =
        "INSERT INTO events (session_id, seq, ts, type, payload) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])";

    private const string InsertSessionsInto =
        "INSERT INTO sessions (id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, "
        + "output_tokens, cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, "
        + "outcome_label, outcome_score, outcome_source, dropped_event_count) VALUES ";

    // The columns of a session row, and so the parameters AddSessionValues binds for each.
    private const int SessionParameters = 21;

    // The texts of the usual batches (one new session, alone or with its events), made once rather than at each batch.
    private static readonly string s_insertOneSession = InsertSessions(1, 1);
    private static readonly string s_insertEventsWithOneSession = WithSessions(1);

    /// <summary>Adds a command inserting <paramref name="session"/> to <paramref name="batch"/>.</summary>
    public static void AddSession(NpgsqlBatch batch, SessionRecord session, string? insertSql = null)
    {
        var command = new NpgsqlBatchCommand(insertSql ?? InsertSession);
        AddSessionValues(command.Parameters, session);
        batch.BatchCommands.Add(command);
    }

    /// <summary>A statement inserting <paramref name="sessions"/> (in their order) as one multi-row insert, with their
    /// parameters from <c>$1</c>: all of the rows reach the server before any is written.</summary>
    public static NpgsqlBatchCommand InsertSessionsCommand(IReadOnlyList<SessionRecord> sessions)
    {
        var command = new NpgsqlBatchCommand(sessions.Count == 1 ? s_insertOneSession : InsertSessions(sessions.Count, 1));
        foreach (var session in sessions)
        {
            AddSessionValues(command.Parameters, session);
        }

        return command;
    }

    /// <summary>The text inserting <paramref name="count"/> sessions (parameters from <c>$6</c>) and the events.</summary>
    private static string WithSessions(int count) => "WITH new_sessions AS (" + InsertSessions(count, 6) + ") " + InsertEvents;

    /// <summary>The text inserting <paramref name="count"/> sessions, whose parameters start at <paramref name="first"/>.</summary>
    private static string InsertSessions(int count, int first)
    {
        var sql = new System.Text.StringBuilder(InsertSessionsInto);
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? "(" : ", (");
            for (var column = 0; column < SessionParameters; column++)
            {
                sql.Append(column == 0 ? "$" : ", $").Append((first + (i * SessionParameters) + column).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            sql.Append(')');
        }

        return sql.ToString();
    }

    /// <summary>Adds the 21 values of a session row, in the order of <see cref="InsertSession"/>.</summary>
    private static void AddSessionValues(NpgsqlParameterCollection values, SessionRecord session)
    {
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

    /// <summary>The five arrays <see cref="InsertEvents"/> takes, for <paramref name="events"/> of the given sessions; with
    /// <paramref name="newSessions"/>, one statement that also inserts those (in their order, parameters from <c>$6</c>,
    /// in a <c>WITH</c> that the foreign key's check, at the statement's end, sees).</summary>
    public static NpgsqlBatchCommand InsertEventsCommand(IReadOnlyList<SessionEvent> events, int start, int count, string? sessionId = null, IReadOnlyList<SessionRecord>? newSessions = null)
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

        var command = new NpgsqlBatchCommand(newSessions switch
        {
            null or { Count: 0 } => InsertEvents,
            { Count: 1 } => s_insertEventsWithOneSession,
            _ => WithSessions(newSessions.Count),
        });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = sessionIds });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = times });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = payloads });
        foreach (var session in newSessions ?? [])
        {
            AddSessionValues(command.Parameters, session);
        }

        return command;
    }

    /// <summary>Reads a session from a row of <see cref="SessionColumns"/>.</summary>
    /// <exception cref="TraceStoreException">The row holds a status, insight ids or metadata this library cannot read.</exception>
    public static SessionRecord ReadSession(NpgsqlDataReader row) => SessionRowValues.Read(row, PostgresText.Decode, "Dreaming.PostgreSql");

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
}
