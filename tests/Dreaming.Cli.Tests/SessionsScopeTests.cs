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

    [Fact]
    public async Task The_table_has_a_scope_column_with_the_team_id_escaped_and_cut_to_its_width_and_a_dash_for_none()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);
        var start = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
        using (var store = new SqliteTraceStore("Data Source=" + cli.Database))
        {
            Assert.Equal(3, await store.ImportAsync(
            [
                new SessionWithEvents(Session("s10", "  ", start), []),
                new SessionWithEvents(Session("s11", "ops\u001b]0;pwned\u0007-and-a-long-tail", start.AddMinutes(1)), []),
                new SessionWithEvents(Session("s12", "billing-emea-north", start.AddMinutes(2)), []),
            ]));
        }

        var (exit, text, error) = await cli.RunAsync("sessions", "--db", cli.Database);

        Assert.True(exit == 0, error);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var column = lines[0].IndexOf("SCOPE", StringComparison.Ordinal);
        Assert.True(column > 0, lines[0]);
        Assert.StartsWith("STATUS", lines[0][(column + 18)..], StringComparison.Ordinal);
        string Cell(string id) => lines.Single(l => l.StartsWith(id + " ", StringComparison.Ordinal)).Substring(column, 18);
        Assert.Equal("billing           ", Cell("s00"));
        Assert.Equal("ops               ", Cell("s01"));
        Assert.Equal("-                 ", Cell("s03"));
        Assert.Equal("-                 ", Cell("s10"));
        Assert.Equal(@"ops\x1B]0;pwned…  ", Cell("s11"));
        Assert.Equal("billing-emea-no…  ", Cell("s12"));
        Assert.DoesNotContain(text, c => c is '\u001b' or '\u0007');
    }

    private static SessionRecord Session(string id, string? scope, DateTimeOffset start) => new()
    {
        Id = id,
        AgentId = "agent",
        Scope = scope,
        Task = "refund an order",
        Status = SessionStatus.Completed,
        StartedAt = start,
        EndedAt = start.AddSeconds(30),
    };

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
