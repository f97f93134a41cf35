using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>session show</c> on the database of an app that is still recording into the session (another store on the
/// same file, writing as the app's background writer does) shows it as it stood at one instant.</summary>
public class SessionShowLiveTests
{
    [Fact]
    public async Task A_session_still_being_recorded_is_shown_with_an_event_count_and_status_matching_its_events()
    {
        using var cli = new CliRunner();
        using var app = new SqliteTraceStore(cli.Database);
        for (var i = 0; i < 20; i++)
        {
            var id = $"ses_live{i}";
            await app.WriteAsync(new TraceWriteBatch(
                [new SessionRecord { Id = id, AgentId = "bot", Task = "t", Status = SessionStatus.Running, StartedAt = DateTimeOffset.UtcNow }],
                [Note(id, 1)]));

            // The app appends events without pause for as long as the tool reads the session, so a write lands between
            // any two reads the tool makes; then it ends the session.
            using var stop = new CancellationTokenSource();
            var writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var recording = Task.Run(async () =>
            {
                var sequence = 1L;
                while (!stop.IsCancellationRequested)
                {
                    await app.WriteAsync(TraceWriteBatch.OfEvents([Note(id, ++sequence), Note(id, ++sequence)]));
                    if (sequence > 20)
                    {
                        writing.TrySetResult();
                    }
                }
            });

            try
            {
                await writing.Task.WaitAsync(TimeSpan.FromSeconds(30));
                var (exit, output, error) = await cli.RunAsync("session", "show", id, "--db", cli.Database, "--json");
                Assert.True(exit == 0, error);
                AssertConsistent(output, expectRunning: true);
            }
            finally
            {
                await stop.CancelAsync();
                await recording.WaitAsync(TimeSpan.FromSeconds(30));
            }

            await app.CompleteSessionAsync(new SessionCompletion { SessionId = id, Status = SessionStatus.Completed, EndedAt = DateTimeOffset.UtcNow });
            var (_, ended, _) = await cli.RunAsync("session", "show", id, "--db", cli.Database, "--json");
            AssertConsistent(ended, expectRunning: false);
        }
    }

    private static void AssertConsistent(string output, bool expectRunning)
    {
        using var json = JsonDocument.Parse(output);
        var session = json.RootElement.GetProperty("session");
        var listed = json.RootElement.GetProperty("events").GetArrayLength();
        Assert.Equal(session.GetProperty("eventCount").GetInt64(), listed);
        Assert.Equal(expectRunning ? "running" : "completed", session.GetProperty("status").GetString());
    }

    private static NoteEvent Note(string sessionId, long sequence) =>
        new() { SessionId = sessionId, Sequence = sequence, Timestamp = DateTimeOffset.UtcNow, Text = "note " + sequence };
}
