using System.Net;
using System.Net.Sockets;
using System.Text;
using Dreaming.Cli.Model;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Tests;

public partial class ModelClientTests
{
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

        // Four tries, each bounded (four unbounded ones would take 400 s, past the wait above). On a loaded machine a
        // try can time out before its request reaches the server, so only the bounds are certain.
        Assert.InRange(server.Requests, 1, 4);
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
}
