using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

#pragma warning disable MEAI001
public class TranscriptTrackerReducerTests
{
    // A host with MEAI's UseChatReducer(new MessageCountingChatReducer(20)) outside UseFunctionInvocation().UseDreaming():
    // each turn the reducer drops the tool call and result messages of earlier turns, then the tool rounds of the turn
    // are sent by UseFunctionInvocation. Every message must be recorded once.
    [Fact]
    public async Task A_chat_reducer_that_drops_tool_messages_records_each_answer_once()
    {
        IChatReducer reducer = new MessageCountingChatReducer(20);
        var t = new TranscriptTracker();
        var history = new List<ChatMessage> { new(ChatRole.System, "sys") };
        var counts = new Dictionary<string, int>();
        void Count(IEnumerable<ChatMessage> ms)
        {
            foreach (var m in ms.Where(m => m.Role != ChatRole.System))
            {
                var k = m.Role.Value + ":" + m.Text + string.Join(",", m.Contents.OfType<FunctionCallContent>().Select(c => c.CallId)) + string.Join(",", m.Contents.OfType<FunctionResultContent>().Select(c => c.CallId));
                counts[k] = counts.GetValueOrDefault(k) + 1;
            }
        }

        for (var turn = 0; turn < 8; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            var request = (await reducer.ReduceAsync(history, default)).ToList();

            // round 1: the model calls a tool
            var recorded = t.ObserveRequest(request, null, out var position);
            Count(recorded);
            var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c" + turn, "lookup")]);
            t.ObserveResponse(position, [call]);
            Count([call]);

            // round 2 (UseFunctionInvocation): the request plus the call and its result
            var result = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c" + turn, "r" + turn)]);
            request.Add(call);
            request.Add(result);
            recorded = t.ObserveRequest(request, null, out position);
            Count(recorded);
            var answer = new ChatMessage(ChatRole.Assistant, "a" + turn);
            t.ObserveResponse(position, [answer]);
            Count([answer]);

            history.Add(call);
            history.Add(result);
            history.Add(answer);
        }

        Assert.True(counts.Where(kv => !kv.Key.Contains("summary", StringComparison.Ordinal)).All(kv => kv.Value == 1), string.Join(" ", counts.Select(kv => kv.Key + "=" + kv.Value)));
    }

    // docs/tracing.md: a reducer that puts a fresh summary before the messages it keeps records the summary and not the
    // kept messages again (when it keeps at least two).
    [Theory]
    [InlineData(4, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    public async Task The_summarizing_chat_reducer_with_a_small_target_records_each_kept_message_once(int target, int threshold)
    {
        var t = new TranscriptTracker();
        var reducer = new SummarizingChatReducer(new NumberedSummarizer(), target, threshold);
        var history = new List<ChatMessage> { new(ChatRole.System, "sys") };
        var counts = new Dictionary<string, int>();
        for (var turn = 0; turn < 10; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            var reduced = (await reducer.ReduceAsync(history, default)).ToList();
            var recorded = t.ObserveRequest(reduced, null, out var position);
            foreach (var m in recorded.Where(m => m.Role != ChatRole.System))
            {
                counts[m.Text] = counts.GetValueOrDefault(m.Text) + 1;
            }

            var answer = new ChatMessage(ChatRole.Assistant, "a" + turn);
            t.ObserveResponse(position, [answer]);
            counts[answer.Text] = counts.GetValueOrDefault(answer.Text) + 1;
            history.Add(answer);
        }

        Assert.True(counts.Where(kv => !kv.Key.StartsWith("summary", StringComparison.Ordinal)).All(kv => kv.Value == 1), string.Join(" ", counts.Select(kv => kv.Key + "=" + kv.Value)));
    }
}

public class TranscriptTrackerKeepFirstTests
{
    // Provider that reuses tool call ids ("call_0"); host keeps the task (first message) and the last 4 messages.
    // The window then starts at a tool call equal to the one right after the task, so the walk follows the FIRST
    // turn's path (q0 -> call -> result) and breaks at a2, which is followed by only the new message: a2 is recorded again.
    [Fact]
    public void A_keep_first_window_starting_at_a_reused_tool_call_does_not_record_the_last_answer_again()
    {
        static ChatMessage Call() => new(ChatRole.Assistant, [new FunctionCallContent("call_0", "lookup")]);
        static ChatMessage Result(string v) => new(ChatRole.Tool, [new FunctionResultContent("call_0", v)]);
        var t = new TranscriptTracker();
        var q0 = new ChatMessage(ChatRole.User, "q0");
        var h = new List<ChatMessage> { q0 };
        string[] Send(List<ChatMessage> request, ChatMessage response)
        {
            var r = t.ObserveRequest(request.ToArray(), null, out var p);
            t.ObserveResponse(p, [response]);
            return r.Select(m => m.Text).ToArray();
        }

        // turn 0 with a tool call
        var c = Call(); Send(h, c); h.Add(c); h.Add(Result("r0"));
        var a0 = new ChatMessage(ChatRole.Assistant, "a0"); Send(h, a0); h.Add(a0);

        // turn 1 with a tool call; the window is q0 + the last 4 messages
        List<ChatMessage> Window() => [q0, .. h.Skip(Math.Max(1, h.Count - 4))];
        h.Add(new ChatMessage(ChatRole.User, "q1"));
        c = Call(); Send(Window(), c); h.Add(c); h.Add(Result("r1"));
        var a1 = new ChatMessage(ChatRole.Assistant, "a1"); Send(Window(), a1); h.Add(a1);

        // turn 2: the window is [q0, call, result, a1, q2]
        h.Add(new ChatMessage(ChatRole.User, "q2"));
        Assert.Equal(["q2"], Send(Window(), new ChatMessage(ChatRole.Assistant, "a2")));
    }
}
