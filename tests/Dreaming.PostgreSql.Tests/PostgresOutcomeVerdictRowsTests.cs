using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A criterion's verdict records its weight, required flag and kind; one stored by an earlier version, without
/// them, still reads, with them unknown (the payload the SQLite store reads the same way).</summary>
public sealed class PostgresOutcomeVerdictRowsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_verdict_stored_before_weights_were_recorded_reads_with_them_unknown_and_a_new_one_keeps_them()
    {
        await _schema.NewStore().ImportAsync(
        [
            new(
                new SessionRecord { Id = "s1", AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = At, EndedAt = At.AddSeconds(5) },
                [Ended(1, new CriterionVerdictRecord("order", "met", 1, null)), Ended(2, new CriterionVerdictRecord("order", "not_met", 0, "missing") { Weight = 0, Required = true, Kind = "contains" })]),
        ]);

        // The payload as an earlier version wrote it: each verdict is its id, verdict, score and reason.
        await using (var connection = new NpgsqlConnection(_schema.ConnectionString))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand(
                """
                UPDATE events SET payload = '{"kind":"outcome_evaluation_ended","Iteration":1,"RubricId":"refund","Result":"needs_revision","Score":0.5,"Threshold":0.75,"Aggregation":"weighted_mean","Passed":false,"Criteria":[{"Id":"order","Verdict":"not_met","Score":0,"Reason":"missing"},{"Id":"tone","Verdict":"met","Score":1,"Reason":null}],"GraderUsage":{"InputTokens":3,"OutputTokens":1},"Error":null}' WHERE session_id = 's1' AND seq = 1
                """,
                connection);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        // Another instance reads both.
        var events = (await _schema.NewStore().GetEventsAsync("s1")).Cast<OutcomeEvaluationEndedEvent>().ToList();
        var old = events[0].Criteria;
        Assert.Equal([("order", "not_met", 0.0, "missing"), ("tone", "met", 1.0, null)], old.Select(c => (c.Id, c.Verdict, c.Score!.Value, c.Reason)));
        Assert.All(old, c => Assert.Equal((null, null, null, false, false), (c.Weight, c.Required, c.Kind, c.IsReportOnly, c.FailedRequired)));
        var recorded = Assert.Single(events[1].Criteria);
        Assert.Equal((0.0, true, "contains", true, false), (recorded.Weight!.Value, recorded.Required!.Value, recorded.Kind!, recorded.FailedRequired, recorded.IsReportOnly));
    }

    private static OutcomeEvaluationEndedEvent Ended(int iteration, CriterionVerdictRecord criterion) => new()
    {
        SessionId = "s1",
        Sequence = iteration,
        Timestamp = At,
        Iteration = iteration,
        RubricId = "refund",
        Result = "needs_revision",
        Criteria = [criterion],
    };
}
