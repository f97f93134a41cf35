using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Dreaming.Tests;

// The other ways a Semantic Kernel app calls the model and its functions: a prompt invoked on the kernel, and
// function calls the app invokes itself (FunctionChoiceBehavior.Auto(autoInvoke: false)).
public partial class SemanticKernelTracingTests
{
    /// <summary><c>kernel.InvokePromptAsync</c> with automatic function calling goes through the same chat client:
    /// the prompt, the tool call, its result and the answer are recorded once in the ambient session.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_prompt_invoked_on_the_kernel_is_recorded_with_its_tool_round(bool dreamingOutside)
    {
        await using var host = Host(out _, dreamingOutside);
        var kernel = host.Services.GetRequiredService<Kernel>();

        await using var session = host.Sessions.StartSession("support-bot", "check order 42");
        var result = await kernel.InvokePromptAsync("check order 42", new KernelArguments(Auto));
        await session.CompleteAsync();

        Assert.Equal("order 42: shipped", result.ToString());
        var events = await host.EventsAsync(session.Id);
        Assert.Equal([("user", "check order 42"), ("assistant", "order 42: shipped")], events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal("call-42", Assert.Single(events.OfType<ToolCallEvent>()).CallId);
        Assert.Equal("shipped", Assert.Single(events.OfType<ToolResultEvent>()).Result);
    }

    /// <summary>Function calls the app invokes itself, as Semantic Kernel's samples do it: each result added to the
    /// history with <c>ToChatMessage()</c>, and a function that threw added as
    /// <c>new FunctionResultContent(call, exception)</c>. The result that threw is a tool error, with the exception's
    /// type and message, as it is when Semantic Kernel invokes the function (not a result whose text is the exception's
    /// stack trace); the others are not.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_function_the_app_invoked_that_threw_is_recorded_as_a_tool_error(bool dreamingOutside)
    {
        await using var host = Host(out _, dreamingOutside);
        var kernel = host.Services.GetRequiredService<Kernel>();
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var manual = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(autoInvoke: false) };
        var history = new ChatHistory(SystemPrompt);
        history.AddUserMessage("check orders 42 and 13");

        await using var session = host.Sessions.StartSession("support-bot", "check orders 42 and 13");
        var reply = await chat.GetChatMessageContentAsync(history, manual, kernel);
        history.Add(reply);
        foreach (var call in FunctionCallContent.GetFunctionCalls(reply))
        {
            try
            {
                history.Add((await call.InvokeAsync(kernel)).ToChatMessage());
            }
            catch (Exception ex)
            {
                history.Add(new FunctionResultContent(call, ex).ToChatMessage());
            }
        }

        reply = await chat.GetChatMessageContentAsync(history, manual, kernel);
        await session.CompleteAsync();

        Assert.StartsWith("order 42: shipped\norder 13: ", reply.Content, StringComparison.Ordinal);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["call-42", "call-13"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        var results = events.OfType<ToolResultEvent>().ToList();
        Assert.Equal(["call-42", "call-13"], results.Select(r => r.CallId));
        Assert.Equal("shipped", results[0].Result);
        Assert.False(results[0].IsError);
        Assert.True(results[1].IsError);
        Assert.Null(results[1].Result);
        Assert.Equal(nameof(InvalidOperationException), results[1].ErrorType);
        Assert.Equal("order 13 is locked", results[1].ErrorMessage);
    }
}
