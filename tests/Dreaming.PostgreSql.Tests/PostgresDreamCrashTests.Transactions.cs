using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.PostgreSql.Tests;

/// <summary>What only PostgreSQL has: the host stopped inside a store transaction that is open on the server (its change
/// made, not committed), killed or frozen there, while another host works on the same scope.</summary>
public sealed partial class PostgresDreamCrashTests
{
    [Fact]
    public async Task Killed_inside_the_transaction_that_activates_its_version_nothing_of_it_is_kept_and_the_scope_is_freed_when_its_statement_ends()
    {
        var seeded = await SeedAsync();
        await using var trap = await SetTrapAsync("memory_versions", "NEW.state = 'active'");
        int pid;
        string deadId;
        await using (var child = DreamChildProcess.Start(ConnectionString, Schema, "commit"))
        {
            await child.WaitAsync(async () => await trap.CaughtAsync() is not null);
            pid = (await trap.CaughtAsync())!.Value;
            deadId = child.RunId!;
            await child.KillAsync();
        }

        await using var host = Restart(out var clock, TimeSpan.FromSeconds(2));
        var memory = host.GetRequiredService<IMemoryStore>();

        // The dead host's server process is still inside its statement: it holds the scope's lock until the statement
        // ends, so a change of the scope waits (here its 2 s CommandTimeout, then fails). Readers see the memory as it was.
        Assert.Equal("active", await trap.StateAsync(pid));
        var proposal = Assert.Single(await memory.ListVersionsAsync(s_scope));
        Assert.Equal(MemoryVersionState.Proposed, proposal.State);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));
        await Assert.ThrowsAsync<TraceStoreException>(() => memory.ApproveAsync(proposal.Id, MemoryAuthor.Person("alice")));

        // Once the statement ends, the server finds the connection closed and rolls the transaction back: no version was
        // half activated, nothing was announced, and the scope is free.
        await trap.ReleaseAsync();
        await WaitUntilEndedAsync(trap, pid);
        Assert.Equal(MemoryVersionState.Proposed, (await memory.GetVersionAsync(proposal.Id))!.State);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM webhook_events WHERE type = '{WebhookEventTypes.MemoryVersionActivated}'"));

        // The run wrote no active version: after its lease it fails as abandoned, and the next dream reads its sessions again.
        clock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        var next = await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope });
        var dead = (await host.GetRequiredService<IDreamRunStore>().GetAsync(deadId))!;
        Assert.Equal((DreamRunStatus.Failed, DreamRunStoreRules.AbandonedError), (dead.Status, dead.Error));
        Assert.Equal(seeded, next.Results.SessionIds.Order(StringComparer.Ordinal));
        Assert.Equal(next.Results.OutputVersionId, (await memory.GetActiveVersionAsync(s_scope))!.Id);
        Assert.Equal(MemoryVersionState.Proposed, (await memory.GetVersionAsync(proposal.Id))!.State);
        Assert.Equal((1L, 0L), (await EventsAsync(WebhookEventTypes.DreamFailed, deadId), await EventsAsync(WebhookEventTypes.DreamCompleted, deadId)));
    }

    [Fact]
    public async Task Killed_inside_the_transaction_that_completes_the_run_the_run_stays_running_and_is_completed_once_on_recovery()
    {
        var seeded = await SeedAsync();
        await using var trap = await SetTrapAsync("dream_runs", "NEW.status = 'completed'");
        int pid;
        string deadId;
        await using (var child = DreamChildProcess.Start(ConnectionString, Schema, "completed"))
        {
            await child.WaitAsync(async () => await trap.CaughtAsync() is not null);
            pid = (await trap.CaughtAsync())!.Value;
            deadId = child.RunId!;
            await child.KillAsync();
        }

        await trap.ReleaseAsync();
        await WaitUntilEndedAsync(trap, pid);

        await using var host = Restart(out var clock, TimeSpan.FromSeconds(2));
        var runs = host.GetRequiredService<IDreamRunStore>();
        var written = (await host.GetRequiredService<IMemoryStore>().GetActiveVersionAsync(s_scope))!;
        Assert.Equal(MemoryAuthor.DreamRun(deadId), written.Author);
        Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(deadId))!.Status);
        Assert.Equal(0L, await EventsAsync(WebhookEventTypes.DreamCompleted, deadId));

        clock.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        var recovered = Assert.Single(await runs.RecoverAbandonedAsync());
        Assert.Equal((deadId, DreamRunStatus.Completed, written.Id), (recovered.Id, recovered.Status, recovered.Results.OutputVersionId));
        Assert.Equal(seeded, recovered.Results.SessionIds.Order(StringComparer.Ordinal));
        Assert.Equal(1L, await EventsAsync(WebhookEventTypes.DreamCompleted, deadId));
        Assert.Empty((await host.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope })).Results.SessionIds);
    }

    [Fact]
    public async Task Frozen_inside_the_transaction_that_activates_its_version_the_server_ends_it_after_the_command_timeout_and_frees_the_scope()
    {
        await SeedAsync();
        await using var trap = await SetTrapAsync("memory_versions", "NEW.state = 'active'");

        // A host that stops answering with a transaction open (a frozen VM, a cut network: its sockets stay open, so the
        // server sees nothing) would hold the scope's lock until TCP keepalive gives up, two hours by default.
        // The command timeout leaves the test 6 s to see the trap and freeze the child before the child cancels its own
        // statement (under a loaded machine 3 s was a thin margin).
        await using var child = DreamChildProcess.Start(ConnectionString, Schema, "commit", commandTimeoutSeconds: 6);
        await child.WaitAsync(async () => await trap.CaughtAsync() is not null);
        var pid = (await trap.CaughtAsync())!.Value;
        await child.FreezeAsync();
        await trap.ReleaseAsync();
        await WaitUntilAsync(async () => await trap.StateAsync(pid) != "active", TimeSpan.FromSeconds(30));

        // The server ends the frozen transaction some seconds after the command timeout, not after TCP keepalive's two
        // hours; on a machine at load 30 (CI beside parallel builds) that took more than 15 s, so the bound is a minute.
        var stuck = System.Diagnostics.Stopwatch.StartNew();
        await WaitUntilAsync(async () => await trap.StateAsync(pid) is null, TimeSpan.FromSeconds(60));
        Assert.InRange(stuck.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(60));

        await using var host = Restart(out _, TimeSpan.FromSeconds(2));
        var memory = host.GetRequiredService<IMemoryStore>();
        var proposal = Assert.Single(await memory.ListVersionsAsync(s_scope));
        Assert.Equal(MemoryVersionState.Proposed, proposal.State);
        Assert.Equal(MemoryVersionState.Active, (await memory.ApproveAsync(proposal.Id, MemoryAuthor.Person("alice"))).State);
    }

    private async Task<StatementTrap> SetTrapAsync(string table, string when)
    {
        // The tables are made first, as the child would make them, so the trigger has its table.
        await using (var runs = new PostgresDreamRunStore(Options))
        {
            await runs.InitializeAsync();
        }

        return await StatementTrap.SetAsync(ConnectionString, Schema, table, when);
    }

    private static Task WaitUntilEndedAsync(StatementTrap trap, int pid) => WaitUntilAsync(async () => await trap.StateAsync(pid) is null, TimeSpan.FromSeconds(15));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"not within {within.TotalSeconds} s");
            await Task.Delay(50);
        }
    }
}
