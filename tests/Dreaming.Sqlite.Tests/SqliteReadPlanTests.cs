using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>The query plans of reads that a file of a year (hundreds of thousands of sessions, a backlog of webhook
/// deliveries) makes slow when SQLite picks the wrong index: each is checked with <c>EXPLAIN QUERY PLAN</c> on a small file,
/// where, with no statistics gathered (the store never runs <c>ANALYZE</c>), the plan is the same as on a large one.</summary>
public sealed class SqliteReadPlanTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_claim_walks_the_due_index_in_order_and_sorts_no_backlog(bool skipping)
    {
        // On the index of every pending delivery (state, seq), a claim read every pending row with its event's body and
        // sorted them all to return the first 100: with 40,000 pending (an endpoint down for a while), 98 ms a claim
        // instead of 1 ms, at every claim until the backlog drained.
        var path = _folder.File("claim.db");
        using (var outbox = new SqliteWebhookOutboxStore(path))
        {
            await outbox.InitializeAsync();
        }

        var plan = Plan(path, skipping ? SqliteWebhookWriter.ClaimDueExceptSql : SqliteWebhookWriter.ClaimDueSql, ("$now", 1L), ("$limit", 100), ("$skip", "[\"a\"]"));

        Assert.Contains("USING INDEX ix_webhook_deliveries_due (next_attempt_ms<?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    internal static string Plan(string path, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters)
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, value);
            }
        }

        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return string.Join(" | ", details);
    }
}
