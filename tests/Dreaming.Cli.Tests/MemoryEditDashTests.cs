using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>memory edit</c> values that look like options: starting with '-' or '@', or an option's very name.</summary>
public class MemoryEditDashTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

    public static TheoryData<string[], string, string?> DashValues => new()
    {
        { ["--add", "-never refund twice"], "-never refund twice", null },
        { ["--add", "--force is wrong"], "--force is wrong", null },
        { ["--add", "-n"], "-n", null },
        { ["--add=--force is wrong"], "--force is wrong", null },
        { ["--add=@support handles refunds"], "@support handles refunds", null },
        { ["--text", "ins-order=-1 is not an order id"], "-1 is not an order id", null },
        { ["--text", "ins-order=--json"], "--json", null },
        { ["--add", "Be brief.", "--note", "-x is why"], "Be brief.", "-x is why" },
        { ["--add", "Be brief.", "--note=@ada asked"], "Be brief.", "@ada asked" },
    };

    [Theory]
    [MemberData(nameof(DashValues))]
    public async Task A_value_starting_with_a_dash_or_attached_with_equals_is_taken_as_the_value(string[] args, string text, string? note)
    {
        using var cli = new CliRunner();
        var v1 = await SeedAsync(cli.Database);

        var (exit, _, error) = await cli.RunAsync(["memory", "edit", v1, .. args, "--db", cli.Database]);

        Assert.True(exit == 0, error);
        using var store = new SqliteMemoryStore("Data Source=" + cli.Database);
        var edited = (await store.GetVersionAsync((await store.ListVersionsAsync(s_scope))[0].Id))!;
        Assert.Equal(2, edited.Number);
        Assert.Contains(edited.Insights, i => i.Text == text && i.Source == InsightSource.Human);
        Assert.Equal(note, edited.Note);
    }

    [Fact]
    public async Task A_separate_value_starting_with_at_is_refused_saying_it_names_a_response_file_and_how_to_give_it()
    {
        using var cli = new CliRunner();
        var v1 = await SeedAsync(cli.Database);

        var (exit, _, error) = await cli.RunAsync("memory", "edit", v1, "--add", "@support handles refunds", "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("Response file not found 'support handles refunds'.", error, StringComparison.Ordinal);
        Assert.Contains("An argument starting with '@' names a file of arguments; to give a value that starts with '@', attach it to its option with '='", error, StringComparison.Ordinal);
        using var store = new SqliteMemoryStore("Data Source=" + cli.Database);
        Assert.Single(await store.ListVersionsAsync(s_scope));
    }

    public static TheoryData<string[], string> OptionNames => new()
    {
        { ["--add", "--json"], "--add '--json' is the name of an option, not a value: was the value of --add left out?" },
        { ["--add", "--by", "ada"], "--add '--by' is the name of an option" },
        { ["--add=-h"], "--add '-h' is the name of an option" },
        { ["--add", "Be brief.", "--tool", "--db", "x.db"], "--tool '--db' is the name of an option" },
        { ["--add", "Be brief.", "--keyword", "--kind"], "--keyword '--kind' is the name of an option" },
        { ["--retire", "--remove"], "--retire '--remove' is the name of an option" },
        { ["--retire", "ins-order", "--note", "--json"], "--note '--json' is the name of an option, not a value: was the value of --note left out?" },
        { ["--add", "Be brief.", "--by", "--json"], "--by '--json' is the name of an option, not a value: was the value of --by left out?" },
        { ["--retire", "ins-order", "--by=--note"], "--by '--note' is the name of an option" },
    };

    // System.CommandLine gives an option the next argument even when it is another option's name: with the text left out,
    // '--add --json' added an insight "--json" (and printed text, not JSON).
    [Theory]
    [MemberData(nameof(OptionNames))]
    public async Task A_value_that_is_an_option_name_is_refused_as_a_value_left_out(string[] args, string expected)
    {
        using var cli = new CliRunner();
        var v1 = await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync(["memory", "edit", v1, .. args, "--db", cli.Database]);

        Assert.Equal(1, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("approve it with", output, StringComparison.Ordinal);
        using var store = new SqliteMemoryStore("Data Source=" + cli.Database);
        Assert.Single(await store.ListVersionsAsync(s_scope));
    }

    // MemoryAuthor.Person refused a blank name with only "The value cannot be an empty string or composed entirely of
    // white space.", naming neither --by nor the value.
    [Theory]
    [InlineData("edit", "")]
    [InlineData("edit", "  ")]
    [InlineData("approve", "")]
    [InlineData("reject", " ")]
    [InlineData("rollback", "")]
    public async Task A_blank_by_is_refused_naming_the_option_and_the_value(string verb, string by)
    {
        using var cli = new CliRunner();
        var v1 = await SeedAsync(cli.Database);
        string[] change = verb == "edit" ? ["--add", "Be brief."] : [];

        var (exit, _, error) = await cli.RunAsync(["memory", verb, v1, .. change, "--by", by, "--db", cli.Database]);

        Assert.Equal(1, exit);
        Assert.Contains($"--by '{by}' is blank: give the name of the person who does it.", error, StringComparison.Ordinal);
        using var store = new SqliteMemoryStore("Data Source=" + cli.Database);
        var versions = await store.ListVersionsAsync(s_scope);
        Assert.Equal(MemoryVersionState.Proposed, Assert.Single(versions).State);
    }

    internal static async Task<string> SeedAsync(string database)
    {
        using var store = new SqliteMemoryStore("Data Source=" + database);
        var time = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        Insight Of(string id, string text) => new()
        {
            Id = id, Kind = InsightKind.Lesson, Text = text, Scope = s_scope, Source = InsightSource.Mined, Status = InsightStatus.Active, CreatedAt = time, UpdatedAt = time,
        };
        var version = await store.ProposeAsync(new MemoryProposal
        {
            Scope = s_scope,
            Author = MemoryAuthor.DreamRun("dr-1"),
            Insights = [Of("ins-order", "Write order ids as #W1234."), Of("ins-refund", "Check the order total before refunding.")],
            Note = "a dream",
        });
        return version.Id;
    }
}
