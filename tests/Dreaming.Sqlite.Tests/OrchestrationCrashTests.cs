using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>A process killed in the middle of an orchestration: what its run's session and its items' child sessions are
/// at the next start, and how recovery ends them.</summary>
public class OrchestrationCrashTests
{
    [Fact]
    public async Task A_run_killed_mid_way_leaves_its_session_and_running_items_running_until_recovery_abandons_them_all_ending_the_run_with_orchestration_failed()
    {
        // The folder is deleted on every path, a child that failed to start or timed out included.
        var folder = Directory.CreateTempSubdirectory("dreaming-orchestration-crash-");
        try
        {
            var db = Path.Combine(folder.FullName, "crash.db");
            var host = Path.Combine(AppContext.BaseDirectory, "Dreaming.CrashTestHost.dll");
            Assert.True(File.Exists(host), $"the crash test host was not built next to the tests: {host}");
            string runId;
            using (var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", ["exec", host, db, "orchestrate"]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                    var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                        ?? throw new InvalidOperationException("the host exited early: " + await process.StandardError.ReadToEndAsync());
                    Assert.StartsWith("ready ", line, StringComparison.Ordinal);
                    runId = line["ready ".Length..];
                }
                finally
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }

            using var store = new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = "Data Source=" + db });

            // At the next start: the run and its hanging items are still running, the finished item completed, the
            // item behind a hanging one never started (no session), and the run has no end event.
            var run = (await store.GetSessionAsync(runId))!;
            Assert.Equal(SessionStatus.Running, run.Status);
            Assert.Equal("host", run.Metadata[OrchestrationRun.SessionMetadataKey]); // marked as a run from its start
            var children = (await store.QuerySessionsAsync(new SessionQuery { ParentSessionId = runId })).Items;
            Assert.Equal(3, children.Count);
            Assert.Equal(SessionStatus.Completed, Assert.Single(children, c => c.Task == "do done").Status);
            var hanging = children.Where(c => c.Task.StartsWith("do hang-", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, hanging.Count);
            Assert.All(hanging, c => Assert.Equal(SessionStatus.Running, c.Status));
            var events = await store.GetEventsAsync(runId);
            Assert.IsType<OrchestrationStartedEvent>(events[0]);
            Assert.Equal("done", Assert.Single(events.OfType<OrchestrationItemCompletedEvent>()).ItemId);
            Assert.DoesNotContain(events, e => e is OrchestrationCompletedEvent or OrchestrationFailedEvent);

            // Recovery ends the run's session and its running children alike, keeping their events and the parent links.
            var abandoned = await store.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow);
            Assert.Equal(new[] { runId }.Concat(hanging.Select(c => c.Id)).Order(StringComparer.Ordinal), abandoned.Order(StringComparer.Ordinal));
            Assert.Equal(SessionStatus.Abandoned, (await store.GetSessionAsync(runId))!.Status);
            foreach (var child in (await store.QuerySessionsAsync(new SessionQuery { ParentSessionId = runId })).Items)
            {
                Assert.Equal(runId, child.ParentSessionId);
                Assert.Equal(child.Task == "do done" ? SessionStatus.Completed : SessionStatus.Abandoned, child.Status);
            }

            // The run's events are kept, and end with the orchestration.failed that recovery wrote: a reader of the run's
            // events hears that it ended, abandoned, with the one item that had completed.
            var after = await store.GetEventsAsync(runId);
            Assert.Equal(events, after.Take(events.Count));
            var ended = Assert.IsType<OrchestrationFailedEvent>(Assert.Single(after.Skip(events.Count)));
            Assert.Equal(("abandoned", 1, 4), (ended.Status, ended.CompletedItems, ended.ItemCount));
            Assert.StartsWith("abandoned by recovery: ", ended.Reason, StringComparison.Ordinal);
            Assert.Equal(events[^1].Sequence + 1, ended.Sequence);
            Assert.Empty((await store.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running })).Items);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }
}
