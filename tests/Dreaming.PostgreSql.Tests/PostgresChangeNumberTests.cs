using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The sessions' change numbers on PostgreSQL are the ids of the transactions that wrote them, read up to the
/// oldest transaction still running: a transaction that took its number first and commits last is not missed.</summary>
public sealed class PostgresChangeNumberTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_writer_that_commits_after_a_later_number_was_read_is_neither_missed_nor_counted_twice()
    {
        var store = _schema.NewStore();
        var other = _schema.NewStore();
        await store.ImportAsync([new SessionWithEvents(TraceSchema.Session("early") with { Status = SessionStatus.Completed, EndedAt = TraceSchema.BaseTime.AddMinutes(1) }, [])]);
        var counted = new HashSet<string>(StringComparer.Ordinal);
        var horizon = (await store.GetSessionChangeHorizonAsync())!.Value;
        async Task<List<string>> PollAsync()
        {
            var next = (await store.GetSessionChangeHorizonAsync())!.Value;
            var read = (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = horizon, PageSize = SessionQuery.MaxPageSize })).Items.Select(s => s.Id).ToList();
            counted.UnionWith(read);
            horizon = next;
            return read;
        }

        // A writer grades 'early' in a transaction it holds open: it has taken its number (its transaction id) first.
        await using var slow = new NpgsqlConnection(_schema.ConnectionString);
        await slow.OpenAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        await using (var grade = new NpgsqlCommand("UPDATE sessions SET outcome_label = 'failure' WHERE id = 'early' RETURNING change_xid", slow, transaction))
        {
            Assert.True((long)(await grade.ExecuteScalarAsync())! > horizon);
        }

        // Another instance imports a session: a later number, committed first, and read.
        await other.ImportAsync([new SessionWithEvents(TraceSchema.Session("late", minutes: 5) with { Status = SessionStatus.Completed, EndedAt = TraceSchema.BaseTime.AddMinutes(6) }, [])]);
        var lateNumber = (await store.GetSessionAsync("late"))!.ChangeNumber!.Value;
        Assert.Contains("late", await PollAsync());
        Assert.True(horizon < lateNumber, $"The horizon {horizon} passed the open transaction's number and the later one ({lateNumber}).");

        // The slow writer commits: the next poll reads it (its number is above the horizon the open transaction held back),
        // with 'late' again, which the reader's ids count once. (Other transactions on a shared server may hold the
        // horizon further back: a poll then reads more again, never less, so only what must be read is asserted.)
        await transaction.CommitAsync();
        var graded = await store.GetSessionAsync("early");
        Assert.True(graded!.ChangeNumber > horizon, $"The graded session's number {graded.ChangeNumber} is not above the horizon {horizon} read while its transaction was open.");
        Assert.Equal(["early", "late"], await PollAsync());
        Assert.Equal(SessionOutcome.Failure, graded.Outcome!.Label);
        await PollAsync();
        Assert.Equal(2, counted.Count);
    }

    [Fact]
    public async Task A_schema_of_version_2_gains_the_column_and_its_sessions_have_no_number_until_they_change()
    {
        var options = PostgresTestServer.NewOptions(_schema.Schema);
        await using (var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"CREATE SCHEMA {_schema.Schema}; SET search_path = {_schema.Schema}; {PostgresTraceSchema.Migrations[0]}; {PostgresTraceSchema.Migrations[1]};"
                + "CREATE TABLE schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now());"
                + "INSERT INTO schema_versions (component, version) VALUES ('traces', 2);"
                + "INSERT INTO sessions (id, agent_id, task, status, started_ms, ended_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, insight_ids, metadata, dropped_event_count, event_count)"
                + " SELECT 's' || i, 'bot', 't', 1, 1700000000000 + i * 1000, 1700000000000 + i * 1000 + 500, 0, 0, 0, 0, 0, '[]', '{}', 0, 0 FROM generate_series(1, 5) i;",
                connection);
            await command.ExecuteNonQueryAsync();
        }

        await using var store = new PostgresTraceStore(options);
        var horizon = (await store.GetSessionChangeHorizonAsync())!.Value;
        Assert.All((await store.QuerySessionsAsync(new SessionQuery())).Items, s => Assert.Null(s.ChangeNumber));
        Assert.Empty((await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = 0 })).Items);
        await store.SetOutcomeAsync("s3", SessionOutcome.Succeeded());
        Assert.Equal(["s3"], (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = horizon })).Items.Select(s => s.Id));
    }
}
