using System.Net;
using System.Text;
using Dreaming.Cli.Model;
using Dreaming.Tests;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Tests;

public partial class ModelClientTests
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
        using var listener = new HttpListener();
        var port = LoopbackHttp.Start(listener);
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
}
