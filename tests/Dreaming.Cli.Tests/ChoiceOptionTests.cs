namespace Dreaming.Cli.Tests;

public class ChoiceOptionTests
{
    [Theory]
    [InlineData("<stop-run|skip-dependents>", "orchestrate")]
    [InlineData("[default: stop-run]", "orchestrate")]
    [InlineData("<running|completed|failed|abandoned|blocked>", "sessions")]
    [InlineData("<pending|delivered|dead>", "webhooks", "list")]
    [InlineData("<auto|approval>", "dream")]
    public async Task Help_shows_the_values_of_a_choice_as_they_are_typed(string shown, params string[] command)
    {
        // The help showed the enum's names (<SkipDependents|StopRun>, [default: StopRun], <Abandoned|Blocked|...>).
        using var cli = new CliRunner();

        var (exit, help, _) = await cli.RunAsync([.. command, "--help"]);

        Assert.Equal(0, exit);
        Assert.Contains(shown, help, StringComparison.Ordinal);
        foreach (var pascal in new[] { "StopRun", "SkipDependents", "Running", "Abandoned", "Pending", "Delivered" })
        {
            Assert.DoesNotContain(pascal, help, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("running")]
    [InlineData("Running")]
    [InlineData("RUNNING")]
    public async Task A_status_is_taken_in_any_case(string status)
    {
        using var cli = new CliRunner();
        File.WriteAllText(cli.Database, string.Empty);

        var (exit, output, error) = await cli.RunAsync("sessions", "--status", status, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        Assert.Equal("[]", output.Trim());
    }

    [Theory]
    [InlineData("--on-failure must be one of stop-run, skip-dependents; got 'skip'.", "orchestrate", "--plan", "p.json", "--on-failure", "skip")]
    [InlineData("--status must be one of running, completed, failed, abandoned, blocked; got 'done'.", "sessions", "--status", "done")]
    [InlineData("--state must be one of pending, delivered, dead; got '1'.", "webhooks", "list", "--state", "1")]
    public async Task Another_value_is_a_parse_error_naming_the_option_the_values_and_the_value(string message, params string[] args)
    {
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
