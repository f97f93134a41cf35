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
    public const string InsertSession = InsertSessionsInto + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";

    /// <summary>Inserts the events held by five arrays (session ids, sequences, times, types, payloads), in one statement.</summary>
    public const string InsertEvents =
        "INSERT INTO events (session_id, seq, ts, type, payload) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])";

    private const string InsertSessionsInto =
        "INSERT INTO sessions (id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, "
        + "output_tokens, cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, "
        + "outcome_label, outcome_score, outcome_source, dropped_event_count) ";

    // The types of the 21 arrays AddSessionArrays binds, a column of the sessions each, in the order of InsertSessionsInto.
    private static readonly string[] s_sessionArrayTypes =
        ["text", "text", "text", "text", "text", "text", "smallint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "text", "text", "text", "text", "float8", "text", "bigint"];

    // A batch's new sessions travel as 21 arrays, whatever their number: one statement text (which automatic preparation
    // keeps), and 21 parameters where a row of values each would pass a statement's 65,535 at 3,121 sessions.
    private static readonly string s_insertSessions = InsertSessionArrays(1);
    // The events' insert reads the count of the new sessions before its first row: a WITH that the statement does not
    // read runs after it, and the events went in first; a batch creating a session then waited on it, inserted by an import
    // of that id meanwhile, while the import waited on the batch's events of it (a deadlock, 40P01). Sessions first, in id
    // order, is the order of every import and batch.
    private static readonly string s_insertEventsWithSessions =
        "WITH new_sessions AS (" + InsertSessionArrays(6) + " RETURNING 1) " + InsertEvents + " WHERE (SELECT count(*) FROM new_sessions) >= 0";

    // A batch's events skip a sequence number their session has (or that the batch repeats) rather than fail on it: the
    // batch then counts the rows written and refuses itself once its lock has said whether a session had ended.
    private const string SkipRepeated = " ON CONFLICT (session_id, seq) DO NOTHING";

    /// <summary>Adds a command inserting <paramref name="session"/> to <paramref name="batch"/>.</summary>
    public static void AddSession(NpgsqlBatch batch, SessionRecord session, string? insertSql = null)
    {
        var command = new NpgsqlBatchCommand(insertSql ?? InsertSession);
        AddSessionValues(command.Parameters, session);
        batch.BatchCommands.Add(command);
    }

    /// <summary>A statement inserting <paramref name="sessions"/> (in their order) from 21 arrays, <c>$1</c> to <c>$21</c>:
    /// all of the rows reach the server before any is written.</summary>
    public static NpgsqlBatchCommand InsertSessionsCommand(IReadOnlyList<SessionRecord> sessions)
    {
        var command = new NpgsqlBatchCommand(s_insertSessions);
        AddSessionArrays(command.Parameters, sessions);
        return command;
    }

    /// <summary>The text inserting sessions from the 21 arrays that start at parameter <paramref name="first"/>.</summary>
    private static string InsertSessionArrays(int first) =>
        InsertSessionsInto + "SELECT * FROM unnest("
        + string.Join(", ", s_sessionArrayTypes.Select((type, i) => "$" + (first + i).ToString(System.Globalization.CultureInfo.InvariantCulture) + "::" + type + "[]"))
        + ")";

    /// <summary>Adds the 21 arrays of <paramref name="sessions"/>' rows, a column each, in the order of <see cref="InsertSession"/>.</summary>
    private static void AddSessionArrays(NpgsqlParameterCollection values, IReadOnlyList<SessionRecord> sessions)
    {
        var count = sessions.Count;
        string[] ids = new string[count], agents = new string[count], tasks = new string[count], insights = new string[count], metadata = new string[count];
        string?[] versions = new string?[count], scopes = new string?[count], parents = new string?[count], memories = new string?[count];
        string?[] labels = new string?[count], sources = new string?[count];
        var statuses = new short[count];
        long[] started = new long[count], input = new long[count], output = new long[count], cached = new long[count], calls = new long[count], cost = new long[count], dropped = new long[count];
        var ended = new long?[count];
        var scores = new double?[count];
        for (var i = 0; i < count; i++)
        {
            var session = sessions[i];
            ids[i] = PostgresText.Encode(session.Id);
            agents[i] = PostgresText.Encode(session.AgentId);
            versions[i] = StoredOrNull(session.AgentVersion);
            scopes[i] = StoredOrNull(session.Scope);
            tasks[i] = PostgresText.Encode(session.Task);
            parents[i] = StoredOrNull(session.ParentSessionId);
            statuses[i] = (short)session.Status;
            started[i] = session.StartedAt.ToUnixTimeMilliseconds();
            ended[i] = session.EndedAt?.ToUnixTimeMilliseconds();
            input[i] = session.Usage.InputTokens;
            output[i] = session.Usage.OutputTokens;
            cached[i] = session.Usage.CachedInputTokens;
            calls[i] = session.Usage.ModelCalls;
            cost[i] = session.Usage.CostMinorUnits;
            memories[i] = StoredOrNull(session.MemoryVersionId);
            insights[i] = JsonSerializer.Serialize(session.InsightIds, PostgresJson.Default.IReadOnlyListString);
            metadata[i] = JsonSerializer.Serialize(session.Metadata, PostgresJson.Default.IReadOnlyDictionaryStringString);
            labels[i] = StoredOrNull(session.Outcome?.Label);
            scores[i] = session.Outcome?.Score;
            sources[i] = StoredOrNull(session.Outcome?.Source);
            dropped[i] = session.DroppedEventCount;
        }

        values.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        values.Add(new NpgsqlParameter<string[]> { TypedValue = agents });
        values.Add(new NpgsqlParameter<string?[]> { TypedValue = versions });
        values.Add(new NpgsqlParameter<string?[]> { TypedValue = scopes });
        values.Add(new NpgsqlParameter<string[]> { TypedValue = tasks });
        values.Add(new NpgsqlParameter<string?[]> { TypedValue = parents });
        values.Add(new NpgsqlParameter<short[]> { TypedValue = statuses });
        values.Add(new NpgsqlParameter<long[]> { TypedValue = started });
        values.Add(new NpgsqlParameter<long?[]> { TypedValue = ended });
        values.Add(new NpgsqlParameter<long[]> { TypedValue = input });
        values.Add(new NpgsqlParameter<long[]> { TypedValue = output });
        values.Add(new NpgsqlParameter<long[]> { TypedValue = cached });
        values.Add(new NpgsqlParameter<long[]> { TypedValue = calls });
        values.Add(new NpgsqlParameter<long[]> { TypedValue = cost });
        values.Add(new NpgsqlParameter<string?[]> { TypedValue = memories });
        values.Add(new NpgsqlParameter<string[]> { TypedValue = insights });
        values.Add(new NpgsqlParameter<string[]> { TypedValue = metadata });
        values.Add(new NpgsqlParameter<string?[]> { TypedValue = labels });
        values.Add(new NpgsqlParameter<double?[]> { TypedValue = scores });
        values.Add(new NpgsqlParameter<string?[]> { TypedValue = sources });
        values.Add(new NpgsqlParameter<long[]> { TypedValue = dropped });
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

    /// <summary>The stored form of <paramref name="value"/>, or null.</summary>
    private static string? StoredOrNull(string? value) => value is null ? null : PostgresText.Encode(value);

    /// <summary>A text parameter holding the stored form of <paramref name="value"/>, or null.</summary>
    public static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = PostgresText.EncodeNullable(value) };

    /// <summary>The five arrays <see cref="InsertEvents"/> takes, for <paramref name="events"/> of the given sessions; with
    /// <paramref name="newSessions"/>, one statement that also inserts those (in their order, from the 21 arrays <c>$6</c> to
    /// <c>$26</c>, in a <c>WITH</c> that the foreign key's check, at the statement's end, sees).</summary>
    /// <param name="events">The events.</param>
    /// <param name="start">The first of them to insert.</param>
    /// <param name="count">How many to insert.</param>
    /// <param name="sessionId">The session every one of them belongs to; each event's own when <see langword="null"/>.</param>
    /// <param name="newSessions">The sessions the statement inserts first, or none.</param>
    /// <param name="skipRepeated">Whether an event whose session and sequence number are stored (or come twice) is skipped
    /// rather than refused: the command's <see cref="NpgsqlBatchCommand.RecordsAffected"/> then falls short.</param>
    public static NpgsqlBatchCommand InsertEventsCommand(IReadOnlyList<SessionEvent> events, int start, int count, string? sessionId = null, IReadOnlyList<SessionRecord>? newSessions = null, bool skipRepeated = false)
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

        var command = new NpgsqlBatchCommand((newSessions is { Count: > 0 } ? s_insertEventsWithSessions : InsertEvents) + (skipRepeated ? SkipRepeated : string.Empty));
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = sessionIds });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = times });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = payloads });
        if (newSessions is { Count: > 0 })
        {
            AddSessionArrays(command.Parameters, newSessions);
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
