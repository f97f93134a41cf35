using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>memory edit</c> compares new and added texts with the version as the edit leaves it.</summary>
public class MemoryEditTextTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

    // ins-order "Write order ids as #W1234.", ins-refund "Check the order total before refunding." (MemoryEditDashTests).
    public static TheoryData<string[], string> Duplicates => new()
    {
        { ["--text", "ins-refund=Write order ids as #W1234."], "Insight 'ins-order' would have the text --text gives insight 'ins-refund' too" },
        { ["--text", "ins-order=Be brief.", "--text", "ins-refund=Be brief."], "Insight 'ins-refund' would have the text --text gives insight 'ins-order' too" },
        { ["--text", "ins-order=Be brief.", "--add", "Be brief."], "already has this text as insight 'ins-order' (active) (--add)" },
    };

    [Theory]
    [MemberData(nameof(Duplicates))]
    public async Task A_text_another_insight_of_the_new_version_has_is_refused_naming_it(string[] args, string expected)
    {
        using var cli = new CliRunner();
        var v1 = await MemoryEditDashTests.SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync(["memory", "edit", v1, .. args, "--db", cli.Database]);

        Assert.Equal(1, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("approve it with", output, StringComparison.Ordinal);
        using var store = new SqliteMemoryStore("Data Source=" + cli.Database);
        Assert.Single(await store.ListVersionsAsync(s_scope));
    }

    // Retiring the other insight leaves its text in the version, so the message names only what resolves it.
    public static TheoryData<string[], string> Remedies => new()
    {
        { ["--text", "ins-refund=Write order ids as #W1234."], "give 'ins-refund' another text, or --remove ins-order (a retired insight keeps its text in the version)." },
        { ["--text", "ins-refund=Write order ids as #W1234.", "--retire", "ins-order"], "give 'ins-refund' another text, or --remove ins-order (a retired insight keeps its text in the version)." },
        { ["--text", "ins-order=Be brief.", "--text", "ins-refund=Be brief."], "give one of them another text." },
    };

    [Theory]
    [MemberData(nameof(Remedies))]
    public async Task A_refused_text_names_a_remedy_that_the_same_refusal_does_not_meet_again(string[] args, string remedy)
    {
        using var cli = new CliRunner();
        var v1 = await MemoryEditDashTests.SeedAsync(cli.Database);

        var (exit, _, error) = await cli.RunAsync(["memory", "edit", v1, .. args, "--db", cli.Database]);

        Assert.Equal(1, exit);
        Assert.Contains(remedy, error, StringComparison.Ordinal);
        Assert.DoesNotContain("--retire", error, StringComparison.Ordinal);

        // The remedy named works.
        if (remedy.Contains("--remove", StringComparison.Ordinal))
        {
            (exit, _, error) = await cli.RunAsync(["memory", "edit", v1, .. args.Where(a => a is not ("--retire" or "ins-order")), "--remove", "ins-order", "--db", cli.Database]);
            Assert.True(exit == 0, error);
        }
    }

    public static TheoryData<string[], string[]> Moves => new()
    {
        { ["--text", "ins-order=Order ids look like #W1234.", "--add", "Write order ids as #W1234."], ["Order ids look like #W1234.", "Check the order total before refunding.", "Write order ids as #W1234."] },
        { ["--remove", "ins-refund", "--add", "Check the order total before refunding."], ["Write order ids as #W1234.", "Check the order total before refunding."] },
    };

    [Theory]
    [MemberData(nameof(Moves))]
    public async Task An_added_text_may_be_one_this_edit_rewords_or_removes(string[] args, string[] texts)
    {
        using var cli = new CliRunner();
        var v1 = await MemoryEditDashTests.SeedAsync(cli.Database);

        var (exit, _, error) = await cli.RunAsync(["memory", "edit", v1, .. args, "--db", cli.Database]);

        Assert.True(exit == 0, error);
        using var store = new SqliteMemoryStore("Data Source=" + cli.Database);
        var edited = (await store.GetVersionAsync((await store.ListVersionsAsync(s_scope))[0].Id))!;
        Assert.Equal(texts, edited.Insights.Select(i => i.Text));
        Assert.Equal(InsightSource.Human, edited.Insights[^1].Source);
    }
}
