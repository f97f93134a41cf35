using Microsoft.Extensions.AI;

#pragma warning disable MEAI001 // The hosted tools' contents are [Experimental] in Microsoft.Extensions.AI 10.11.

namespace Dreaming.Tests;

// The tools a service runs itself (MCP, code interpreter, web search, image generation): recorded as calls and results, as
// the import records the Responses API's items of those tools. They were dropped live.
public partial class DreamingChatClientTests
{
    private static List<AIContent> HostedContents() =>
    [
        new McpServerToolCallContent("mcp_1", "create_refund", "stripe") { Arguments = new Dictionary<string, object?> { ["amount"] = 5 } },
        new McpServerToolResultContent("mcp_1") { Outputs = [new ErrorContent("card declined")] },
        new CodeInterpreterToolCallContent("ci_1") { Inputs = [new DataContent("data:text/x-python;base64,MS8w")] },
        new CodeInterpreterToolResultContent("ci_1") { Outputs = [new TextContent("ZeroDivisionError")] },
        new WebSearchToolCallContent("ws_1") { Queries = ["refund policy"] },
        new WebSearchToolResultContent("ws_1") { Outputs = [new UriContent(new Uri("https://example.com/refunds"), "text/html")] },
        new ImageGenerationToolCallContent("ig_1"),
        new ImageGenerationToolResultContent("ig_1") { Outputs = [new DataContent(new byte[11], "image/png")] },
        new TextContent("I could not refund it."),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_hosted_tools_call_and_result_are_recorded_as_a_tool_call_and_its_result(bool streaming)
    {
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, HostedContents()))),
            // A stream gives each content in its own update, and the image's partial image before it.
            GetStreamingResponseAsyncCallback = (_, _, _) => Updates(
                [new ImageGenerationToolResultContent("ig_1") { Outputs = [new DataContent(new byte[3], "image/png")] }, .. HostedContents()]),
        };
        await using var host = TracingHost.Create(model, b => b.UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "refund");
        _ = streaming
            ? await host.Chat.GetStreamingResponseAsync("refund order 42").ToChatResponseAsync().WaitAsync(TimeSpan.FromSeconds(30))
            : await host.Chat.GetResponseAsync("refund order 42").WaitAsync(TimeSpan.FromSeconds(30));
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("ig_1", "image_generation", null), ("mcp_1", "create_refund", """{"amount":5}"""), ("ci_1", "code_interpreter", """{"code":"1/0"}"""),
             ("ws_1", "web_search", """{"queries":["refund policy"]}""")],
            events.OfType<ToolCallEvent>().Select(c => (c.CallId, c.ToolName, c.Arguments)).OrderBy(c => c.CallId != "ig_1"));
        Assert.Equal(
            [("ig_1", "image_generation", "[attachment: image/png, 11 bytes]", false, null), ("mcp_1", "create_refund", null, true, "card declined"),
             ("ci_1", "code_interpreter", "ZeroDivisionError", false, null), ("ws_1", "web_search", "https://example.com/refunds", false, null)],
            events.OfType<ToolResultEvent>().Select(r => (r.CallId, r.ToolName, r.Result, r.IsError, r.ErrorMessage)).OrderBy(c => c.CallId != "ig_1"));
        Assert.Equal("I could not refund it.", events.OfType<MessageEvent>().Single(m => m.Role == "assistant").Text);

        static async IAsyncEnumerable<ChatResponseUpdate> Updates(List<AIContent> contents)
        {
            foreach (var content in contents)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, [content]);
            }
        }
    }

    [Fact]
    public async Task An_mcp_approval_request_records_no_call_until_the_call_is_made()
    {
        // The call a person is asked to approve is not made yet; when approved, the service makes it under an id of its own
        // (an mcp_call item), so recording the request too would count it twice. The import records mcp_approval_request alike.
        var asked = new McpServerToolCallContent("mcpr_1", "create_refund", "stripe") { Arguments = new Dictionary<string, object?> { ["amount"] = 7 } };
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new ToolApprovalRequestContent("mcpr_1", asked)]))),
        };
        await using var host = TracingHost.Create(model, b => b.UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "refund");
        await host.Chat.GetResponseAsync("refund order 42").WaitAsync(TimeSpan.FromSeconds(30));
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Empty(events.OfType<ToolCallEvent>());
        Assert.Empty(events.OfType<ToolResultEvent>());
    }
}
