namespace Dreaming.Cli.Tests;

public class ScopeHalfCharacterTests
{
    // The half character is put in by the test: xUnit's theory data would carry it as U+FFFD.
    [Theory]
    [InlineData("--scope", 0xD800, 9, "dream", "--scope", "team:bill~")]
    [InlineData("--agent", 0xDC00, 1, "dream", "--agent", "a~")]
    [InlineData("--scope", 0xD800, 9, "memory", "show", "--scope", "team:bill~")]
    [InlineData("--scope", 0xDC00, 10, "memory", "list", "--scope", "agent:solo~x")]
    [InlineData("--agent", 0xD800, 4, "memory", "show", "--agent", "solo~")]
    public async Task A_scope_or_agent_with_half_a_surrogate_pair_is_a_parse_error_naming_the_option(string option, int surrogate, int index, params string[] args)
    {
        using var cli = new CliRunner();
        var withHalf = args.Select(a => a.Replace('~', (char)surrogate)).ToArray();

        var (exit, output, error) = await cli.RunAsync([.. withHalf, "--db", cli.Database, "--json"]);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains($"{option} has half a character (an unpaired surrogate, U+{surrogate:X4}) at index {index}", error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Database));
    }

    [Fact]
    public async Task A_scope_with_a_whole_surrogate_pair_is_taken()
    {
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("memory", "list", "--scope", "team:\uD83D\uDE00", "--db", cli.Database);

        // Past the parse: the command itself then finds no database.
        Assert.Equal(1, exit);
        Assert.DoesNotContain("half a character", error, StringComparison.Ordinal);
        Assert.Contains("No database", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Memory_help_says_it_reviews_an_agents_a_teams_or_the_global_memory()
    {
        using var cli = new CliRunner();

        var (exit, output, _) = await cli.RunAsync("memory", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("Review an agent's, a team's or the global memory", output, StringComparison.Ordinal);
        Assert.DoesNotContain("the agent's memory", output, StringComparison.Ordinal);
    }
}
