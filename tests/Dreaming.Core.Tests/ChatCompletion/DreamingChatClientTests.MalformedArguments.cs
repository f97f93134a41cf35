using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

// A model's tool-call arguments that are not valid JSON: the provider gives the call no arguments and the parse error.
public partial class DreamingChatClientTests
{
    private static AIFunction LookupOrderTool => AIFunctionFactory.Create((string orderId) => "shipped " + orderId, "lookup_order");

    // What Microsoft.Extensions.AI.OpenAI does with the arguments text it gets: an InvalidOperationException ("Error
    // parsing function call arguments.") around the JsonException, and null arguments.
    private static FunctionCallContent MalformedCall(string callId, string arguments, Func<string, IDictionary<string, object?>?>? parser = null) =>
        FunctionCallContent.CreateFromParsedArguments(arguments, callId, "lookup_order", parser ?? (json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json)));

    private static FakeChatClient ModelSending(FunctionCallContent call)
    {
        var calls = 0;
        return new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(Interlocked.Increment(ref calls) == 1
                ? new ChatResponse(new ChatMessage(ChatRole.Assistant, [call]))
                : new ChatResponse(new ChatMessage(ChatRole.Assistant, "sorry"))),
            GetStreamingResponseAsyncCallback = (_, _, _) => One(Interlocked.Increment(ref calls) == 1
                ? new ChatResponseUpdate(ChatRole.Assistant, [call])
                : new ChatResponseUpdate(ChatRole.Assistant, "sorry")),
        };

        static async IAsyncEnumerable<ChatResponseUpdate> One(ChatResponseUpdate update)
        {
            await Task.Yield();
            yield return update;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_whose_arguments_are_not_valid_json_records_the_parse_error(bool streaming)
    {
        var call = MalformedCall("call_1", "{\"orderId\": 42");
        Assert.Null(call.Arguments);
        var parseError = Assert.IsType<JsonException>(call.Exception?.InnerException, exactMatch: false).Message;
        await using var host = TracingHost.Create(ModelSending(call), b => b.UseDreaming().UseFunctionInvocation());
        await using var session = host.Sessions.StartSession("agent", "check order");

        var options = new ChatOptions { Tools = [LookupOrderTool] };
        var reply = streaming
            ? await host.Chat.GetStreamingResponseAsync("check 42", options).ToChatResponseAsync().WaitAsync(TimeSpan.FromSeconds(30))
            : await host.Chat.GetResponseAsync("check 42", options).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("sorry", reply.Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var recorded = Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Equal(("call_1", "lookup_order", null), (recorded.CallId, recorded.ToolName, recorded.Arguments));
        Assert.Equal(call.Exception!.Message + " " + parseError, recorded.ArgumentsError);

        // The result UseFunctionInvocation() then gives is the missing argument's error, which follows from the call's.
        Assert.True(Assert.Single(events.OfType<ToolResultEvent>()).IsError);
    }

    [Fact]
    public async Task A_call_whose_arguments_were_read_records_no_arguments_error()
    {
        var call = FunctionCallContent.CreateFromParsedArguments("{\"orderId\":\"42\"}", "call_1", "lookup_order", json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json));
        await using var host = TracingHost.Create(ModelSending(call), b => b.UseDreaming().UseFunctionInvocation());
        await using var session = host.Sessions.StartSession("agent", "check order");

        await host.Chat.GetResponseAsync("check 42", new ChatOptions { Tools = [LookupOrderTool] }).WaitAsync(TimeSpan.FromSeconds(30));
        await session.CompleteAsync();

        var recorded = Assert.Single((await host.EventsAsync(session.Id)).OfType<ToolCallEvent>());
        Assert.Equal(("{\"orderId\":\"42\"}", null), (recorded.Arguments, recorded.ArgumentsError));
    }

    [Fact]
    public async Task An_arguments_error_is_redacted_and_truncated_like_any_content()
    {
        const string Password = "Tr0ub4dorXq3";
        var call = MalformedCall("call_1", "x", _ => throw new JsonException($"unexpected end near Password={Password} " + new string('z', 1000)));
        await using var host = TracingHost.Create(ModelSending(call), b => b.UseDreaming().UseFunctionInvocation(), o => o.MaxContentLength = 256);
        await using var session = host.Sessions.StartSession("agent", "check order");

        await host.Chat.GetResponseAsync("check 42", new ChatOptions { Tools = [LookupOrderTool] }).WaitAsync(TimeSpan.FromSeconds(30));
        await session.CompleteAsync();

        var error = Assert.Single((await host.EventsAsync(session.Id)).OfType<ToolCallEvent>()).ArgumentsError;
        Assert.NotNull(error);
        Assert.Contains("[REDACTED:password]", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
        Assert.True(error.Length < 400, error);
    }
}
