using System.Net;
using System.Net.Sockets;
using System.Text;
using Dreaming.Cli.Model;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Tests;

public class ModelClientTests
{
    [Fact]
    public void Without_an_endpoint_no_client_is_created_and_the_message_says_what_to_set()
    {
        var settings = ModelSettings.FromEnvironment(_ => null);
        Assert.False(settings.IsConfigured);
        Assert.Null(ModelClientFactory.TryCreate(settings));
        Assert.Contains(ModelSettings.EndpointVariable, settings.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_endpoint_is_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => ModelSettings.FromEnvironment(name => name == ModelSettings.EndpointVariable ? "not a url" : null));
        Assert.Contains("not an http or https URL", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a url", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:11434/v1")]
    [InlineData("ftp://127.0.0.1/v1")]
    [InlineData("/v1")]
    public async Task An_endpoint_that_is_not_an_http_URL_is_refused_naming_it(string endpoint)
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("model", "--check", "--model-endpoint", endpoint, "--model", "m");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: {ModelSettings.EndpointVariable} (or --model-endpoint) is '{endpoint}', which is not an http or https URL (for example http://localhost:11434/v1).", error.TrimEnd());
    }

    [Fact]
    public async Task The_client_speaks_the_OpenAI_chat_completions_wire_format_to_a_loopback_server()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var served = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var reply = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"local-model",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"ready"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}
                """;
            var bytes = Encoding.UTF8.GetBytes(reply);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
            return (context.Request.Url!.AbsolutePath, context.Request.Headers["Authorization"], body);
        });

        var settings = new ModelSettings(new Uri($"http://127.0.0.1:{port}/v1"), "local-model", "test-key");
        using var client = ModelClientFactory.TryCreate(settings)!;
        var response = await client.GetResponseAsync("Reply with the single word: ready");
        var (path, authorization, body) = await served;

        Assert.Equal("ready", response.Text);
        Assert.Equal(9, response.Usage?.InputTokenCount);
        Assert.Equal("/v1/chat/completions", path);
        Assert.Equal("Bearer test-key", authorization);
        Assert.Contains("\"model\":\"local-model\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_line_options_configure_the_model()
    {
        using var cli = new CliRunner();
        var (exit, json, error) = await cli.RunAsync("model", "--model-endpoint", "http://127.0.0.1:11434/v1", "--model", "llama3.1", "--json");

        Assert.True(exit == 0, error);
        var root = System.Text.Json.JsonDocument.Parse(json).RootElement;
        Assert.True(root.GetProperty("configured").GetBoolean());
        Assert.Equal("llama3.1", root.GetProperty("model").GetString());
        Assert.Equal("http://127.0.0.1:11434/v1", root.GetProperty("endpoint").GetString());

        var (badExit, _, badError) = await cli.RunAsync("model", "--model-endpoint", "not a url", "--model", "x");
        Assert.Equal(1, badExit);
        Assert.Contains("not a url", badError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401, "Unauthorized", "DREAMING_MODEL_API_KEY")]
    [InlineData(404, "Not Found", "/v1")]
    [InlineData(400, "Bad Request", "HTTP 400")]
    public async Task An_HTTP_error_reads_as_one_line_naming_the_status_is_not_retried_and_never_holds_the_key(int status, string reason, string hint)
    {
        // The endpoint echoes the Authorization header it got, as some proxies do.
        await using var server = LoopbackModel.Start(async context =>
        {
            var echoed = context.Request.Headers["Authorization"];
            await LoopbackModel.ReplyAsync(context, status, $$$"""{"error":{"message":"nope for {{{echoed}}}","type":"invalid_request_error"}}""");
        });
        using var client = ModelClientFactory.TryCreate(new ModelSettings(server.Endpoint, "local-model", "sk-test-secret-key"))!;

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync("hello"));

        Assert.DoesNotContain("sk-test-secret-key", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains($"HTTP {status} {reason}: nope for Bearer ***", ex.Message, StringComparison.Ordinal);
        Assert.Contains(hint, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'local-model'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task A_secret_in_the_endpoints_user_info_or_query_is_never_shown()
    {
        using var cli = new CliRunner();
        const string endpoint = "http://user:sk-userinfo-secret@127.0.0.1:9/v1?api-key=sk-query-secret";

        var (textExit, text, textError) = await cli.RunAsync("model", "--model-endpoint", endpoint, "--model", "m");
        var (jsonExit, json, jsonError) = await cli.RunAsync("model", "--json", "--model-endpoint", endpoint, "--model", "m");

        Assert.True(textExit == 0, textError);
        Assert.True(jsonExit == 0, jsonError);
        Assert.Contains("model: m at http://127.0.0.1:9/v1 (api key", text, StringComparison.Ordinal);
        Assert.Equal("http://127.0.0.1:9/v1", System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("endpoint").GetString());
        Assert.DoesNotContain("secret", text + json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_error_message_cut_inside_the_echoed_key_shows_no_part_of_the_key()
    {
        // The body's message is cut at 300 characters; here the cut falls inside the echoed key.
        var padding = new string('x', 285);
        await using var server = LoopbackModel.Start(async context =>
        {
            var echoed = context.Request.Headers["Authorization"];
            await LoopbackModel.ReplyAsync(context, 401, $$$"""{"error":{"message":"{{{padding}}} {{{echoed}}}"}}""");
        });
        using var client = ModelClientFactory.TryCreate(new ModelSettings(server.Endpoint, "local-model", "sk-distinctive-secret-0123456789"))!;

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync("hello"));

        Assert.DoesNotContain("sk-dis", ex.ToString(), StringComparison.Ordinal);
        Assert.Contains(padding + " Bearer ***", ex.Message, StringComparison.Ordinal);
    }

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
        var port = FreePort();
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

    [Fact]
    public async Task Model_timeout_bounds_each_try_of_a_call_to_a_hung_endpoint()
    {
        // Without it each try gets the SDK's 100 s, four tries in all: a hung local server held the command seven minutes.
        var release = new TaskCompletionSource();
        await using var server = LoopbackModel.Start(async context =>
        {
            await release.Task;
            await LoopbackModel.ReplyAsync(context, 500, "late");
        });
        using var output = new StringWriter();
        using var error = new StringWriter();

        var run = DreamingCommandLine.InvokeAsync(["model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m", "--model-timeout", "0.25"], output, error);
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(60));
        release.TrySetResult();

        Assert.Equal(1, exit);
        Assert.Contains("gave no answer in time", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(4, server.Requests);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("3601")]
    [InlineData("NaN")]
    [InlineData("1e-9")]
    public async Task A_model_timeout_that_is_not_a_number_of_seconds_in_range_is_refused_naming_it(string timeout)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await DreamingCommandLine.InvokeAsync(["model", "--model-endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--model-timeout", timeout], output, error);

        Assert.Equal(1, exit);
        Assert.Contains($"DREAMING_MODEL_TIMEOUT (or --model-timeout) is '{timeout}'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_timeout_is_read_from_the_environment_and_shown()
    {
        var settings = ModelSettings.FromEnvironment(name => name switch
        {
            ModelSettings.EndpointVariable => "http://localhost:11434/v1",
            ModelSettings.ModelVariable => "llama3.1",
            ModelSettings.TimeoutVariable => " 30 ",
            _ => null,
        });

        Assert.Equal(TimeSpan.FromSeconds(30), settings.Timeout);
        Assert.Contains(", 30 s a try", settings.Describe(), StringComparison.Ordinal);
        Assert.Null(ModelSettings.FromEnvironment(name => name == ModelSettings.TimeoutVariable ? "" : null).Timeout);
    }

    [Fact]
    public async Task Model_json_gives_the_timeout()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await DreamingCommandLine.InvokeAsync(["model", "--json", "--model-endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--model-timeout", "2.5"], output, error);

        Assert.Equal(0, exit);
        using var json = System.Text.Json.JsonDocument.Parse(output.ToString());
        Assert.Equal(2.5, json.RootElement.GetProperty("timeoutSeconds").GetDouble());
    }

    [Fact]
    public async Task Ctrl_C_during_a_model_call_that_hangs_exits_130()
    {
        var release = new TaskCompletionSource();
        await using var server = LoopbackModel.Start(async context =>
        {
            await release.Task;
            await LoopbackModel.ReplyAsync(context, 500, "late");
        });
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = DreamingCommandLine.InvokeAsync(["model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m"], output, error, cancellationToken: stop.Token);
        await server.FirstRequest.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();

        var exit = await run.WaitAsync(TimeSpan.FromSeconds(30));
        release.TrySetResult();

        Assert.Equal(130, exit);
        Assert.Equal("canceled", error.ToString().TrimEnd());
    }

    [Fact]
    public async Task Ctrl_C_while_waiting_out_a_429s_Retry_After_exits_130_at_once()
    {
        await using var server = LoopbackModel.Start(context =>
        {
            context.Response.Headers["Retry-After"] = "60";
            return LoopbackModel.ReplyAsync(context, 429, """{"error":{"message":"slow down"}}""");
        });
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = DreamingCommandLine.InvokeAsync(["model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m"], output, error, cancellationToken: stop.Token);
        await server.FirstRequest.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(200);
        await stop.CancelAsync();

        var exit = await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(130, exit);
        Assert.Equal("canceled", error.ToString().TrimEnd());
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task A_timeout_inside_the_client_is_an_error_not_a_cancellation()
    {
        var settings = new ModelSettings(new Uri("http://127.0.0.1:9/v1"), "m", "sk-secret");
        using var client = new ModelEndpointChatClient(new ThrowingChatClient(new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:01:40.")), settings);

        var ex = await Assert.ThrowsAsync<ModelEndpointException>(() => client.GetResponseAsync("hello"));
        Assert.Contains("gave no answer in time", ex.Message, StringComparison.Ordinal);

        // The caller's own cancellation stays one.
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        using var cancelling = new ModelEndpointChatClient(new ThrowingChatClient(new OperationCanceledException(canceled.Token)), settings);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelling.GetResponseAsync("hello", cancellationToken: canceled.Token));
    }

    [Fact]
    public async Task A_streamed_call_that_fails_reads_as_one_line_too()
    {
        await using var server = LoopbackModel.Start(context => LoopbackModel.ReplyAsync(context, 401, """{"error":{"message":"bad key"}}"""));
        using var client = ModelClientFactory.TryCreate(new ModelSettings(server.Endpoint, "m", "sk-x"))!;

        var ex = await Assert.ThrowsAsync<ModelEndpointException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("hello"))
            {
                _ = update;
            }
        });

        Assert.Contains("HTTP 401 Unauthorized: bad key.", ex.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingChatClient(Exception exception) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromException<ChatResponse>(exception);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw exception;

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
