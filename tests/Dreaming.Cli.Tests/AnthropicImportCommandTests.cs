namespace Dreaming.Cli.Tests;

public class AnthropicImportCommandTests
{
    // A host's log of Anthropic Messages calls: each line the last request of a session and the response it got.
    private const string Calls = """
        {"id":"c1","agent":"billing","reward":0,"request":{"model":"claude-sonnet-4-5","max_tokens":1024,"system":[{"type":"text","text":"You are a billing agent.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Refund order 42."},{"role":"assistant","content":[{"type":"thinking","thinking":"Look it up.","signature":"sig"},{"type":"text","text":"Let me look it up."},{"type":"tool_use","id":"toolu_01","name":"lookup_order","input":{"order_id":"42"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"order 42 not found","is_error":true}]}]},"answer":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"I could not find order 42."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":300,"output_tokens":12,"cache_read_input_tokens":1200,"cache_creation_input_tokens":0}}}
        {"id":"c2","agent":"billing","reward":1,"request":{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"hello"}]},"answer":{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":1}}}
        """;

    [Fact]
    public async Task Import_reads_a_log_of_anthropic_requests_and_responses_and_session_show_shows_the_calls_the_errors_and_the_usage()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("claude.jsonl", Calls);

        var (exit, output, error) = await cli.RunAsync("import", file, "--db", cli.Database, "--messages-field", "request.messages", "--response-field", "answer");

        Assert.True(exit == 0, error);
        Assert.Contains("imported 2 sessions, 10 events, 1 tool errors", output, StringComparison.Ordinal);
        var (showExit, show, showError) = await cli.RunAsync("session", "show", "c1", "--db", cli.Database);
        Assert.True(showExit == 0, showError);
        Assert.Contains("You are a billing agent.", show, StringComparison.Ordinal);
        Assert.Contains("lookup_order({\"order_id\":\"42\"}) [toolu_01]", show, StringComparison.Ordinal);
        Assert.Contains("ERROR lookup_order", show, StringComparison.Ordinal);
        Assert.Contains("1500+12 tokens, finish stop", show, StringComparison.Ordinal);
        Assert.DoesNotContain("Look it up.", show, StringComparison.Ordinal);

        var (againExit, again, _) = await cli.RunAsync("import", file, "--db", cli.Database, "--messages-field", "request.messages", "--response-field", "answer");
        Assert.Equal(0, againExit);
        Assert.Contains("imported 0 of 2 sessions (2 were already in the database", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_result_that_answers_no_call_imports_nothing_and_is_named()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("claude.jsonl", Calls.Replace("\"tool_use_id\":\"toolu_01\"", "\"tool_use_id\":\"toolu_09\"", StringComparison.Ordinal));

        var (exit, _, error) = await cli.RunAsync("import", file, "--db", cli.Database, "--messages-field", "request.messages");

        Assert.Equal(1, exit);
        Assert.Contains("claude.jsonl element 0 (line 1): message 2 has block 0, a tool_result, whose \"tool_use_id\" 'toolu_09' answers no earlier tool_use", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_of_a_newer_sdks_log_notes_its_unknown_blocks_counts_them_and_shows_a_failing_code_run_as_an_error()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("newer.jsonl", """
            {"id":"n1","messages":[{"role":"user","content":"Run it."},{"role":"assistant","content":[{"type":"tool_reference","tool_name":"bash"},{"type":"server_tool_use","id":"srvtoolu_1","name":"bash_code_execution","input":{"command":"python x.py"}},{"type":"bash_code_execution_tool_result","tool_use_id":"srvtoolu_1","content":{"type":"bash_code_execution_result","stdout":"","stderr":"ZeroDivisionError: division by zero","return_code":1,"content":[]}},{"type":"hologram","data":"SECRET-CONTENT"},{"type":"text","text":"It failed."}]}]}
            """);

        var (exit, output, error) = await cli.RunAsync("import", file, "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("imported 1 sessions, 4 events, 1 tool errors", output, StringComparison.Ordinal);
        Assert.Contains("2 content blocks of unknown types were noted by their type (their content is not imported)", output, StringComparison.Ordinal);
        var (showExit, show, showError) = await cli.RunAsync("session", "show", "n1", "--db", cli.Database);
        Assert.True(showExit == 0, showError);
        Assert.Contains("[unknown content block: hologram]", show, StringComparison.Ordinal);
        Assert.Contains("ERROR bash_code_execution: bash_code_execution_result: return code 1: ZeroDivisionError", show, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-CONTENT", show, StringComparison.Ordinal);

        var (jsonExit, json, _) = await cli.RunAsync("import", file, "--db", cli.Database, "--json");
        Assert.Equal(0, jsonExit);
        Assert.Contains("\"unknownBlocks\": 2", json, StringComparison.Ordinal);
    }
}
