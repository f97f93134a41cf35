using System.Diagnostics;
using Dreaming.Tests;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Sqlite.Tests;

/// <summary>A host killed in the middle of a dream (a child process, <c>Dreaming.CrashTestHost dream POINT</c>, killed at a
/// line it prints) and restarted on the same SQLite file: what the run, the scope's lease, the memory, the read cursor and
/// the webhook outbox are left as, and what the next dream does.</summary>
public sealed class DreamCrashTests : IDisposable
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("crash-agent");
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("dreaming-dreamcrash-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Killed_while_the_reflector_model_is_called_the_run_holds_the_scope_until_its_lease_expires_then_the_next_dream_reads_its_sessions()
    {
        var db = Path.Combine(_folder.FullName, "reflect.db");
        var seeded = await SeedAsync(db);
        var deadId = await RunChildUntilAsync(db, "reflect", "reflecting");

        await using (var host = Restart(db, out var clock))
        {
            var runs = host.GetRequiredService<IDreamRunStore>();
            var dead = (await runs.GetAsync(deadId))!;
            Assert.Equal(DreamRunStatus.Running, dead.Status);
            Assert.Equal(seeded, dead.Results.SessionIds.Order(StringComparer.Ordinal));

            // Restarted within the lease: nothing is abandoned yet, and a dream of the scope is refused, naming the dead run.
            Assert.Empty(await runs.RecoverAbandonedAsync());
            var refused = await Assert.ThrowsAsync<DreamConflictException>(() => host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope }));
            Assert.Equal(deadId, refused.RunningRunId);

            // Once the lease has expired the next dream takes the scope over: the dead run fails as abandoned, with what it
            // had read, and the new one reads the same sessions again and writes the only version.
            clock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
            var next = await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope });

            Assert.Equal(DreamRunStatus.Completed, next.Status);
            Assert.Equal(seeded, next.Results.SessionIds.Order(StringComparer.Ordinal));
            dead = (await runs.GetAsync(deadId))!;
            Assert.Equal((DreamRunStatus.Failed, DreamRunStoreRules.AbandonedError), (dead.Status, dead.Error));
            Assert.Null(dead.Results.OutputVersionId);
            var version = Assert.Single(await host.GetRequiredService<IMemoryStore>().ListVersionsAsync(s_scope));
            Assert.Equal((next.Results.OutputVersionId, MemoryVersionState.Active), (version.Id, version.State));
            Assert.Equal(DreamRunStatus.Completed, (await runs.GetLastCompletedAsync(s_scope))!.Status);
        }

        Assert.Equal(1, Events(db, WebhookEventTypes.DreamFailed, deadId));
        Assert.Equal(0, Events(db, WebhookEventTypes.DreamCompleted, deadId));
    }

    [Fact]
    public async Task Killed_after_the_dream_activated_its_version_the_run_is_completed_on_takeover_and_the_next_dream_does_not_read_its_sessions_again()
    {
        var db = Path.Combine(_folder.FullName, "commit.db");
        var seeded = await SeedAsync(db);
        var deadId = await RunChildUntilAsync(db, "commit", "completing");

        await using var host = Restart(db, out var clock);
        var runs = host.GetRequiredService<IDreamRunStore>();
        var memory = host.GetRequiredService<IMemoryStore>();
        var dead = (await runs.GetAsync(deadId))!;
        Assert.Equal(DreamRunStatus.Running, dead.Status);
        var written = (await memory.GetActiveVersionAsync(s_scope))!;
        Assert.Equal(written.Id, dead.Results.OutputVersionId);

        clock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        var next = await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope });

        // The dead run's version is the memory: the run ends completed with what it recorded, so its sessions count as
        // read; reading them again would merge its lessons into another version and count each session's credit twice.
        dead = (await runs.GetAsync(deadId))!;
        Assert.Equal(DreamRunStatus.Completed, dead.Status);
        Assert.Null(dead.Error);
        Assert.Equal(seeded, dead.Results.SessionIds.Order(StringComparer.Ordinal));
        Assert.Equal(written.Id, dead.Results.OutputVersionId);
        Assert.Empty(next.Results.SessionIds);
        Assert.Null(next.Results.OutputVersionId);
        Assert.Equal(written.Id, Assert.Single(await memory.ListVersionsAsync(s_scope)).Id);
        Assert.Equal(1, Events(db, WebhookEventTypes.DreamCompleted, deadId));
        Assert.Equal(0, Events(db, WebhookEventTypes.DreamFailed, deadId));
    }

    [Fact]
    public async Task Killed_after_a_dream_under_approval_proposed_its_version_the_proposal_waits_for_review_and_is_not_proposed_again()
    {
        var db = Path.Combine(_folder.FullName, "approval.db");
        var seeded = await SeedAsync(db);
        var deadId = await RunChildUntilAsync(db, "commit-approval", "completing");

        await using var host = Restart(db, out var clock);
        var runs = host.GetRequiredService<IDreamRunStore>();
        var memory = host.GetRequiredService<IMemoryStore>();
        var proposal = Assert.Single(await memory.ListVersionsAsync(s_scope));
        Assert.Equal(MemoryVersionState.Proposed, proposal.State);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));

        clock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        var recovered = Assert.Single(await runs.RecoverAbandonedAsync());
        var next = await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope, ReviewMode = DreamReviewMode.RequireApproval });

        Assert.Equal((deadId, DreamRunStatus.Completed), (recovered.Id, recovered.Status));
        Assert.Equal(proposal.Id, recovered.Results.OutputVersionId);
        Assert.Equal(seeded, recovered.Results.SessionIds.Order(StringComparer.Ordinal));
        Assert.Empty(next.Results.SessionIds);
        Assert.Equal(proposal.Id, Assert.Single(await memory.ListVersionsAsync(s_scope)).Id);
        var approved = await memory.ApproveAsync(proposal.Id, MemoryAuthor.Person("alice"));
        Assert.Equal(MemoryVersionState.Active, approved.State);
        Assert.Equal(1, Events(db, WebhookEventTypes.DreamCompleted, deadId));
    }

    [Fact]
    public async Task Killed_right_after_the_run_completed_its_dream_completed_event_is_in_the_outbox_and_nothing_is_read_again()
    {
        var db = Path.Combine(_folder.FullName, "completed.db");
        await SeedAsync(db);
        var runId = await RunChildUntilAsync(db, "completed", "completed");

        await using var host = Restart(db, out _);
        var run = (await host.GetRequiredService<IDreamRunStore>().GetAsync(runId))!;
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(1, Events(db, WebhookEventTypes.DreamCompleted, runId));
        Assert.Equal(1, SqliteFiles.Long(db, "SELECT count(*) FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE e.type = 'dream.completed' AND d.state = 'pending'"));

        var next = await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope });
        Assert.Empty(next.Results.SessionIds);
    }

    // Runs the child until it prints a line starting with `marker`, kills it, and returns the id of the run it started.
    private static async Task<string> RunChildUntilAsync(string db, string point, string marker)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Dreaming.CrashTestHost.dll");
        Assert.True(File.Exists(host), $"the crash test host was not built next to the tests: {host}");
        using var process = Process.Start(new ProcessStartInfo("dotnet", ["exec", host, db, "dream", point]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? runId = null;
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException("the dream child exited early: " + await process.StandardError.ReadToEndAsync());
                if (line.StartsWith("started ", StringComparison.Ordinal))
                {
                    runId = line["started ".Length..];
                }
                else if (line.StartsWith(marker, StringComparison.Ordinal))
                {
                    return runId ?? throw new InvalidOperationException("the dream child printed no run id before: " + line);
                }
                else if (line == "returned")
                {
                    throw new InvalidOperationException($"the dream ended before '{marker}'");
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    // The restarted host: the same file and webhook endpoint as the child's, on a clock that starts now.
    private static ServiceProvider Restart(string db, out FakeTimeProvider clock)
    {
        clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents().UseSqliteStore(db).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            var endpoint = new WebhookEndpoint { Id = "ci", Url = "http://127.0.0.1:9/hooks" };
            endpoint.Secrets.Add(WebhookSecret.Generate());
            options.Endpoints.Add(endpoint);
        });
        return services.BuildServiceProvider();
    }

    private static long Events(string db, string type, string runId) =>
        SqliteFiles.Long(db, $"SELECT count(*) FROM webhook_events WHERE type = '{type}' AND body LIKE '%\"dream_run_id\":\"{runId}\"%'");

    // The shared seed: 14 finished sessions of crash-agent, 8 of them failing the same way (DreamCrashSessions).
    private static async Task<List<string>> SeedAsync(string db)
    {
        using var traces = new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = "Data Source=" + db });
        var sessions = DreamCrashSessions.Build(s_scope.Id);
        await traces.ImportAsync(sessions);
        return [.. sessions.Select(s => s.Session.Id).Order(StringComparer.Ordinal)];
    }
}
