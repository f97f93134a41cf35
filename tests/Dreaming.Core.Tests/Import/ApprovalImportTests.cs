using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>Imported sessions whose tools needed a person's approval (<see cref="ApprovalRequiredAIFunction"/>), as
/// UseDreaming() records them live (docs/tracing.md, "Tool approvals").</summary>
public sealed class ApprovalImportTests
{
    private const string Rejected = "Tool call invocation was rejected by the approver and must not be retried.";

    /// <summary>A host's history as <c>UseFunctionInvocation()</c> leaves it: the model's text with the approval
    /// requests, the person's answers, the calls rebuilt from them, refused first, their results and the answer.</summary>
    private static List<ChatMessage> History()
    {
        var c1 = new FunctionCallContent("c1", "refund", new Dictionary<string, object?> { ["orderId"] = "42" }) { InformationalOnly = true };
        var c2 = new FunctionCallContent("c2", "refund", new Dictionary<string, object?> { ["orderId"] = "7" }) { InformationalOnly = true };
        var request1 = new ToolApprovalRequestContent("ficc_c1", c1);
        var request2 = new ToolApprovalRequestContent("ficc_c2", c2);
        return
        [
            new(ChatRole.User, "refund please"),
            new(ChatRole.Assistant, [new TextContent("checking"), request1, request2]),
            new(ChatRole.User, [request1.CreateResponse(approved: true), request2.CreateResponse(approved: false, "needs a manager")]),
            new(ChatRole.Assistant, [c2, c1]),
            new(ChatRole.Tool, [new FunctionResultContent("c2", Rejected + " needs a manager")]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "refunded 42")]),
            new(ChatRole.Assistant, "done"),
        ];
    }

    [Fact]
    public async Task A_chat_message_history_with_approvals_imports_as_recorded_live()
    {
        var json = JsonSerializer.Serialize(History(), AIJsonUtilities.DefaultOptions);

        var session = await ReadOneAsync(SessionWith(json));

        // Each call once, when the model made it; the answers are no message; the refusal is a refusal.
        Assert.Equal(
            ["message.user", "message.assistant", "tool.call", "tool.call", "tool.result", "tool.result", "message.assistant"],
            session.Events.Select(e => e.EventType));
        Assert.Equal(["c1", "c2"], session.Events.OfType<ToolCallEvent>().Select(c => c.CallId));
        var results = session.Events.OfType<ToolResultEvent>().ToList();
        Assert.Equal(("c2", "refund", true, ToolResultEvent.RejectedErrorType, "needs a manager"), (results[0].CallId, results[0].ToolName, results[0].IsError, results[0].ErrorType, results[0].ErrorMessage));
        Assert.Equal(("c1", "refund", false, null), (results[1].CallId, results[1].ToolName, results[1].IsError, results[1].ErrorType));
    }

    [Theory]
    [InlineData(" over the refund limit", "over the refund limit")]
    [InlineData("", null)]
    public async Task An_openai_tool_message_with_the_rejection_text_is_a_refusal(string reason, string? expected)
    {
        var content = JsonSerializer.Serialize(Rejected + reason);
        var session = await ReadOneAsync(SessionWith($$"""
            [
              { "role": "user", "content": "refund order 42" },
              { "role": "assistant", "content": null, "tool_calls": [{ "id": "c1", "type": "function", "function": { "name": "refund", "arguments": "{\"orderId\":\"42\"}" } }] },
              { "role": "tool", "tool_call_id": "c1", "content": {{content}} }
            ]
            """));

        var result = Assert.Single(session.Events.OfType<ToolResultEvent>());
        Assert.Equal(("refund", true, ToolResultEvent.RejectedErrorType, expected), (result.ToolName, result.IsError, result.ErrorType, result.ErrorMessage));
        Assert.Equal(Rejected + reason, result.Result);
    }
}
