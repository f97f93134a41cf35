using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

public class SessionsScopeTests
{
    [Fact]
    public async Task Sessions_with_a_scope_lists_only_that_teams_sessions_in_text_and_json()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, text, error) = await cli.RunAsync("sessions", "--db", cli.Database, "--scope", "billing");
        var (jsonExit, json, jsonError) = await cli.RunAsync("sessions", "--db", cli.Database, "--scope", "billing", "--json");

        Assert.True(exit == 0, error);
        Assert.Contains("s00", text, StringComparison.Ordinal);
        Assert.Contains("s02", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s01", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s03", text, StringComparison.Ordinal);
        Assert.True(jsonExit == 0, jsonError);
        var sessions = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Equal(["s02", "s00"], sessions.Select(s => s.GetProperty("id").GetString()));
        Assert.All(sessions, s => Assert.Equal("billing", s.GetProperty("scope").GetString()));
    }

    [Fact]
    public async Task A_memory_scope_key_given_as_the_scope_matches_nothing_and_the_message_says_what_to_give()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, text, error) = await cli.RunAsync("sessions", "--db", cli.Database, "--scope", "team:billing");

        Assert.True(exit == 0, error);
        Assert.Contains("no sessions match (--scope takes the team's id as its sessions were started with it: --scope billing, not the memory scope team:billing)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scope_with_half_a_surrogate_pair_is_a_parse_error_naming_the_option()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("sessions", "--db", cli.Database, "--json", "--scope", "bill\uDC00ing");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains("--scope has half a character (an unpaired surrogate, U+DC00) at index 4", error, StringComparison.Ordinal);
    }

    private static async Task SeedAsync(string database)
    {
        var start = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        var sessions = Enumerable.Range(0, 4).Select(i => new SessionWithEvents(
            new SessionRecord
            {
                Id = $"s{i:D2}",
                AgentId = "agent",
                Scope = i == 1 ? "ops" : i == 3 ? null : "billing",
                Task = "refund an order",
                Status = SessionStatus.Completed,
                StartedAt = start.AddMinutes(i),
                EndedAt = start.AddMinutes(i).AddSeconds(30),
            },
            [])).ToList();
        using var store = new SqliteTraceStore("Data Source=" + database);
        Assert.Equal(4, await store.ImportAsync(sessions));
    }
}
