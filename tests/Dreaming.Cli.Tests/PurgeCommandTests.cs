using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming purge --older-than</c> deletes old ended sessions, counts them with <c>--dry-run</c>, keeps what the
/// dreams of the scopes named have not read, and shrinks a file with <c>--compact</c>.</summary>
public class PurgeCommandTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Only_ended_sessions_older_than_the_duration_are_purged_and_counted(bool json)
    {
        using var cli = new CliRunner();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(cli.Database, Ended("old-1", now.AddDays(-10)), Ended("old-2", now.AddDays(-3)), Ended("young", now.AddHours(-1)));
        await SeedRunningAsync(cli.Database, "running-old", now.AddDays(-10));

        var args = new List<string> { "purge", "--older-than", "2d", "--db", cli.Database };
        if (json)
        {
            args.Add("--json");
        }

        var (exit, output, error) = await cli.RunAsync([.. args]);

        Assert.True(exit == 0, error);
        if (json)
        {
            using var document = JsonDocument.Parse(output);
            Assert.False(document.RootElement.GetProperty("dryRun").GetBoolean());
            Assert.Equal(2, document.RootElement.GetProperty("count").GetInt32());
            Assert.InRange(document.RootElement.GetProperty("startedBefore").GetDateTimeOffset(), now.AddDays(-2).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(-2));
            Assert.False(document.RootElement.TryGetProperty("keptUnread", out _));
        }
        else
        {
            Assert.Contains("purged 2 ended sessions that started before ", output, StringComparison.Ordinal);
        }

        using var store = new SqliteTraceStore(cli.Database);
        Assert.Null(await store.GetSessionAsync("old-1"));
        Assert.Null(await store.GetSessionAsync("old-2"));
        Assert.NotNull(await store.GetSessionAsync("young"));
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("running-old"))!.Status);
        Assert.Empty(await store.GetEventsAsync("old-1"));
    }

    [Fact]
    public async Task A_dry_run_counts_what_would_go_and_deletes_nothing()
    {
        using var cli = new CliRunner();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(cli.Database, Ended("old-1", now.AddDays(-10)), Ended("old-2", now.AddDays(-9)), Ended("young", now.AddHours(-1)));

        var (exit, output, error) = await cli.RunAsync("purge", "--older-than", "7d", "--dry-run", "--db", cli.Database);
        var (jsonExit, json, _) = await cli.RunAsync("purge", "--older-than", "7d", "--dry-run", "--json", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("would purge 2 ended sessions that started before ", output, StringComparison.Ordinal);
        Assert.Contains("--dry-run: nothing was deleted", output, StringComparison.Ordinal);
        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        Assert.True(document.RootElement.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, document.RootElement.GetProperty("count").GetInt32());
        using var store = new SqliteTraceStore(cli.Database);
        Assert.NotNull(await store.GetSessionAsync("old-1"));
        Assert.NotNull(await store.GetSessionAsync("old-2"));
    }

    [Theory]
    [InlineData("7")]
    [InlineData("7w")]
    [InlineData("0d")]
    [InlineData("-7d")]
    [InlineData("1.5d")]
    [InlineData("40000d")]
    public async Task A_bad_duration_is_a_usage_error_naming_the_option_and_value_and_purges_nothing(string duration)
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, Ended("old", DateTimeOffset.UtcNow.AddDays(-30)));

        var (exit, _, error) = await cli.RunAsync("purge", "--older-than", duration, "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("--older-than", error, StringComparison.Ordinal);
        Assert.Contains($"got '{duration}'", error, StringComparison.Ordinal);
        using var store = new SqliteTraceStore(cli.Database);
        Assert.NotNull(await store.GetSessionAsync("old"));
    }

    [Fact]
    public async Task Without_older_than_it_refuses_rather_than_purging_everything()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, Ended("old", DateTimeOffset.UtcNow.AddDays(-30)));

        var (exit, _, error) = await cli.RunAsync("purge", "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("Option '--older-than' is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_the_named_scopes_dreams_have_not_read_are_kept_and_the_one_that_holds_the_purge_is_named()
    {
        using var cli = new CliRunner();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(cli.Database, Ended("other-old", now.AddDays(-20)), Ended("bot-old", now.AddDays(-15), agent: "bot", graded: true), Ended("other-newer", now.AddDays(-12)));

        var (badExit, _, badError) = await cli.RunAsync("purge", "--older-than", "7d", "--keep-unread-for", "bot", "--db", cli.Database);
        var (exit, output, error) = await cli.RunAsync("purge", "--older-than", "7d", "--keep-unread-for", "agent:bot", "--db", cli.Database);

        Assert.Equal(1, badExit);
        Assert.Contains("'bot' is not a memory scope for --keep-unread-for", badError, StringComparison.Ordinal);
        Assert.True(exit == 0, error);
        Assert.Contains("purged 1 ended session that started before ", output, StringComparison.Ordinal);
        Assert.Contains("session bot-old has not been read by a dream of agent:bot yet", output, StringComparison.Ordinal);
        using var store = new SqliteTraceStore(cli.Database);
        Assert.Null(await store.GetSessionAsync("other-old"));
        Assert.NotNull(await store.GetSessionAsync("bot-old"));
        Assert.NotNull(await store.GetSessionAsync("other-newer"));
    }

    [Fact]
    public async Task Compact_shrinks_a_file_created_without_auto_vacuum_and_is_refused_with_dry_run()
    {
        using var cli = new CliRunner();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={cli.Database};Pooling=False"))
        {
            // As an older build left it: the first page written before the store, without auto-vacuum.
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;";
            command.ExecuteNonQuery();
        }

        var now = DateTimeOffset.UtcNow;
        await SeedAsync(cli.Database, [.. Enumerable.Range(0, 300).Select(i => Ended($"old-{i:D3}", now.AddDays(-10), text: new string('x', 4000)))]);

        var (refused, _, refusal) = await cli.RunAsync("purge", "--older-than", "7d", "--dry-run", "--compact", "--db", cli.Database);
        var (exit, output, error) = await cli.RunAsync("purge", "--older-than", "7d", "--compact", "--json", "--db", cli.Database);

        Assert.Equal(1, refused);
        Assert.Contains("give --dry-run or --compact, not both", refusal, StringComparison.Ordinal);
        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        Assert.Equal(300, document.RootElement.GetProperty("count").GetInt32());
        var compacted = document.RootElement.GetProperty("compacted");
        Assert.True(compacted.GetProperty("bytesAfter").GetInt64() < compacted.GetProperty("bytesBefore").GetInt64() / 4, compacted.ToString());
    }

    [Fact]
    public async Task Cancelled_it_exits_130_and_purges_nothing()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, Ended("old", DateTimeOffset.UtcNow.AddDays(-30)));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await DreamingCommandLine.InvokeAsync(["purge", "--older-than", "7d", "--db", cli.Database], output, error, cancellationToken: new CancellationToken(true), environment: CliRunner.NoEnvironment);

        Assert.Equal(130, exit);
        using var store = new SqliteTraceStore(cli.Database);
        Assert.NotNull(await store.GetSessionAsync("old"));
    }

    private static SessionWithEvents Ended(string id, DateTimeOffset startedAt, string agent = "support-bot", bool graded = false, string text = "hello") => new(
        new SessionRecord
        {
            Id = id,
            AgentId = agent,
            Task = "task of " + id,
            Status = SessionStatus.Completed,
            StartedAt = startedAt,
            EndedAt = startedAt.AddMinutes(1),
            Outcome = graded ? SessionOutcome.Succeeded() : null,
        },
        [new MessageEvent { SessionId = id, Sequence = 1, Timestamp = startedAt, Role = "user", Text = text }]);

    private static async Task SeedAsync(string database, params SessionWithEvents[] sessions)
    {
        using var store = new SqliteTraceStore(database);
        await store.ImportAsync(sessions);
    }

    private static async Task SeedRunningAsync(string database, string id, DateTimeOffset startedAt)
    {
        using var store = new SqliteTraceStore(database);
        await store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = id, AgentId = "support-bot", Task = "t", StartedAt = startedAt }], []));
    }
}
