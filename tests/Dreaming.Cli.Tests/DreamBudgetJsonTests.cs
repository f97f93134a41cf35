using System.Text.Json;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming dream --json</c> gives what a token budget counts, estimate included.</summary>
public class DreamBudgetJsonTests
{
    [Fact]
    public async Task A_reflector_that_reports_no_usage_shows_its_estimate_in_budget_tokens_used()
    {
        await using var server = LoopbackModel.Start(async context =>
        {
            var lessons = string.Join(',', Enumerable.Range(0, 5).Select(i => $$$"""{"finding":{{{i}}},"kind":"pitfall","text":"Model lesson {{{i}}}: check the order total before asking for a refund."}"""));
            var content = JsonSerializer.Serialize($$$"""{"lessons":[{{{lessons}}}]}""");
            // No "usage": the reflector's tokens are estimated.
            await LoopbackModel.ReplyAsync(context, 200, $$$"""
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"reflector",
                 "choices":[{"index":0,"message":{"role":"assistant","content":{{{content}}}},"finish_reason":"stop"}]}
                """);
        });
        using var cli = new CliRunner();
        await ImportAsync(cli);

        var (exit, json, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database, "--json", "--model-endpoint", server.Endpoint.ToString(), "--model", "reflector");

        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.True(root.GetProperty("budget_tokens_estimated").GetBoolean(), json);
        Assert.True(root.GetProperty("budget_tokens_used").GetInt64() > 0, json);
        Assert.Equal(0, root.GetProperty("usage").GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task An_offline_dream_shows_no_budget_tokens_and_no_estimate()
    {
        using var cli = new CliRunner();
        await ImportAsync(cli);

        var (exit, json, error) = await cli.RunAsync("dream", "--agent", "refund-bot", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(0, root.GetProperty("budget_tokens_used").GetInt64());
        Assert.False(root.GetProperty("budget_tokens_estimated").GetBoolean());
    }

    private static async Task ImportAsync(CliRunner cli)
    {
        var lines = Enumerable.Range(0, 14).Select(i => i < 8
            ? $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""");
        var (exit, _, error) = await cli.RunAsync("import", cli.WriteFile("log.jsonl", string.Join('\n', lines)), "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(exit == 0, error);
    }
}
