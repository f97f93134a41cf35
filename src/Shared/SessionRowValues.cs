using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>Reading a session row, which the SQLite and PostgreSQL trace stores share: the columns of their
/// <c>SessionColumns</c>, in that order (the change number, the 23rd, where the store has it). <c>text</c> gives the string a stored text holds (as stored for SQLite,
/// <c>PostgresText.Decode</c> for PostgreSQL); <c>package</c> names the store's package in messages.</summary>
internal static class SessionRowValues
{
    /// <summary>Reads a session from a row.</summary>
    /// <exception cref="TraceStoreException">The row holds a status, insight ids or metadata this library cannot read.</exception>
    public static SessionRecord Read(DbDataReader row, Func<string, string> text, string package)
    {
        var id = text(row.GetString(0));
        var status = row.GetInt32(6);
        if (!Enum.IsDefined((SessionStatus)status))
        {
            throw new TraceStoreException($"Session '{id}' has a status {status} this library cannot read; it may have been written by a newer version of {package}.");
        }

        try
        {
            return ReadFields(row, id, (SessionStatus)status, text);
        }
        catch (JsonException exception)
        {
            throw new TraceStoreException($"Session '{id}' has insight ids or metadata this library cannot read: {exception.Message}", exception);
        }
    }

    private static SessionRecord ReadFields(DbDataReader row, string id, SessionStatus status, Func<string, string> text) => new()
    {
        Id = id,
        AgentId = text(row.GetString(1)),
        AgentVersion = Optional(row, 2, text),
        Scope = Optional(row, 3, text),
        Task = text(row.GetString(4)),
        ParentSessionId = Optional(row, 5, text),
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
        MemoryVersionId = Optional(row, 14, text),
        InsightIds = JsonSerializer.Deserialize(row.GetString(15), StoreSessionJson.Default.StringArray) ?? [],
        Metadata = JsonSerializer.Deserialize(row.GetString(16), StoreSessionJson.Default.DictionaryStringString) ?? [],
        Outcome = row.IsDBNull(17) ? null : new SessionOutcome
        {
            Label = text(row.GetString(17)),
            Score = row.IsDBNull(18) ? null : row.GetDouble(18),
            Source = Optional(row, 19, text),
        },
        DroppedEventCount = row.GetInt64(20),
        EventCount = row.GetInt64(21),
        ChangeNumber = row.FieldCount > 22 && !row.IsDBNull(22) ? row.GetInt64(22) : null,
    };

    private static string? Optional(DbDataReader row, int ordinal, Func<string, string> text) => row.IsDBNull(ordinal) ? null : text(row.GetString(ordinal));
}

/// <summary>The JSON of a session row's insight ids and metadata, the same in every store, source-generated so that it
/// works when trimmed or compiled ahead of time.</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class StoreSessionJson : JsonSerializerContext;
