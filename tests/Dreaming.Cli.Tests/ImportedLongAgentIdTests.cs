using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary>An imported log's agent id longer than <see cref="SessionRecord.MaxIdLength"/> is stored as its start, <c>~</c>
/// and a hash of the whole; <c>memory</c>, <c>report</c> and <c>purge --keep-unread-for</c> given the id as the log gave it
/// take its capped form, as <c>sessions</c>, <c>dream</c> and <c>runs</c> do (<see cref="ImportedLongIdTests"/>).</summary>
public class ImportedLongAgentIdTests
{
    private static readonly string LongId = "agent-" + new string('x', 294);

    private static readonly string Stored = IdentifierCap.StoredId(LongId);

    private static readonly DateTimeOffset s_time = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("--agent", "")]
    [InlineData("--scope", "agent:")]
    public async Task Memory_list_of_an_imported_agents_id_as_the_log_gave_it_lists_the_versions_of_its_capped_form(string option, string prefix)
    {
        using var cli = new CliRunner();
        var version = await ProposeAsync(cli.Database, MemoryScope.Agent(Stored));

        var (exit, output, error) = await cli.RunAsync("memory", "list", option, prefix + LongId, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        Assert.Equal([version], JsonDocument.Parse(output).RootElement.EnumerateArray().Select(v => v.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Memory_list_of_a_long_agent_id_stored_whole_lists_those_versions_and_not_the_capped_ones()
    {
        using var cli = new CliRunner();
        await ProposeAsync(cli.Database, MemoryScope.Agent(Stored));
        var whole = await ProposeAsync(cli.Database, MemoryScope.Agent(LongId));

        var (exit, output, error) = await cli.RunAsync("memory", "list", "--agent", LongId, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        Assert.Equal([whole], JsonDocument.Parse(output).RootElement.EnumerateArray().Select(v => v.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Memory_list_of_a_long_agent_id_with_no_versions_names_the_id_typed()
    {
        using var cli = new CliRunner();
        await ProposeAsync(cli.Database, MemoryScope.Agent("support-bot"));

        var (exit, output, error) = await cli.RunAsync("memory", "list", "--agent", LongId, "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Equal($"no memory versions for agent:{LongId}", output.TrimEnd());
    }

    [Theory]
    [InlineData("--agent", "")]
    [InlineData("--scope", "agent:")]
    public async Task Memory_show_of_an_imported_agents_id_as_the_log_gave_it_shows_the_active_version_of_its_capped_form(string option, string prefix)
    {
        using var cli = new CliRunner();
        var version = await ProposeAsync(cli.Database, MemoryScope.Agent(Stored), approve: true);

        var (exit, output, error) = await cli.RunAsync("memory", "show", option, prefix + LongId, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        Assert.Equal(version, JsonDocument.Parse(output).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Memory_show_of_a_version_with_an_imported_agents_id_as_the_log_gave_it_accepts_a_version_of_its_capped_form()
    {
        using var cli = new CliRunner();
        var version = await ProposeAsync(cli.Database, MemoryScope.Agent(Stored));

        var (exit, output, error) = await cli.RunAsync("memory", "show", version, "--agent", LongId, "--db", cli.Database, "--json");
        var (otherExit, _, otherError) = await cli.RunAsync("memory", "show", version, "--agent", LongId[..^1] + "y", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Equal(version, JsonDocument.Parse(output).RootElement.GetProperty("id").GetString());
        Assert.Equal(1, otherExit);
        Assert.Contains("not a version of agent:" + LongId[..^1] + "y", otherError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_of_an_imported_agents_id_as_the_log_gave_it_reports_the_sessions_of_its_capped_form()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, Ended("a1", Stored, s_time));

        var (exit, output, error) = await cli.RunAsync("report", "--agent", LongId, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var agent = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("agents").EnumerateArray());
        Assert.Equal((Stored, 1L), (agent.GetProperty("agent_id").GetString(), agent.GetProperty("sessions").GetInt64()));
    }

    [Fact]
    public async Task Purge_keep_unread_for_an_imported_agents_id_as_the_log_gave_it_keeps_the_unread_sessions_of_its_capped_form()
    {
        // The agent's sessions are stored under the capped id: asked to keep agent:<the id as the log gave it>, the purge
        // found none of them unread and deleted them.
        using var cli = new CliRunner();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(cli.Database, Ended("other-old", "support-bot", now.AddDays(-20)), Ended("long-old", Stored, now.AddDays(-15)));

        var (exit, output, error) = await cli.RunAsync("purge", "--older-than", "7d", "--keep-unread-for", "agent:" + LongId, "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("purged 1 ended session that started before ", output, StringComparison.Ordinal);
        Assert.Contains($"session long-old has not been read by a dream of agent:{Stored} yet", output, StringComparison.Ordinal);
        using var store = new SqliteTraceStore(cli.Database);
        Assert.Null(await store.GetSessionAsync("other-old"));
        Assert.NotNull(await store.GetSessionAsync("long-old"));
    }

    private static async Task<string> ProposeAsync(string database, MemoryScope scope, bool approve = false)
    {
        using var store = new SqliteMemoryStore("Data Source=" + database);
        var insight = new Insight { Id = "ins-1", Text = "Quote the order id.", Scope = scope, Source = InsightSource.Mined, CreatedAt = s_time, UpdatedAt = s_time };
        var version = await store.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.DreamRun("dr-1"), Insights = [insight] });
        if (approve)
        {
            await store.ApproveAsync(version.Id, MemoryAuthor.Person("reviewer"));
        }

        return version.Id;
    }

    private static SessionWithEvents Ended(string id, string agent, DateTimeOffset startedAt) => new(
        new SessionRecord
        {
            Id = id,
            AgentId = agent,
            Task = "task of " + id,
            Status = SessionStatus.Completed,
            StartedAt = startedAt,
            EndedAt = startedAt.AddMinutes(1),
            Outcome = SessionOutcome.Succeeded(),
        },
        [new MessageEvent { SessionId = id, Sequence = 1, Timestamp = startedAt, Role = "user", Text = "hello" }]);

    private static async Task SeedAsync(string database, params SessionWithEvents[] sessions)
    {
        using var store = new SqliteTraceStore(database);
        await store.ImportAsync(sessions);
    }
}
