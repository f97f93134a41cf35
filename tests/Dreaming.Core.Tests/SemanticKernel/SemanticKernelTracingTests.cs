using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Dreaming.Tests;

#pragma warning disable SKEXP0001 // AsChatCompletionService is experimental in Semantic Kernel 1.82.

/// <summary>An adopter's trial with Semantic Kernel 1.82: a <see cref="Kernel"/> whose chat completion service is an
/// <see cref="IChatClient"/> with <c>UseDreaming()</c>, Semantic Kernel's automatic function calling
/// (<see cref="FunctionChoiceBehavior.Auto"/>, run by its <c>UseKernelFunctionInvocation()</c>) calling a plugin's
/// function, and the <see cref="ChatHistory"/> the app keeps between turns (docs/semantic-kernel.md).</summary>
public partial class SemanticKernelTracingTests
{
    private const string SystemPrompt = "You look up orders.";

    /// <summary><c>UseDreaming()</c> outside <c>UseKernelFunctionInvocation()</c> or inside it; streamed or not.</summary>
    public static TheoryData<bool, bool> Pipelines => new() { { true, false }, { true, true }, { false, false }, { false, true } };

    private static readonly PromptExecutionSettings Auto = new() { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };

    /// <summary>One turn in a session: the system prompt, the user's message, the tool call and its result (run by
    /// Semantic Kernel's function invocation) and the answer are recorded once each, with the model's call id, and the
    /// usage of every round trip.</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task A_turn_with_automatic_function_calling_records_the_tool_call_and_result_once(bool dreamingOutside, bool streaming)
    {
        await using var host = Host(out var model, dreamingOutside);
        var history = new ChatHistory(SystemPrompt);

        await using var session = host.Sessions.StartSession("support-bot", "check order 42");
        Assert.Equal("order 42: shipped", await TurnAsync(host, history, "check order 42", streaming));
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("system", SystemPrompt), ("user", "check order 42"), ("assistant", "order 42: shipped")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        var call = Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Equal("call-42", call.CallId);
        Assert.Equal(model.OfferedTool, call.ToolName);
        Assert.Equal("""{"orderId":"42"}""", call.Arguments);
        var result = Assert.Single(events.OfType<ToolResultEvent>());
        Assert.Equal("call-42", result.CallId);
        Assert.Equal(call.ToolName, result.ToolName);
        Assert.Equal("shipped", result.Result);
        Assert.False(result.IsError);
        Assert.True(call.Sequence < result.Sequence);

        // Outside Semantic Kernel's function invocation one model.response per turn, inside one per round trip.
        var responses = events.OfType<ModelResponseEvent>().ToList();
        Assert.Equal(dreamingOutside ? 1 : 2, responses.Count);
        Assert.Equal(30, responses.Sum(r => r.Usage.InputTokens));
        Assert.Equal(2, model.Requests.Count);
    }

    /// <summary>Turn 2 sends turn 1 again (the <see cref="ChatHistory"/> Semantic Kernel filled with the tool round and
    /// the app with the answer): only turn 2's messages are recorded, its two parallel tool calls in the model's order,
    /// each result after its call.</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task A_second_turn_records_only_its_own_messages(bool dreamingOutside, bool streaming)
    {
        await using var host = Host(out _, dreamingOutside);
        var history = new ChatHistory(SystemPrompt);

        await using var session = host.Sessions.StartSession("support-bot", "check orders");
        Assert.Equal("order 42: shipped", await TurnAsync(host, history, "check order 42", streaming));
        Assert.Equal("order 43: shipped\norder 44: shipped", await TurnAsync(host, history, "now orders 43 and 44", streaming));
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [
                ("system", SystemPrompt), ("user", "check order 42"), ("assistant", "order 42: shipped"),
                ("user", "now orders 43 and 44"), ("assistant", "order 43: shipped\norder 44: shipped"),
            ],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(["call-42", "call-43", "call-44"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Equal(["call-42", "call-43", "call-44"], events.OfType<ToolResultEvent>().Select(c => c.CallId));
        Assert.Equal(
            ["call:call-42", "result:call-42", "call:call-43", "call:call-44", "result:call-43", "result:call-44"],
            events.Where(e => e is ToolCallEvent or ToolResultEvent).Select(e => e is ToolCallEvent c ? "call:" + c.CallId : "result:" + ((ToolResultEvent)e).CallId));
    }

    /// <summary>A model that writes text before its tool calls ("Let me check."): streamed, Semantic Kernel keeps the
    /// calls in the <see cref="ChatHistory"/> without that text, which the app receives as part of its answer. The next
    /// turn still records each tool call and result once: a message of tool calls is identified by its calls, not by
    /// the text that came with them. The answer the app adds after a streamed preamble is recorded again
    /// (semantic-kernel.md, 'What is recorded').</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task A_tool_round_with_text_before_its_calls_is_recorded_once_over_two_turns(bool dreamingOutside, bool streaming)
    {
        await using var host = Host(out var model, dreamingOutside);
        model.Preamble = "Let me check. ";
        var history = new ChatHistory(SystemPrompt);

        await using var session = host.Sessions.StartSession("support-bot", "check orders");
        await TurnAsync(host, history, "check order 42", streaming);
        await TurnAsync(host, history, "now order 43", streaming);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["call-42", "call-43"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Equal(["call-42", "call-43"], events.OfType<ToolResultEvent>().Select(c => c.CallId));
        Assert.Equal(["check order 42", "now order 43"], events.OfType<MessageEvent>().Where(m => m.Role == "user").Select(m => m.Text));
        // Streamed, the answer the app adds (the preamble and the answer, never one message of the model's) is new.
        Assert.Equal(
            streaming
                ? ["Let me check. ", "order 42: shipped", "Let me check. order 42: shipped", "Let me check. ", "order 43: shipped"]
                : ["Let me check. ", "order 42: shipped", "Let me check. ", "order 43: shipped"],
            events.OfType<MessageEvent>().Where(m => m.Role == "assistant").Select(m => m.Text));
    }

    /// <summary>A plugin function that throws is recorded as a tool error, with the exception's type and message, which
    /// mining reads as a failed call of that tool; Semantic Kernel tells the model only that the function failed.</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task A_kernel_function_that_throws_is_recorded_as_a_tool_error(bool dreamingOutside, bool streaming)
    {
        await using var host = Host(out _, dreamingOutside);
        var history = new ChatHistory(SystemPrompt);

        await using var session = host.Sessions.StartSession("support-bot", "check order 13");
        var answer = await TurnAsync(host, history, "check order 13", streaming);
        await session.CompleteAsync();

        Assert.StartsWith("order 13: Error:", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("locked", answer, StringComparison.Ordinal);
        var result = Assert.Single((await host.EventsAsync(session.Id)).OfType<ToolResultEvent>());
        Assert.Equal("call-13", result.CallId);
        Assert.True(result.IsError);
        Assert.Equal(nameof(InvalidOperationException), result.ErrorType);
        Assert.Equal("order 13 is locked", result.ErrorMessage);
    }

    /// <summary>The host an adopter builds: Dreaming, the chat client with Semantic Kernel's function invocation, its
    /// chat completion service, and a kernel with the orders plugin (<c>AddKernel()</c>).</summary>
    internal static TracingHost Host(out KernelToolModel model, bool dreamingOutside, Action<DreamingOptions>? options = null)
    {
        var inner = model = new KernelToolModel();
        return TracingHost.Create(
            inner,
            pipeline: chat =>
            {
                if (dreamingOutside)
                {
                    chat.UseDreaming().UseKernelFunctionInvocation();
                }
                else
                {
                    chat.UseKernelFunctionInvocation().UseDreaming();
                }
            },
            options: options,
            services: services =>
            {
                services.AddSingleton(provider => provider.GetRequiredService<IChatClient>().AsChatCompletionService(provider));
                services.AddKernel().Plugins.AddFromFunctions("orders", [KernelFunctionFactory.CreateFromMethod(LookupOrder, "lookup_order", "Looks an order up.")]);
            });
    }

    private static string LookupOrder(string orderId) =>
        orderId == "13" ? throw new InvalidOperationException("order 13 is locked") : "shipped";

    /// <summary>One turn as a Semantic Kernel app writes it: the user's message added to the history, the reply
    /// (streamed, or not) added after it.</summary>
    internal static async Task<string> TurnAsync(TracingHost host, ChatHistory history, string message, bool streaming, CancellationToken cancellationToken = default)
    {
        var kernel = host.Services.GetRequiredService<Kernel>();
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        history.AddUserMessage(message);
        if (!streaming)
        {
            var reply = await chat.GetChatMessageContentAsync(history, Auto, kernel, cancellationToken);
            history.Add(reply);
            return reply.Content ?? string.Empty;
        }

        var text = new StringBuilder();
        await foreach (var update in chat.GetStreamingChatMessageContentsAsync(history, Auto, kernel, cancellationToken))
        {
            text.Append(update.Content);
        }

        history.AddAssistantMessage(text.ToString());
        return text.ToString();
    }
}
