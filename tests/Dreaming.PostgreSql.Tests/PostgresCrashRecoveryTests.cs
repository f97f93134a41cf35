using System.Diagnostics;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A process recording sessions into PostgreSQL is killed; a new process's store reads what it acknowledged.</summary>
public sealed class PostgresCrashRecoveryTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Sessions_acknowledged_before_a_kill_are_intact_and_those_in_flight_can_be_abandoned()
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Dreaming.CrashTestHost.dll");
        Assert.True(File.Exists(host), $"the crash test host was not built next to the tests: {host}");
        var acked = new List<string>();
        var start = new ProcessStartInfo("dotnet", ["exec", host, PostgresTestServer.ConnectionString!, "postgres", _schema.Schema])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var process = Process.Start(start)!)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
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

        // The server ends the dead process's connections when it notices them gone; their open transactions roll back.
        await using var store = _schema.NewStore();
        foreach (var id in acked)
        {
            var stored = (await store.GetSessionWithEventsAsync(id))!;
            Assert.Equal(SessionStatus.Completed, stored.Session.Status);
            Assert.Equal(SessionOutcome.Success, stored.Session.Outcome?.Label);
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), stored.Events.Select(e => e.Sequence));
            Assert.Equal(Enumerable.Range(0, 20).Select(i => "c" + i), stored.Events.Cast<ToolCallEvent>().Select(e => e.CallId));
        }

        var running = (await store.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running, PageSize = SessionQuery.MaxPageSize })).Items;
        Assert.Contains(running, session => session.Task.StartsWith("in flight ", StringComparison.Ordinal));
        Assert.DoesNotContain(running, session => acked.Contains(session.Id));
        Assert.Equal(running.Select(session => session.Id).Order(StringComparer.Ordinal), (await store.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow)).Order(StringComparer.Ordinal));
        foreach (var session in running)
        {
            var ended = (await store.GetSessionWithEventsAsync(session.Id))!;
            Assert.Equal(SessionStatus.Abandoned, ended.Session.Status);
            Assert.Equal(ended.Session.EventCount, ended.Events.Count);
        }
    }
}
