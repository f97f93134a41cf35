using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Dreaming.Tests;

#pragma warning disable SKEXP0001 // AsChatCompletionService is experimental in Semantic Kernel 1.82.

// The kernel built the other way Semantic Kernel's samples build it, Kernel.CreateBuilder(), and a history the app
// trims with Semantic Kernel's reducer.
public partial class SemanticKernelTracingTests
{
    /// <summary>A kernel from <c>Kernel.CreateBuilder()</c> with Dreaming and the chat client on its
    /// <c>Services</c>: the kernel's own service provider holds the trace writer, so a conversation in a session is
    /// recorded; <c>kernel.Services</c> is the app's to dispose at the end, which drains the writer.</summary>
    [Fact]
    public async Task A_kernel_from_the_kernel_builder_records_a_conversation_in_a_session()
    {
        var model = new KernelToolModel();
        var builder = Kernel.CreateBuilder();
        builder.Services.AddDreamingAgents(o => o.AgentId = "support-bot");
        builder.Services.AddChatClient(model).UseDreaming().UseKernelFunctionInvocation();
        builder.Services.AddSingleton(provider => provider.GetRequiredService<IChatClient>().AsChatCompletionService(provider));
        builder.Plugins.AddFromFunctions("orders", [KernelFunctionFactory.CreateFromMethod(LookupOrder, "lookup_order")]);
        var kernel = builder.Build();
        var store = kernel.GetRequiredService<ITraceStore>();
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory(SystemPrompt);

        var session = kernel.GetRequiredService<IAgentSessionFactory>().StartSession("support-bot", "check orders");
        foreach (var message in new[] { "check order 42", "now order 43" })
        {
            history.AddUserMessage(message);
            history.Add(await chat.GetChatMessageContentAsync(history, Auto, kernel));
        }

        await session.CompleteAsync();
        await ((IAsyncDisposable)kernel.Services).DisposeAsync();

        var events = await store.GetEventsAsync(session.Id);
        Assert.Equal(["call-42", "call-43"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Equal(2, events.OfType<MessageEvent>().Count(m => m.Role == "user"));
    }

    /// <summary>A history the app trims with Semantic Kernel's <see cref="ChatHistoryTruncationReducer"/> (the system
    /// prompt kept, the oldest turns dropped) is a window of the conversation: the next turn records only its own
    /// messages.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_history_trimmed_by_the_truncation_reducer_records_only_the_new_turn(bool dreamingOutside)
    {
        await using var host = Host(out var model, dreamingOutside);
        var history = new ChatHistory(SystemPrompt);
        var reducer = new ChatHistoryTruncationReducer(targetCount: 4);

        await using var session = host.Sessions.StartSession("support-bot", "check orders");
        foreach (var order in new[] { "42", "43", "44" })
        {
            await TurnAsync(host, history, "check order " + order, streaming: false);
            if (await reducer.ReduceAsync(history) is { } reduced)
            {
                history = new ChatHistory(reduced);
            }
        }

        await session.CompleteAsync();

        Assert.True(model.Requests[^2].Count < 8, "the reducer should have dropped the oldest turns");
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["check order 42", "check order 43", "check order 44"], events.OfType<MessageEvent>().Where(m => m.Role == "user").Select(m => m.Text));
        Assert.Equal(["call-42", "call-43", "call-44"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Equal(["call-42", "call-43", "call-44"], events.OfType<ToolResultEvent>().Select(c => c.CallId));
        Assert.Equal(1, events.OfType<MessageEvent>().Count(m => m.Role == "system"));
    }

    /// <summary>Without <c>UseKernelFunctionInvocation()</c> in the client's pipeline, <see cref="FunctionChoiceBehavior.Auto"/>
    /// calls nothing: the chat service <c>AsChatCompletionService()</c> makes gives the app the model's tool call as its
    /// reply, and the session records the call with no result (semantic-kernel.md, 'Setup').</summary>
    [Fact]
    public async Task Without_the_kernel_function_invocation_in_the_pipeline_no_function_is_called()
    {
        var model = new KernelToolModel();
        await using var host = TracingHost.Create(
            model,
            services: services =>
            {
                services.AddSingleton(provider => provider.GetRequiredService<IChatClient>().AsChatCompletionService(provider));
                services.AddKernel().Plugins.AddFromFunctions("orders", [KernelFunctionFactory.CreateFromMethod(LookupOrder, "lookup_order")]);
            });
        var kernel = host.Services.GetRequiredService<Kernel>();
        var history = new ChatHistory(SystemPrompt);
        history.AddUserMessage("check order 42");

        await using var session = host.Sessions.StartSession("support-bot", "check order 42");
        var reply = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history, Auto, kernel);
        await session.CompleteAsync();

        Assert.Single(Microsoft.SemanticKernel.FunctionCallContent.GetFunctionCalls(reply));
        Assert.Single(model.Requests);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal("call-42", Assert.Single(events.OfType<ToolCallEvent>()).CallId);
        Assert.Empty(events.OfType<ToolResultEvent>());
    }
}
