using System.Diagnostics;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A process killed in the middle of an orchestration recorded into PostgreSQL: what its run's session and its
/// items' child sessions are at the next start, and how recovery ends them (the SQLite case is
/// <c>OrchestrationCrashTests</c> in Dreaming.Sqlite.Tests).</summary>
public sealed class PostgresOrchestrationCrashTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_run_killed_mid_way_is_ended_by_recovery_with_its_running_items_and_an_orchestration_failed_event_saying_it_was_abandoned()
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Dreaming.CrashTestHost.dll");
        Assert.True(File.Exists(host), $"the crash test host was not built next to the tests: {host}");
        string runId;
        var start = new ProcessStartInfo("dotnet", ["exec", host, PostgresTestServer.ConnectionString!, "postgres", _schema.Schema, "orchestrate"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var process = Process.Start(start)!)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
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

        await using var store = _schema.NewStore();

        // At the next start: the run and its two hanging items are still running, the finished item completed, and the
        // run has no end event.
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync(runId))!.Status);
        Assert.Equal("host", (await store.GetSessionAsync(runId))!.Metadata[OrchestrationRun.SessionMetadataKey]); // marked as a run from its start
        var children = (await store.QuerySessionsAsync(new SessionQuery { ParentSessionId = runId })).Items;
        Assert.Equal(3, children.Count);
        var hanging = children.Where(c => c.Task.StartsWith("do hang-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, hanging.Count);
        Assert.All(hanging, c => Assert.Equal(SessionStatus.Running, c.Status));
        var events = await store.GetEventsAsync(runId);
        Assert.IsType<OrchestrationStartedEvent>(events[0]);
        Assert.DoesNotContain(events, e => e is OrchestrationCompletedEvent or OrchestrationFailedEvent);

        var abandoned = await store.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow);

        Assert.Equal(new[] { runId }.Concat(hanging.Select(c => c.Id)).Order(StringComparer.Ordinal), abandoned.Order(StringComparer.Ordinal));
        var run = (await store.GetSessionAsync(runId))!;
        Assert.Equal(SessionStatus.Abandoned, run.Status);
        var after = await store.GetEventsAsync(runId);
        Assert.Equal(events.Count + 1, after.Count);
        Assert.Equal(after.Count, run.EventCount);
        var ended = Assert.IsType<OrchestrationFailedEvent>(after[^1]);
        Assert.Equal(("abandoned", 1, 4, events[^1].Sequence + 1), (ended.Status, ended.CompletedItems, ended.ItemCount, ended.Sequence));
        Assert.StartsWith("abandoned by recovery: ", ended.Reason, StringComparison.Ordinal);
        foreach (var child in (await store.QuerySessionsAsync(new SessionQuery { ParentSessionId = runId })).Items)
        {
            Assert.Equal(child.Task == "do done" ? SessionStatus.Completed : SessionStatus.Abandoned, child.Status);
        }

        // A second pass finds nothing left, and writes no second end.
        Assert.Empty(await store.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow));
        Assert.Equal(after.Count, (await store.GetEventsAsync(runId)).Count);
    }
}
