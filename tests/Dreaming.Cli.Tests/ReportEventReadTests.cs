using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming report</c> reads, of each session's events, only the memory it was given: it read and parsed every
/// event (4 million on a year's file: 21 s for 200,000 sessions in performance.md), so an event it cannot read, which it does not need, failed
/// the whole report.</summary>
public class ReportEventReadTests
{
    [Fact]
    public async Task The_report_reads_only_the_memory_given_so_an_event_of_a_kind_it_cannot_read_does_not_fail_it()
    {
        using var cli = new CliRunner();
        var now = DateTimeOffset.UtcNow;
        string version;
        using (var memory = new SqliteMemoryStore("Data Source=" + cli.Database))
        {
            var insight = new Insight { Id = "ins-1", Text = "Check the total first.", Scope = MemoryScope.Global, Source = InsightSource.Mined, CreatedAt = now, UpdatedAt = now };
            var proposed = await memory.ProposeAsync(new MemoryProposal { Scope = MemoryScope.Global, Author = MemoryAuthor.DreamRun("dr-1"), Insights = [insight] });
            version = (await memory.ApproveAsync(proposed.Id, MemoryAuthor.Person("ann"))).Id;
        }

        var at = now.AddHours(1);
        using (var store = new SqliteTraceStore(cli.Database))
        {
            await store.ImportAsync(
            [
                new(
                    new SessionRecord { Id = "s1", AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = at, EndedAt = at.AddSeconds(30), Outcome = SessionOutcome.Succeeded() },
                    [
                        new MessageEvent { SessionId = "s1", Sequence = 1, Timestamp = at, Role = "user", Text = "hello" },
                        new InsightsInjectedEvent { SessionId = "s1", Sequence = 2, Timestamp = at, MemoryVersionId = version, InsightIds = ["ins-1"], Scope = MemoryScope.Global },
                        new NoteEvent { SessionId = "s1", Sequence = 3, Timestamp = at, Text = "later" },
                    ]),
            ]);
        }

        // A kind a newer build wrote, which this one cannot read.
        SqliteFilesExecute(cli.Database, "UPDATE events SET type = 'future.kind', payload = '{\"kind\":\"future_kind\"}' WHERE seq = 3;");

        foreach (var agent in new[] { "--agent", null })
        {
            string[] args = agent is null ? ["report", "--db", cli.Database, "--json"] : ["report", "--db", cli.Database, "--json", agent, "bot"];
            var (exit, output, error) = await cli.RunAsync(args);

            Assert.True(exit == 0, error);
            using var document = JsonDocument.Parse(output);
            var group = document.RootElement.GetProperty("agents").EnumerateArray().Single().GetProperty("groups").EnumerateArray().Single();
            Assert.Equal("global v1 (active)", group.GetProperty("memory").GetString());
            Assert.Equal(1, group.GetProperty("sessions").GetInt64());
        }
    }

    private static void SqliteFilesExecute(string path, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
