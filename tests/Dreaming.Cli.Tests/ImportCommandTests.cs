namespace Dreaming.Cli.Tests;

public class ImportCommandTests
{
    // JSON Lines need a session on one line, so a host writing them turns indentation off.
    private static readonly System.Text.Json.JsonSerializerOptions OneLine = new(Microsoft.Extensions.AI.AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private const string TwoSessions = """
        {"id":"a","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"find","arguments":"{\"q\":1}"}}]},{"role":"tool","tool_call_id":"t1","content":"Error: nothing found"},{"role":"assistant","content":"sorry"}],"reward":0}
        {"id":"b","messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"hi there"}],"reward":1}
        """;

    [Fact]
    public async Task Import_prints_the_counts_and_the_sessions_are_listed()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);
        var (exit, output, error) = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "legacy");

        Assert.True(exit == 0, error);
        Assert.Contains("imported 2 sessions, 6 events, 1 tool errors", output, StringComparison.Ordinal);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--agent", "legacy");
        Assert.Contains("failure", list, StringComparison.Ordinal);
        Assert.Contains("success", list, StringComparison.Ordinal);

        var (againExit, again, _) = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "legacy");
        Assert.Equal(0, againExit);
        Assert.Contains("imported 0 of 2 sessions (2 were already in the database", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_file_imports_nothing_and_names_file_and_element()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("bad.json", """[{"messages":[{"role":"user","content":"ok"}]}, {"messages": 42}]""");
        var (exit, _, error) = await cli.RunAsync("import", file, "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("bad.json", error, StringComparison.Ordinal);
        Assert.Contains("1", error, StringComparison.Ordinal);
        if (File.Exists(cli.Database))
        {
            var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database);
            Assert.Contains("no sessions match", list, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Skip_malformed_imports_the_good_ones_and_reports_the_bad()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("bad.json", """[{"messages":[{"role":"user","content":"ok"}]}, {"messages": 42}]""");
        var (exit, output, error) = await cli.RunAsync("import", file, "--db", cli.Database, "--skip-malformed");

        Assert.Equal(0, exit);
        Assert.Contains("imported 1 sessions", output, StringComparison.Ordinal);
        Assert.Contains("skipped:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_named()
    {
        using var cli = new CliRunner();
        var missing = Path.Combine(cli.Folder, "missing.jsonl");
        var (exit, _, error) = await cli.RunAsync("import", missing, "--db", cli.Database);
        Assert.Equal(1, exit);
        Assert.Contains("missing.jsonl", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_reads_sessions_saved_as_microsoft_extensions_ai_chat_messages()
    {
        // What a host built on Microsoft.Extensions.AI writes: its ChatMessage list, one session a line.
        List<Microsoft.Extensions.AI.ChatMessage> messages =
        [
            new(Microsoft.Extensions.AI.ChatRole.User, "find it"),
            new(Microsoft.Extensions.AI.ChatRole.Assistant, [new Microsoft.Extensions.AI.FunctionCallContent("t1", "find", new Dictionary<string, object?> { ["q"] = 1 })]),
            new(Microsoft.Extensions.AI.ChatRole.Tool, [new Microsoft.Extensions.AI.FunctionResultContent("t1", "Error: Function failed.")]),
            new(Microsoft.Extensions.AI.ChatRole.Assistant, "sorry"),
        ];
        using var cli = new CliRunner();
        var file = cli.WriteFile("chat.jsonl", "{\"id\":\"m\",\"reward\":0,\"messages\":" + System.Text.Json.JsonSerializer.Serialize(messages, OneLine) + "}\n");

        var (exit, output, error) = await cli.RunAsync("import", file, "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("imported 1 sessions, 4 events, 1 tool errors", output, StringComparison.Ordinal);
    }
}
