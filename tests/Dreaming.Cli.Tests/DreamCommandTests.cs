using System.Text.Json;

namespace Dreaming.Cli.Tests;

public class DreamCommandTests
{
    [Fact]
    public async Task A_dream_over_imported_sessions_finds_the_recurring_failure_and_writes_a_memory_version()
    {
        using var cli = new CliRunner();
        var log = cli.WriteFile("log.jsonl", string.Join('\n', Enumerable.Range(0, 14).Select(Session)));
        var (importExit, _, importError) = await cli.RunAsync("import", log, "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(importExit == 0, importError);

        var (exit, json, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.Equal(14, root.GetProperty("sessions_read").GetInt32());
        Assert.Equal(8.0 / 14, root.GetProperty("base_failure_rate").GetDouble(), 3);
        var refund = root.GetProperty("findings").EnumerateArray().First(f => f.GetProperty("kind").GetString() == "tool_error");
        Assert.Equal("refund", refund.GetProperty("tool").GetString());
        Assert.Equal((8, 8), (refund.GetProperty("sessions").GetInt32(), refund.GetProperty("failed_sessions").GetInt32()));
        Assert.Contains("payment amount does not add up", refund.GetProperty("signature").GetString(), StringComparison.Ordinal);
        Assert.Equal(8, refund.GetProperty("evidence").GetArrayLength());
        Assert.Contains(root.GetProperty("changes").EnumerateArray(), c => c.GetProperty("op").GetString() == "add" && c.GetProperty("kind").GetString() == "pitfall");
        var version = root.GetProperty("output_version").GetString();

        var (showExit, shown, _) = await cli.RunAsync("memory", "show", "--agent", "refund-bot", "--db", cli.Database);
        Assert.Equal(0, showExit);
        Assert.Contains(version!, shown, StringComparison.Ordinal);
        Assert.Contains("`refund`", shown, StringComparison.Ordinal);

        var (againExit, again, _) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database);
        Assert.Equal(0, againExit);
        Assert.Contains("not enough sessions (0 < 10)", again, StringComparison.Ordinal);

        static string Session(int i) => i < 8
            ? $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""";
    }

    [Fact]
    public async Task With_lookback_a_dream_finds_a_failure_seen_twice_a_night_from_this_nights_and_last_nights_sessions()
    {
        using var cli = new CliRunner();
        var night1 = cli.WriteFile("night1.jsonl", string.Join('\n', Enumerable.Range(0, 10).Select(i => Session("a", i))));
        var night2 = cli.WriteFile("night2.jsonl", string.Join('\n', Enumerable.Range(0, 10).Select(i => Session("b", i))));
        Assert.Equal(0, (await cli.RunAsync("import", night1, "--agent", "refund-bot", "--db", cli.Database)).Exit);
        var (firstExit, first, firstError) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database, "--json");
        Assert.True(firstExit == 0, firstError);
        Assert.DoesNotContain(JsonDocument.Parse(first).RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("kind").GetString() == "tool_error");
        Assert.Equal(0, (await cli.RunAsync("import", night2, "--agent", "refund-bot", "--db", cli.Database)).Exit);

        var (exit, json, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--lookback", "7d", "--max-lookback-sessions", "50", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(10, root.GetProperty("sessions_read").GetInt32());
        var refund = root.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "tool_error");
        Assert.Equal((4, 4), (refund.GetProperty("sessions").GetInt32(), refund.GetProperty("failed_sessions").GetInt32()));

        static string Session(string night, int i) => i < 2
            ? $$$"""{"id":"{{{night}}}{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"{{{night}}}{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""";
    }

    [Fact]
    public async Task With_lookback_the_text_output_says_the_failures_count_the_earlier_sessions_mined_again()
    {
        // Two failed refunds a night: the second dream reads 10 new sessions and mines last night's 10 again, so its 4
        // failures are of 20 sessions, not of the 10 read.
        using var cli = new CliRunner();
        var night1 = cli.WriteFile("night1.jsonl", string.Join('\n', Enumerable.Range(0, 10).Select(i => Session("a", i))));
        var night2 = cli.WriteFile("night2.jsonl", string.Join('\n', Enumerable.Range(0, 10).Select(i => Session("b", i))));
        Assert.Equal(0, (await cli.RunAsync("import", night1, "--agent", "refund-bot", "--db", cli.Database)).Exit);
        var (firstExit, first, firstError) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(firstExit == 0, firstError);
        Assert.Contains("sessions read 10, failed 2, base failure rate 20%", first, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("import", night2, "--agent", "refund-bot", "--db", cli.Database)).Exit);

        var (exit, text, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--lookback", "7d", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("sessions read 10 (and 10 read by earlier dreams, mined again for the lookback), failed 4 of the 20 mined, base failure rate 20%", text, StringComparison.Ordinal);

        static string Session(string night, int i) => i < 2
            ? $$$"""{"id":"{{{night}}}{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"{{{night}}}{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""";
    }

    [Theory]
    [InlineData("0d")]
    [InlineData("366d")]
    [InlineData("7w")]
    [InlineData("d")]
    public async Task A_lookback_that_is_not_a_duration_up_to_365_days_is_refused(string value)
    {
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--lookback", value, "--db", cli.Database);

        Assert.NotEqual(0, exit);
        Assert.Contains($"--lookback must be a duration of more than 0 and at most 365d: a whole number and a unit, h or d (for example 36h or 7d); got '{value}'.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_lookback_sessions_without_a_lookback_is_refused_naming_both_options()
    {
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--max-lookback-sessions", "50", "--db", cli.Database);

        Assert.NotEqual(0, exit);
        Assert.Contains("--max-lookback-sessions needs --lookback DURATION (for example --lookback 7d): without it no earlier session is mined.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_model_writes_the_dreams_lessons()
    {
        var prompts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = LoopbackModel.Start(async context =>
        {
            using var reader = new StreamReader(context.Request.InputStream);
            prompts.Enqueue(await reader.ReadToEndAsync());
            var lessons = string.Join(',', Enumerable.Range(0, 5).Select(i => $$$"""{"finding":{{{i}}},"kind":"pitfall","text":"Model lesson {{{i}}}: check the order total before asking for a refund."}"""));
            var content = JsonSerializer.Serialize($$$"""{"lessons":[{{{lessons}}}]}""");
            await LoopbackModel.ReplyAsync(context, 200, $$$"""
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"reflector",
                 "choices":[{"index":0,"message":{"role":"assistant","content":{{{content}}}},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":900,"completion_tokens":100,"total_tokens":1000}}
                """);
        });
        using var cli = new CliRunner();
        var lines = Enumerable.Range(0, 14).Select(i => i < 8
            ? $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""");
        var (importExit, _, importError) = await cli.RunAsync("import", cli.WriteFile("log.jsonl", string.Join('\n', lines)), "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(importExit == 0, importError);

        var (exit, json, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database, "--json", "--model-endpoint", server.Endpoint.ToString(), "--model", "reflector");

        Assert.True(exit == 0, error);
        Assert.NotEmpty(prompts);
        Assert.All(prompts, p => Assert.Contains("\"model\":\"reflector\"", p, StringComparison.Ordinal));
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("reflector", root.GetProperty("model").GetString());
        Assert.Contains(root.GetProperty("changes").EnumerateArray(), c => c.GetProperty("op").GetString() == "add" && c.GetProperty("text").GetString()!.StartsWith("Model lesson 0:", StringComparison.Ordinal));

        // Without a model the lessons are the template's, and the text output says which wrote them.
        using var offline = new CliRunner();
        var (offlineImport, _, _) = await offline.RunAsync("import", offline.WriteFile("log.jsonl", string.Join('\n', lines)), "--agent", "refund-bot", "--db", offline.Database);
        Assert.Equal(0, offlineImport);
        var (offlineExit, text, _) = await offline.RunAsync("dream", "--agent", "refund-bot", "--db", offline.Database);
        Assert.Equal(0, offlineExit);
        Assert.Contains("lessons by: template (offline", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Model lesson", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_model_that_fails_leaves_template_lessons_and_a_note_naming_the_failure()
    {
        await using var server = LoopbackModel.Start(async context =>
        {
            var echoed = context.Request.Headers["Authorization"];
            await LoopbackModel.ReplyAsync(context, 401, $$$"""{"error":{"message":"bad key {{{echoed}}}"}}""");
        });
        using var cli = new CliRunner();
        var lines = Enumerable.Range(0, 14).Select(i => i < 8
            ? $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""");
        var (importExit, _, importError) = await cli.RunAsync("import", cli.WriteFile("log.jsonl", string.Join('\n', lines)), "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(importExit == 0, importError);
        var (exit, json, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database, "--json", "--model-endpoint", server.Endpoint.ToString(), "--model", "reflector");

        // The run completes on template lessons; the note names the endpoint's refusal, and 'model' the model asked.
        Assert.True(exit == 0, error);
        Assert.Equal(string.Empty, error);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.Equal("reflector", root.GetProperty("model").GetString());
        Assert.StartsWith("1 of 1 lessons written by template (the reflector failed: The model endpoint", root.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Contains("HTTP 401 Unauthorized: bad key Bearer ", root.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Contains(root.GetProperty("changes").EnumerateArray(), c => c.GetProperty("op").GetString() == "add");
    }

    [Fact]
    public async Task Approval_mode_leaves_the_version_proposed_until_approved_from_the_command_line()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);

        var (activeExit, active, _) = await cli.RunAsync("memory", "show", "--agent", "support-bot", "--db", cli.Database, "--json");
        Assert.Equal(0, activeExit);
        var demoVersion = JsonDocument.Parse(active).RootElement.GetProperty("id").GetString()!;

        // The demo's own dream read its first 12 sessions; this one reads the 12 that were given the memory and credits it.
        var (exit, json, _) = await cli.RunAsync("dream", "--agent", "support-bot", "--review", "approval", "--min-sessions", "5", "--db", cli.Database, "--json");
        Assert.Equal(0, exit);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(12, root.GetProperty("sessions_read").GetInt32());
        Assert.Contains(root.GetProperty("changes").EnumerateArray(), c => c.GetProperty("op").GetString() == "update");
        var version = root.GetProperty("output_version").GetString()!;
        var (stillOld, still, _) = await cli.RunAsync("memory", "show", "--agent", "support-bot", "--db", cli.Database, "--json");
        Assert.Equal(0, stillOld);
        Assert.Equal(demoVersion, JsonDocument.Parse(still).RootElement.GetProperty("id").GetString());

        var (approveExit, _, _) = await cli.RunAsync("memory", "approve", version, "--by", "ada", "--db", cli.Database);
        Assert.Equal(0, approveExit);
        var (showExit, shown, _) = await cli.RunAsync("memory", "show", "--agent", "support-bot", "--db", cli.Database);
        Assert.Equal(0, showExit);
        Assert.Contains(version, shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_named()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);

        var (exit, _, error) = await cli.RunAsync("dream", "--agent", "support-bot", "--instructions", new string('x', 5000), "--db", cli.Database);
        Assert.Equal(1, exit);
        Assert.Contains("4096", error.Replace(",", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        var (unknownExit, unknown, _) = await cli.RunAsync("dream", "--agent", "nobody", "--db", cli.Database);
        Assert.Equal(0, unknownExit);
        Assert.Contains("not enough sessions (0 < 10): no sessions are recorded for agent 'nobody'", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dream_cancelled_at_any_point_exits_130_never_1()
    {
        using var cli = new CliRunner();
        var lines = Enumerable.Range(0, 3000).Select(i => i % 2 == 0
            ? $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""");
        var (importExit, _, importError) = await cli.RunAsync("import", cli.WriteFile("log.jsonl", string.Join('\n', lines)), "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(importExit == 0, importError);

        // Before the run starts, while it reads or mines, or after it completed: 130 or 0, never the 1 of an error.
        var exits = new List<(int Delay, int Exit, string Output)>();
        // 0: cancelled before the command starts, which must give 130 however busy the machine is (a timer of 30 ms can
        // fire after a whole dream on a loaded machine, so the other delays may all complete).
        foreach (var delay in new[] { 0, 30, 60, 100, 150, 250, 400 })
        {
            using var cancel = new CancellationTokenSource();
            if (delay == 0)
            {
                await cancel.CancelAsync();
            }
            else
            {
                cancel.CancelAfter(delay);
            }

            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await DreamingCommandLine.InvokeAsync(["dream", "--agent", "refund-bot", "--db", cli.Database, "--max-sessions", "3000", "--json"], output, error, cancellationToken: cancel.Token, environment: CliRunner.NoEnvironment);
            exits.Add((delay, exit, output.ToString()));
        }

        Assert.All(exits, e => Assert.True(e.Exit is 0 or 130, $"cancelled after {e.Delay} ms: exit {e.Exit}, {e.Output}"));
        Assert.True(exits.Any(e => e.Exit == 130), string.Join("; ", exits.Select(e => $"{e.Delay} ms: exit {e.Exit}, {e.Output[..Math.Min(300, e.Output.Length)]}")));
    }
}
