using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

public class MemoryShowScopeTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Show_refuses_a_version_of_another_scope_than_agent_or_scope_names()
    {
        // Version ids are global and numbered per scope: 'memory show V --agent X' showed V whatever its agent, so a reviewer
        // who meant X's memory read another agent's without a word.
        using var cli = new CliRunner();
        var billing = await ProposeAsync(cli.Database, MemoryScope.Agent("billing-bot"), "Quote the invoice number.");

        var (exit, output, error) = await cli.RunAsync("memory", "show", billing, "--agent", "support-bot", "--db", cli.Database);
        var (scopeExit, _, scopeError) = await cli.RunAsync("memory", "show", "--version", billing, "--scope", "team:ops", "--db", cli.Database, "--json");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal(
            $"error: Memory version '{billing}' is v1 of agent:billing-bot, not a version of agent:support-bot; 'dreaming memory list --scope agent:support-bot' lists that scope's versions.",
            error.TrimEnd());
        Assert.Equal(1, scopeExit);
        Assert.Contains($"'{billing}' is v1 of agent:billing-bot, not a version of team:ops", scopeError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_shows_a_version_of_the_scope_agent_or_scope_names()
    {
        using var cli = new CliRunner();
        var support = await ProposeAsync(cli.Database, MemoryScope.Agent("support-bot"), "Write order ids as #W1234.");

        var (exit, output, error) = await cli.RunAsync("memory", "show", support, "--agent", "support-bot", "--db", cli.Database, "--json");
        var (scopeExit, _, _) = await cli.RunAsync("memory", "show", support, "--scope", "agent:support-bot", "--db", cli.Database);
        var (bothExit, _, bothError) = await cli.RunAsync("memory", "show", support, "--agent", "support-bot", "--scope", "global", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Equal(support, JsonDocument.Parse(output).RootElement.GetProperty("id").GetString());
        Assert.Equal(0, scopeExit);
        Assert.Equal(1, bothExit);
        Assert.Contains("Give --agent or --scope, not both.", bothError, StringComparison.Ordinal);
    }

    private static async Task<string> ProposeAsync(string database, MemoryScope scope, string text)
    {
        using var store = new SqliteMemoryStore("Data Source=" + database);
        var insight = new Insight { Id = "ins-1", Text = text, Scope = scope, Source = InsightSource.Mined, CreatedAt = s_time, UpdatedAt = s_time };
        return (await store.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.DreamRun("dr-1"), Insights = [insight] })).Id;
    }
}
