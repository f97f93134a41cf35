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
        Assert.Contains("not a url", ex.Message, StringComparison.Ordinal);
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

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
