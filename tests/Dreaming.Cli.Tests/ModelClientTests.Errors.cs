using System.Net;
using System.Net.Sockets;
using System.Text;
using Dreaming.Cli.Model;
using Dreaming.Tests;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Tests;

public partial class ModelClientTests
{
    [Fact]
    public async Task A_server_error_is_retried_by_the_SDK_and_then_read_as_one_line()
    {
        await using var server = LoopbackModel.Start(context => LoopbackModel.ReplyAsync(context, 500, "upstream exploded"));
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: The model endpoint {server.Endpoint} (model 'm') answered HTTP 500 Internal Server Error: upstream exploded.", error.TrimEnd());
        Assert.Equal(4, server.Requests);
    }

    [Fact]
    public async Task An_error_message_with_half_a_surrogate_pair_escaped_is_still_an_HTTP_error_naming_the_status()
    {
        // JSON may write half a pair as an escape (a gateway cutting "\ud83d\ude00" in two when it shortens a message);
        // reading that message threw InvalidOperationException ('Cannot read invalid UTF-16 JSON text') out of the error's
        // translation, so the status, the message and the key hint were lost.
        await using var server = LoopbackModel.Start(context => LoopbackModel.ReplyAsync(context, 401, """{"error":{"message":"bad key for caf\ud83d"}}"""));
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: The model endpoint {server.Endpoint} (model 'm') answered HTTP 401 Unauthorized: bad key for caf\\ud83d. Check the key in DREAMING_MODEL_API_KEY (or OPENAI_API_KEY).", error.TrimEnd());
    }

    [Fact]
    public async Task A_reply_that_is_not_JSON_is_a_one_line_error_not_a_stack_trace()
    {
        await using var server = LoopbackModel.Start(context => LoopbackModel.ReplyAsync(context, 200, "<html>login page</html>"));
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m");

        Assert.Equal(1, exit);
        Assert.StartsWith("error: The model endpoint", error, StringComparison.Ordinal);
        Assert.Contains("not JSON", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_named_once_with_the_tries_it_took()
    {
        var port = LoopbackHttp.FreePort();
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("model", "--check", "--model-endpoint", $"http://127.0.0.1:{port}/v1", "--model", "m");

        Assert.Equal(1, exit);
        Assert.True(error.StartsWith($"error: The model endpoint http://127.0.0.1:{port}/v1 (model 'm') failed 4 times: could not be reached: ", StringComparison.Ordinal), error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Equal(error.IndexOf("127.0.0.1:" + port + ")", StringComparison.Ordinal), error.LastIndexOf("127.0.0.1:" + port + ")", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reply_cut_off_midway_is_one_line_saying_so()
    {
        await using var server = LoopbackModel.Start(async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = 500;
            await context.Response.OutputStream.WriteAsync("{\"id\":\"x\",\"choices\":["u8.ToArray());
            context.Response.Abort();
        });
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m");

        Assert.Equal(1, exit);
        Assert.Contains("(model 'm') failed 4 times: broke off the exchange: The response ended prematurely", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData(401, 1)]
    [InlineData(500, 4)]
    public async Task Grade_on_a_failing_endpoint_asks_it_only_as_often_as_the_SDK_retries_and_reports_the_criterion_failed(int status, int requests)
    {
        await using var server = LoopbackModel.Start(context => LoopbackModel.ReplyAsync(context, status, """{"error":{"message":"no grading today"}}"""));
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("rubric.md", "# Reply\n- Apologises once and stays concise\n");
        var input = cli.WriteFile("reply.txt", "Sorry about that.");

        var (exit, output, error) = await cli.RunAsync("grade", "--rubric", rubric, "--input", input, "--model-endpoint", server.Endpoint.ToString(), "--model", "grader", "--json");

        Assert.True(exit == 1, error);
        var criterion = System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("criteria")[0];
        Assert.Equal("error", criterion.GetProperty("verdict").GetString());
        Assert.Contains($"HTTP {status}", criterion.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("no grading today", criterion.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(requests, server.Requests);
    }

    [Fact]
    public async Task Orchestrate_on_an_endpoint_refusing_the_key_asks_once_per_item_and_names_the_refusal()
    {
        await using var server = LoopbackModel.Start(context => LoopbackModel.ReplyAsync(context, 401, """{"error":{"message":"bad key"}}"""));
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """{"goal":"g","agents":[{"name":"a","instructions":"i"}],"items":[{"id":"one","agent":"a","instructions":"do","dependsOn":[]}]}""");

        var (exit, output, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database, "--model-endpoint", server.Endpoint.ToString(), "--model", "m", "--json");

        Assert.True(exit == 2, error);
        var item = System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("items")[0];
        Assert.Equal("failed", item.GetProperty("status").GetString());
        Assert.Equal(1, item.GetProperty("attempts").GetInt32());
        Assert.Contains("HTTP 401 Unauthorized: bad key.", item.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task A_key_read_with_a_trailing_line_break_is_trimmed_and_never_shown()
    {
        string? authorization = null;
        await using var server = LoopbackModel.Start(context =>
        {
            authorization = context.Request.Headers["Authorization"];
            return LoopbackModel.ReplyAsync(context, 401, """{"error":{"message":"bad key"}}""");
        });
        // As 'export DREAMING_MODEL_API_KEY=$(cat key.txt)' would not, but an env file or a secret store may.
        var settings = ModelSettings.FromEnvironment(name => name switch
        {
            ModelSettings.EndpointVariable => server.Endpoint.ToString(),
            ModelSettings.ModelVariable => "m",
            ModelSettings.ApiKeyVariable => "sk-line-break-key\n",
            _ => null,
        });
        using var client = ModelClientFactory.TryCreate(settings)!;

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync("hello"));

        Assert.True(ex.Message.Contains("HTTP 401", StringComparison.Ordinal), ex.ToString());
        Assert.Equal("Bearer sk-line-break-key", authorization);
        Assert.DoesNotContain("sk-line-break-key", ex.ToString(), StringComparison.Ordinal);
        Assert.Contains("HTTP 401", ex.Message, StringComparison.Ordinal);

        // A blank key falls back to OPENAI_API_KEY, as an unset one does.
        var fallback = ModelSettings.FromEnvironment(name => name switch { ModelSettings.ApiKeyVariable => " ", "OPENAI_API_KEY" => "sk-openai", _ => null });
        Assert.Equal("sk-openai", fallback.ApiKey);
    }

    [Fact]
    public async Task Orchestrate_with_a_configured_model_has_it_judge_the_model_judged_criteria_of_an_items_rubric()
    {
        var graded = 0;
        await using var server = LoopbackModel.Start(async context =>
        {
            using var reader = new StreamReader(context.Request.InputStream);
            var request = await reader.ReadToEndAsync();
            var grading = request.Contains("criterion-1", StringComparison.Ordinal);
            if (grading)
            {
                Interlocked.Increment(ref graded);
            }

            var content = System.Text.Json.JsonSerializer.Serialize(grading ? """{"criteria":[{"id":"criterion-1","reason":"it is polite","verdict":"met"}]}""" : "Thank you, here it is.");
            await LoopbackModel.ReplyAsync(context, 200, $$$"""
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m",
                 "choices":[{"index":0,"message":{"role":"assistant","content":{{{content}}}},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}
                """);
        });
        using var cli = new CliRunner();
        cli.WriteFile("polite.md", "# Reply\n- Is polite\n");
        var plan = cli.WriteFile("plan.json", """{"goal":"g","agents":[{"name":"a","instructions":"i"}],"items":[{"id":"one","agent":"a","instructions":"do","dependsOn":[],"rubric":"polite.md"}]}""");

        var (exit, output, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database, "--model-endpoint", server.Endpoint.ToString(), "--model", "m", "--json");

        Assert.True(exit == 0, error + output);
        var item = System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("items")[0];
        Assert.Equal("completed", item.GetProperty("status").GetString());
        Assert.Equal("satisfied", item.GetProperty("outcome").GetString());
        Assert.Equal(1, graded);
    }
}
