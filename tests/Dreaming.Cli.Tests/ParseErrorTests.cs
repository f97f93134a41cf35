namespace Dreaming.Cli.Tests;

public class ParseErrorTests
{
    [Theory]
    [InlineData("Unrecognized command or argument '--bogus'", "sessions", "--json", "--bogus")]
    [InlineData("Unrecognized command or argument '--bogus'", "sessions", "--bogus", "--json")]
    [InlineData("Required argument missing for option: '--limit'", "--json", "sessions", "--limit")]
    [InlineData("--limit must be between 1 and 1,000; got 0", "sessions", "--json", "--limit", "0")]
    [InlineData("'nope'", "sessions", "--json", "--status", "nope")]
    [InlineData("'nope'", "orchestrate", "--json", "--plan", "p.json", "--on-failure", "nope")]
    [InlineData("'nope'", "dream", "--json", "--agent", "a", "--review", "nope")]
    [InlineData("Option '--agent' is required", "dream", "--json")]
    [InlineData("Unrecognized command or argument 'bogus'", "--json", "bogus")]
    [InlineData("Unrecognized command or argument 'bogus'", "bogus", "--json")]
    [InlineData("Unrecognized command or argument '--bogus'", "sessions", "--json", "true", "--bogus")]
    [InlineData("Unrecognized command or argument '--bogus'", "sessions", "--json:true", "--bogus")]
    public async Task With_json_a_parse_error_leaves_standard_output_empty_and_prints_error_and_usage_on_standard_error(string message, params string[] args)
    {
        // The usage help went to standard output, so a script reading it as JSON got text.
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Contains("Usage:", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sessions", "--bogus")]
    [InlineData("sessions", "--json", "false", "--bogus")]
    [InlineData("sessions", "--json:false", "--bogus")]
    [InlineData("sessions", "--bogus", "--json", "False")]
    [InlineData("--json=false", "sessions", "--bogus")]
    public async Task Without_json_a_parse_error_prints_the_usage_on_standard_output_as_before(params string[] args)
    {
        // --json false asks for text, as it does when the command runs: the usage went to standard error all the same.
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("Unrecognized command or argument '--bogus'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_taken_as_an_options_value_does_not_move_the_usage()
    {
        using var cli = new CliRunner();

        var (exit, output, _) = await cli.RunAsync("sessions", "--agent", "--json", "--bogus");

        Assert.Equal(1, exit);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }
}
