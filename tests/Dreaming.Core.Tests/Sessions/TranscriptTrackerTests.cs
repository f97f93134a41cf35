using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

public class TranscriptTrackerTests
{
    [Fact]
    public void Only_the_names_of_the_most_recent_tool_calls_are_kept()
    {
        var tracker = new TranscriptTracker();
        for (var i = 0; i <= TranscriptTracker.MaxToolCalls; i++)
        {
            tracker.RememberToolName("call" + i, "tool" + i);
        }

        Assert.Null(tracker.ToolName("call0"));
        Assert.Equal("tool1", tracker.ToolName("call1"));
        Assert.Equal("tool" + TranscriptTracker.MaxToolCalls, tracker.ToolName("call" + TranscriptTracker.MaxToolCalls));
    }

    private static ChatMessage U(string t) => new(ChatRole.User, t);
    private static ChatMessage A(string t) => new(ChatRole.Assistant, t);
    private static ChatMessage S(string t) => new(ChatRole.System, t);
    private static ChatMessage Call(string id, string name) => new(ChatRole.Assistant, [new FunctionCallContent(id, name)]);
    private static ChatMessage Result(string id) => new(ChatRole.Tool, [new FunctionResultContent(id, "ok")]);

    private static string[] Texts(IEnumerable<ChatMessage> ms) =>
        ms.Select(m => m.Text.Length > 0 ? m.Text : string.Join(",", m.Contents.Select(c => c switch
        {
            FunctionCallContent f => "call:" + f.CallId,
            FunctionResultContent r => "result:" + r.CallId,
            _ => "?",
        }))).ToArray();

    // Helper: request, then (optionally) its response; returns what the request recorded.
    private static string[] Turn(TranscriptTracker t, List<ChatMessage> request, ChatMessage[]? response, bool server = false)
    {
        var recorded = t.ObserveRequest(request.ToArray(), server ? "conversation" : null, out var position);
        if (response is not null)
        {
            t.ObserveResponse(position, response);
        }

        return Texts(recorded);
    }

    [Fact]
    public void A_judge_in_flight_with_the_same_task_leaves_the_agents_next_turn_recording_only_what_is_new()
    {
        var t = new TranscriptTracker();
        var task = U("task");
        var call1 = Call("c1", "search");
        var res1 = Result("c1");
        var a2 = A("found it");
        Assert.Equal(["task"], Turn(t, [task], [call1]));
        Assert.Equal(["result:c1"], Turn(t, [task, call1, res1], [a2]));

        // A judge given the same task: its call is in flight (no response yet).
        var judge = t.ObserveRequest([S("you judge"), U("task")], null, out _);
        Assert.Equal(["you judge"], Texts(judge));

        // Meanwhile the agent goes on with its conversation.
        Assert.Equal(["thanks"], Turn(t, [task, call1, res1, a2, U("thanks")], [A("bye")]));
    }

    [Fact]
    public void A_failed_regenerate_leaves_the_next_turn_after_the_kept_answer_recording_only_what_is_new()
    {
        var t = new TranscriptTracker();
        var u1 = U("q1");
        var a1 = A("a1");
        var u2 = U("q2");
        var a2 = A("a2");
        Turn(t, [u1], [a1]);
        Turn(t, [u1, a1, u2], [a2]);

        // "Regenerate" a2: the request is the history up to u2; the call fails (or is cancelled before any update).
        Assert.Empty(Turn(t, [u1, a1, u2], null));

        // The user keeps a2 and goes on.
        Assert.Equal(["q3"], Turn(t, [u1, a1, u2, a2, U("q3")], [A("a3")]));
    }

    [Fact]
    public void A_server_side_tool_round_goes_on_with_its_own_conversation_not_the_one_used_last()
    {
        var t = new TranscriptTracker();

        // Conversation X: a few client-side turns; its last response asks for a tool (service returned a ConversationId).
        var x1 = U("x1"); var xa1 = A("xa1"); var x2 = U("x2"); var xcall = Call("cx", "lookup");
        Turn(t, [x1], [xa1]);
        Turn(t, [x1, xa1, x2], [xcall]);

        // Conversation Y of the same session calls in between.
        var y1 = U("y1"); var ya1 = A("ya1");
        Assert.Equal(["y1"], Turn(t, [y1], [ya1]));

        // UseFunctionInvocation() sends X's tool result alone with the ConversationId the service returned.
        var xres = Result("cx"); var xa2 = A("xa2");
        Assert.Equal(["result:cx"], Turn(t, [xres], [xa2], server: true));

        // The host of X ignores the conversation id and sends its whole history with the next user message.
        Assert.Equal(["x3"], Turn(t, [x1, xa1, x2, xcall, xres, xa2, U("x3")], [A("xa3")]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_side_call_on_the_last_exchange_cuts_nothing_from_the_conversation(bool wholeExchange)
    {
        var t = new TranscriptTracker();
        var u1 = U("q1"); var a1 = A("a1"); var u2 = U("q2"); var a2 = A("a2");
        Turn(t, [S("assistant"), u1], [a1]);
        Turn(t, [S("assistant"), u1, a1, u2], [a2]);

        // An output guardrail / follow-up suggester checks the last answer (with its question, or alone).
        var side = wholeExchange ? new List<ChatMessage> { S("is this answer safe?"), u2, a2 } : [S("is this answer safe?"), a2];
        Assert.Equal(["is this answer safe?"], Turn(t, side, [A("safe")]));

        Assert.Equal(["q3"], Turn(t, [S("assistant"), u1, a1, u2, a2, U("q3")], [A("a3")]));
    }

    [Fact]
    public void Interleaved_rebuilt_conversations_and_windows_record_each_message_once()
    {
        var t = new TranscriptTracker();
        // 4 interleaved conversations, rebuilt from storage each turn, the same user text in two of them.
        var histories = Enumerable.Range(0, 4).Select(_ => new List<ChatMessage>()).ToArray();
        var recorded = new List<string>();
        for (var turn = 0; turn < 4; turn++)
        {
            for (var c = 0; c < 4; c++)
            {
                var h = histories[c];
                h.Add(U(c < 2 ? "same" + turn : $"c{c}t{turn}"));
                var rebuilt = h.Select(m => m.Text.Length > 0 ? new ChatMessage(m.Role, m.Text) : m).ToList();
                var resp = A($"r{c}.{turn}");
                recorded.AddRange(Turn(t, rebuilt, [resp]));
                h.Add(resp);
            }
        }

        Assert.Equal(15, recorded.Count);

        // keep first + last 3, then last 3
        var main = histories[0];
        main.Add(U("n1"));
        Assert.Equal(["n1"], Turn(t, [main[0], .. main.TakeLast(3)], [A("rn1")]));
        main.Add(A("rn1"));
        main.Add(U("n2"));
        var got = Turn(t, [.. main.TakeLast(3)], [A("rn2")]);
        Assert.Equal(["n2"], got);
    }

    [Fact]
    public void A_server_side_request_goes_on_from_where_its_conversation_id_was_left()
    {
        var t = new TranscriptTracker();
        var x1 = U("x1"); var xa1 = A("xa1");
        var recorded = t.ObserveRequest([x1], null, out var position);
        Assert.Equal(["x1"], Texts(recorded));

        // The service names the conversation in its response; another conversation of the session calls meanwhile.
        t.ObserveResponse(position, [xa1], "conversation-x");
        Assert.Equal(["y1"], Turn(t, [U("y1")], [A("ya1")]));

        // The next turn sends only its new message, with the conversation id.
        var x2 = U("x2"); var xa2 = A("xa2");
        Assert.Equal(["x2"], Texts(t.ObserveRequest([x2], "conversation-x", out position)));
        t.ObserveResponse(position, [xa2]);

        // A host that later sends the whole history without the id records only what is new.
        Assert.Equal(["x3"], Turn(t, [U("x1"), A("xa1"), U("x2"), A("xa2"), U("x3")], [A("xa3")]));
    }
}
