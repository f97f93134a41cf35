using System.Diagnostics;
using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

public class CrashRecoveryTests
{
    [Fact]
    public async Task Sessions_acknowledged_before_a_kill_are_intact_after_restart()
    {
        var folder = Directory.CreateTempSubdirectory("dreaming-crash-");
        var db = Path.Combine(folder.FullName, "crash.db");
        var host = Path.Combine(AppContext.BaseDirectory, "Dreaming.CrashTestHost.dll");
        Assert.True(File.Exists(host), $"the crash test host was not built next to the tests: {host}");
        var acked = new List<string>();
        using (var process = Process.Start(new ProcessStartInfo("dotnet", ["exec", host, db]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                while (acked.Count < 30)
                {
                    var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                        ?? throw new InvalidOperationException("the host exited early: " + await process.StandardError.ReadToEndAsync());
                    if (line.StartsWith("acked ", StringComparison.Ordinal))
                    {
                        acked.Add(line["acked ".Length..]);
                    }
                }
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        try
        {
            using var store = new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = "Data Source=" + db });
            foreach (var id in acked)
            {
                var session = await store.GetSessionAsync(id);
                Assert.NotNull(session);
                Assert.Equal(SessionStatus.Completed, session.Status);
                Assert.Equal(SessionOutcome.Success, session.Outcome?.Label);
                var events = await store.GetEventsAsync(id);
                Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), events.Select(e => e.Sequence));
                Assert.Equal(Enumerable.Range(0, 20).Select(i => "c" + i), events.Cast<ToolCallEvent>().Select(e => e.CallId));
            }

            // The sessions in flight at the kill stay running until recovery ends them abandoned, with what they stored.
            var running = (await store.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running, PageSize = SessionQuery.MaxPageSize })).Items;
            Assert.NotEmpty(running);
            Assert.Contains(running, session => session.Task.StartsWith("in flight ", StringComparison.Ordinal));
            Assert.DoesNotContain(running, session => acked.Contains(session.Id));
            var abandoned = await store.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow);
            Assert.Equal(running.Select(session => session.Id), abandoned);
            foreach (var session in running)
            {
                var ended = (await store.GetSessionAsync(session.Id))!;
                Assert.Equal(SessionStatus.Abandoned, ended.Status);
                Assert.Equal(session.EventCount, ended.EventCount);
                Assert.Equal(ended.EventCount, (await store.GetEventsAsync(session.Id)).Count);
            }

            Assert.All(acked, id => Assert.Equal(SessionStatus.Completed, store.GetSessionAsync(id).Result!.Status));
            Assert.Empty((await store.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running })).Items);

            await using var connection = new SqliteConnection("Data Source=" + db);
            await connection.OpenAsync();
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", await check.ExecuteScalarAsync());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }
}
