using System.Data.Common;
using System.Text.Json;

namespace Dreaming;

/// <summary>Builds a dream run from a row of a store's run columns (id, scope, status, requested_ms, started_ms, ended_ms,
/// instructions, max_sessions, min_sessions, review_mode, lease_holder, lease_expires_ms, input_version_id, session_ids,
/// cursor_ended_ms, cursor_session_id, stage_usage, report, output_version_id, note, error, token_budget, budget_reached,
/// lookback_ticks, max_lookback_sessions, min_scopes), the same way in every store.</summary>
/// <remarks>Shared source, compiled into each store assembly (internal in each).</remarks>
internal static class DreamRunRowValues
{
    /// <summary>Reads the run on <paramref name="row"/>.</summary>
    /// <param name="row">The reader, on a row of the run columns.</param>
    /// <param name="text">Turns a stored text value back into the string it was given (the identity where text is kept as given).</param>
    /// <param name="package">The store's package, named when a value cannot be read (a newer version of it may have written it).</param>
    /// <exception cref="TraceStoreException">The row holds a value this library cannot read.</exception>
    public static DreamRun Read(DbDataReader row, Func<string, string> text, string package)
    {
        var id = text(row.GetString(0));
        try
        {
            return new DreamRun
            {
                Id = id,
                Request = new DreamRunRequest
                {
                    Scope = MemoryScope.TryParse(text(row.GetString(1)), out var scope) ? scope : throw Unreadable(id, "scope", text(row.GetString(1)), package),
                    Instructions = Optional(row, 6, text),
                    MaxSessions = row.GetInt32(7),
                    MinSessions = row.GetInt32(8),
                    ReviewMode = Parse<DreamReviewMode>(id, row.GetString(9), package),
                    TokenBudget = row.IsDBNull(21) ? null : row.GetInt64(21),
                    Lookback = row.IsDBNull(23) ? null : TimeSpan.FromTicks(row.GetInt64(23)),
                    MaxLookbackSessions = row.IsDBNull(24) ? DreamRunRequest.DefaultMaxLookbackSessions : row.GetInt32(24),
                    MinScopes = row.IsDBNull(25) ? null : row.GetInt32(25),
                },
                Status = Parse<DreamRunStatus>(id, row.GetString(2), package),
                RequestedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(3)),
                StartedAt = Time(row, 4),
                EndedAt = Time(row, 5),
                LeaseHolder = Optional(row, 10, text),
                LeaseExpiresAt = Time(row, 11),
                Results = new DreamRunResults
                {
                    InputVersionId = Optional(row, 12, text),
                    SessionIds = JsonSerializer.Deserialize(text(row.GetString(13)), StoreDreamRunJson.Store.StringArray) ?? [],
                    Cursor = Time(row, 14) is { } endedAt ? new DreamCursor(endedAt, text(row.GetString(15))) : null,
                    StageUsage = JsonSerializer.Deserialize(text(row.GetString(16)), StoreDreamRunJson.Store.DreamStageUsageArray) ?? [],
                    Report = StoreDreamRunJson.ReadReport(text(row.GetString(17))),
                    OutputVersionId = Optional(row, 18, text),
                    Note = Optional(row, 19, text),
                    BudgetReached = row.GetBoolean(22),
                },
                Error = Optional(row, 20, text),
            };
        }
        catch (JsonException exception)
        {
            throw new TraceStoreException($"Dream run '{id}' has session ids, stage usage or a report this library cannot read: {exception.Message}", exception);
        }
    }

    private static string? Optional(DbDataReader row, int ordinal, Func<string, string> text) => row.IsDBNull(ordinal) ? null : text(row.GetString(ordinal));

    private static DateTimeOffset? Time(DbDataReader row, int ordinal) =>
        row.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(ordinal));

    private static TEnum Parse<TEnum>(string runId, string name, string package)
        where TEnum : struct, Enum =>
        StoreEnumNames<TEnum>.TryParse(name, out var value) ? value : throw Unreadable(runId, typeof(TEnum).Name, name, package);

    private static TraceStoreException Unreadable(string runId, string what, string value, string package) =>
        new($"Dream run '{runId}' has a {what} '{value}' this library cannot read; it may have been written by a newer version of {package}.");
}
