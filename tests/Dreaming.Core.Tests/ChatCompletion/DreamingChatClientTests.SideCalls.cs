using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class DreamingChatClientTests
{
    // An output guardrail checks each answer on its own, through the same pipeline, between turns.
    [Fact]
    public async Task A_guardrail_call_on_the_last_answer_leaves_the_next_turn_recording_only_what_is_new()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage> { new(ChatRole.System, "assistant") };
        for (var turn = 1; turn <= 3; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            var response = await host.Chat.GetResponseAsync(history);
            history.AddRange(response.Messages);
            await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.System, "You check answers."), response.Messages[^1], new ChatMessage(ChatRole.User, "Is the answer above safe?")]);
        }

        await session.CompleteAsync();
        var users = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Where(m => m.EventType == "message.user").Select(m => m.Text);
        Assert.Equal(["q1", "Is the answer above safe?", "q2", "Is the answer above safe?", "q3", "Is the answer above safe?"], users);
    }

    // An agent with a tool (UseFunctionInvocation outside UseDreaming) and a judge given the same task run concurrently.
    [Fact]
    public async Task A_judge_in_flight_with_the_agents_task_leaves_the_agents_tool_round_recording_only_what_is_new()
    {
        var toolStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var judgeArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseJudge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = async (messages, _, _) =>
            {
                var list = messages.ToList();
                if (list[0].Text == "judge")
                {
                    judgeArrived.TrySetResult();
                    await releaseJudge.Task;
                    return new ChatResponse(new ChatMessage(ChatRole.Assistant, "score 5"));
                }

                var results = list.Count(m => m.Role == ChatRole.Tool);
                return results < 2
                    ? new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c" + results, "lookup")]))
                    : new ChatResponse(new ChatMessage(ChatRole.Assistant, "done"));
            },
        };
        await using var host = TracingHost.Create(inner, b => b.UseFunctionInvocation().UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "task");
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(async () => { toolStarted.TrySetResult(); await judgeArrived.Task; return "42"; }, "lookup")],
        };
        var judge = Task.Run(async () =>
        {
            await toolStarted.Task;
            return await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.System, "judge"), new ChatMessage(ChatRole.User, "task")]);
        });
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.System, "agent"), new ChatMessage(ChatRole.User, "task")], options);
        releaseJudge.TrySetResult();
        await judge;
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["c0", "c1"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Equal(["c0", "c1"], events.OfType<ToolResultEvent>().Select(c => c.CallId));
    }
}
