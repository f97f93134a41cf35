namespace Dreaming.Cli.Tests;

public class InspectCommandTests
{
    [Fact]
    public async Task Sessions_without_a_database_says_where_it_looked()
    {
        using var cli = new CliRunner();
        var (exit, _, error) = await cli.RunAsync("sessions", "--db", cli.Database);
        Assert.Equal(1, exit);
        Assert.Contains(cli.Database, error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Database));
    }

    [Fact]
    public async Task Session_show_of_an_unknown_id_fails_naming_it()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);
        var (exit, _, error) = await cli.RunAsync("session", "show", "nope", "--db", cli.Database);
        Assert.Equal(1, exit);
        Assert.Contains("'nope'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_show_prints_the_timeline()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--agent", "support-bot", "--limit", "1");
        var id = list.Split('\n')[1].Split(' ')[0];
        var (exit, output, _) = await cli.RunAsync("session", "show", id, "--db", cli.Database);
        Assert.Equal(0, exit);
        Assert.Contains("session   " + id, output, StringComparison.Ordinal);
        Assert.Contains("tool.call", output, StringComparison.Ordinal);
        Assert.Contains("model.response", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_reported_and_left_untouched()
    {
        using var cli = new CliRunner();
        var path = cli.WriteFile("notes.db", "these are my notes, not a database");
        var (exit, _, error) = await cli.RunAsync("sessions", "--db", path);
        Assert.Equal(1, exit);
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Equal("these are my notes, not a database", File.ReadAllText(path));
    }

    [Fact]
    public async Task An_unknown_status_is_a_usage_error()
    {
        using var cli = new CliRunner();
        var (exit, _, error) = await cli.RunAsync("sessions", "--status", "bogus", "--db", cli.Database);
        Assert.NotEqual(0, exit);
        Assert.Contains("bogus", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_path_with_connection_string_characters_works()
    {
        using var cli = new CliRunner();
        var odd = Path.Combine(cli.Folder, "a;b=c.db");
        var (exit, _, error) = await cli.RunAsync("demo", "--db", odd);
        Assert.True(exit == 0, error);
        Assert.True(File.Exists(odd));
        var (listExit, list, _) = await cli.RunAsync("sessions", "--db", odd, "--limit", "40");
        Assert.Equal(0, listExit);
        Assert.Contains("support-bot", list, StringComparison.Ordinal);
    }
}
