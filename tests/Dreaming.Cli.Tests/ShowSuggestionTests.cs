using System.Text.RegularExpressions;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary>The messages that suggest 'memory show' suggest the documented form, 'memory show V', and the suggestion works.</summary>
public class ShowSuggestionTests
{
    [Fact]
    public async Task A_dream_suggests_memory_show_with_the_version_as_the_argument()
    {
        // It suggested 'dreaming memory show --version V', the old form, though cli.md documents 'memory show V'.
        using var cli = new CliRunner();
        var log = cli.WriteFile("log.jsonl", string.Join('\n', Enumerable.Range(0, 14).Select(Session)));
        var (importExit, _, importError) = await cli.RunAsync("import", log, "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(importExit == 0, importError);

        var (exit, output, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database);

        Assert.True(exit == 0, error);
        var suggested = Regex.Match(output, "new memory version (\\S+): 'dreaming memory show ([^']*)'");
        Assert.True(suggested.Success, output);
        Assert.Equal(suggested.Groups[1].Value, suggested.Groups[2].Value);
        var (showExit, shown, _) = await cli.RunAsync("memory", "show", suggested.Groups[2].Value, "--db", cli.Database);
        Assert.Equal(0, showExit);
        Assert.Contains(suggested.Groups[1].Value, shown, StringComparison.Ordinal);

        static string Session(int i) => i < 8
            ? $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""";
    }

    [Fact]
    public async Task An_edit_naming_an_unknown_insight_suggests_memory_show_with_the_version_as_the_argument()
    {
        using var cli = new CliRunner();
        var scope = MemoryScope.Agent("support-bot");
        var time = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        string v1;
        using (var store = new SqliteMemoryStore("Data Source=" + cli.Database))
        {
            var insight = new Insight { Id = "ins-order", Text = "Write order ids as #W1234.", Scope = scope, Source = InsightSource.Mined, CreatedAt = time, UpdatedAt = time };
            v1 = (await store.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.DreamRun("dr-1"), Insights = [insight] })).Id;
        }

        var (exit, _, error) = await cli.RunAsync("memory", "edit", v1, "--retire", "ins-nope", "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains($"'dreaming memory show {v1}' lists its insights.", error, StringComparison.Ordinal);
    }
}
