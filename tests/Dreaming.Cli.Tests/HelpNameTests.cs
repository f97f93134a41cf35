namespace Dreaming.Cli.Tests;

public class HelpNameTests
{
    [Theory]
    [InlineData("--by <NAME>", "memory", "edit")]
    [InlineData("--by <NAME>", "memory", "approve")]
    [InlineData("--note <TEXT>", "memory", "reject")]
    [InlineData("--note <TEXT>", "memory", "rollback")]
    [InlineData("--db <PATH|CONNECTION>", "sessions")]
    [InlineData("--db <PATH|CONNECTION>", "memory", "edit")]
    public async Task Help_names_the_value_an_option_takes_as_the_docs_do(string shown, params string[] command)
    {
        // The help showed '--by <by>', '--note <note>' and '--db <db>' next to memory edit's '--add <TEXT>' and
        // '--note <TEXT>', where cli.md writes '--by NAME', '--note TEXT' and '--db PATH'.
        using var cli = new CliRunner();

        var (exit, help, _) = await cli.RunAsync([.. command, "--help"]);

        Assert.Equal(0, exit);
        Assert.Contains(shown, help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sessions_scope_help_shows_the_team_id_not_the_memory_scope_key()
    {
        // The help said '(the id their session was started with, as in team:ID)', which reads as '--scope team:billing',
        // the form that matches nothing (the sessions are started with the team id, 'billing').
        using var cli = new CliRunner();

        var (exit, help, _) = await cli.RunAsync("sessions", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--scope billing", help, StringComparison.Ordinal);
        Assert.DoesNotContain("as in team:ID", help, StringComparison.Ordinal);
    }
}
