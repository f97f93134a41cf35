using System.Text.Json;
using Dreaming.Cli.Commands;
using Dreaming.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming runs recover --scope KEY</c> ends one scope's stuck run only, and <c>--older-than DURATION</c> only
/// the runs whose lease expired at least that long ago (at or before now minus DURATION, as the store judges it), ending them now, not at the bound; <c>--all</c> and
/// <c>--scope</c> are one or the other. On PostgreSQL the tool judges leases by the earlier of its clock and the server's.</summary>
public sealed class RunsRecoverScopeTests
{
    [Fact]
    public async Task Scope_ends_only_that_scopes_stuck_run_and_older_than_leaves_a_run_whose_lease_expired_recently()
    {
        using var cli = new CliRunner();
        var (a, c, b) = await SeedAsync(cli.Database);

        var (scopeExit, scoped, scopeError) = await cli.RunAsync("runs", "recover", "--scope", "agent:a", "--db", cli.Database);

        Assert.True(scopeExit == 0, scopeError);
        Assert.StartsWith("ended 1 stuck dream run (running, lease expired: the process stopped):", scoped, StringComparison.Ordinal);
        Assert.Contains($"agent:a  {a}  failed", scoped, StringComparison.Ordinal);
        Assert.DoesNotContain(c, scoped, StringComparison.Ordinal);

        // c's lease expired 55 minutes ago, b's one minute ago: --older-than 10m ends c only, at the time of the recovery.
        var before = DateTimeOffset.UtcNow;
        var (olderExit, older, olderError) = await cli.RunAsync("runs", "recover", "--all", "--older-than", "10m", "--db", cli.Database, "--json");

        Assert.True(olderExit == 0, olderError);
        var run = Assert.Single(JsonDocument.Parse(older).RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal(c, run.GetProperty("run_id").GetString());
        Assert.InRange(run.GetProperty("ended_at").GetDateTimeOffset(), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        using (var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = cli.Database }))
        {
            Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(b))!.Status);
        }

        var (noneExit, none, _) = await cli.RunAsync("runs", "recover", "--scope", "agent:b", "--older-than", "10m", "--db", cli.Database);
        Assert.Equal((0, "no stuck dream run of agent:b whose lease expired at least 10m ago"), (noneExit, none.Trim()));
        var (_, allNone, _) = await cli.RunAsync("runs", "recover", "--all", "--older-than", "10m", "--db", cli.Database);
        Assert.Equal("no stuck dream runs whose lease expired at least 10m ago", allNone.Trim());
        var (_, help, _) = await cli.RunAsync("runs", "recover", "--help");
        Assert.DoesNotContain("more than", help, StringComparison.Ordinal);
        Assert.Contains("End only the runs whose lease expired at least this long ago", help, StringComparison.Ordinal);
        var (lastExit, last, lastError) = await cli.RunAsync("runs", "recover", "--scope", "agent:b", "--db", cli.Database);
        Assert.True(lastExit == 0, lastError);
        Assert.Contains($"agent:b  {b}  failed", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scope_of_an_imported_agents_long_id_as_the_log_gave_it_ends_the_stuck_run_of_its_capped_form()
    {
        using var cli = new CliRunner();
        var longId = "agent-" + new string('x', 294);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        string stuck;
        using (var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = cli.Database }, clock))
        {
            stuck = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent(IdentifierCap.StoredId(longId)) })).Id;
            await runs.StartAsync(stuck, "host-1", TimeSpan.FromMinutes(5));
        }

        var (exit, output, error) = await cli.RunAsync("runs", "recover", "--scope", "agent:" + longId, "--db", cli.Database, "--json");
        var (againExit, again, againError) = await cli.RunAsync("runs", "recover", "--scope", "agent:" + longId, "--older-than", "1m", "--db", cli.Database);

        Assert.True(exit == 0, error);
        var run = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal((stuck, "failed"), (run.GetProperty("run_id").GetString(), run.GetProperty("status").GetString()));
        Assert.True(againExit == 0, againError);
        Assert.StartsWith("no stuck dream run of agent:agent-xxx", again, StringComparison.Ordinal);
        Assert.EndsWith(" whose lease expired at least 1m ago", again.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("both", "Give one of --all and --scope KEY")]
    [InlineData("neither", "Option '--all' is required (or give --scope KEY)")]
    [InlineData("not-a-scope", "'bot' is not a memory scope for --scope")]
    [InlineData("zero", "--older-than must be a duration of more than 0")]
    public async Task All_and_scope_are_one_or_the_other_and_older_than_is_a_duration(string case_, string message)
    {
        using var cli = new CliRunner();
        string[] args = case_ switch
        {
            "both" => ["--all", "--scope", "agent:a"],
            "neither" => [],
            "not-a-scope" => ["--scope", "bot"],
            _ => ["--all", "--older-than", "0m"],
        };

        var (exit, _, error) = await cli.RunAsync(["runs", "recover", .. args, "--db", cli.Database]);

        Assert.Equal(1, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tool_clock_ahead_of_the_servers_judges_by_the_servers_and_warns_naming_the_difference()
    {
        var server = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        var (ahead, warning) = RecoveryClock.Judge(server.AddMinutes(2), server, server.AddMinutes(2).AddMilliseconds(10));
        var (behind, behindWarning) = RecoveryClock.Judge(server.AddMinutes(-2), server, server.AddMinutes(-2).AddMilliseconds(10));
        var (close, none) = RecoveryClock.Judge(server.AddSeconds(3), server, server.AddSeconds(3));

        // Ahead: the server's time (moved on by the half of the read that followed it); behind: this machine's own.
        Assert.Equal(server.AddMilliseconds(5), ahead);
        Assert.StartsWith("warning: this machine's clock is 120 s ahead of the PostgreSQL server's; leases are judged by the earlier of the two", warning, StringComparison.Ordinal);
        Assert.Equal(server.AddMinutes(-2).AddMilliseconds(10), behind);
        Assert.Contains("120 s behind the PostgreSQL server's", behindWarning, StringComparison.Ordinal);
        Assert.Equal(server, close);
        Assert.Null(none);
    }

    // a and c: leases that expired 55 minutes ago (their hosts stopped); b: a lease that expired one minute ago.
    private static async Task<(string A, string C, string B)> SeedAsync(string database)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        using var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = database }, clock);
        var a = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") })).Id;
        await runs.StartAsync(a, "host-1", TimeSpan.FromMinutes(5));
        var c = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("c") })).Id;
        await runs.StartAsync(c, "host-1", TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromMinutes(57));
        var b = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("b") })).Id;
        await runs.StartAsync(b, "host-2", TimeSpan.FromMinutes(2));
        return (a, c, b);
    }
}
