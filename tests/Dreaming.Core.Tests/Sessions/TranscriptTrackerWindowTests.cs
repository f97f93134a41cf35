using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

public class TranscriptTrackerWindowTests
{
    private static ChatMessage U(string t) => new(ChatRole.User, t);
    private static ChatMessage A(string t) => new(ChatRole.Assistant, t);
    private static ChatMessage S(string t) => new(ChatRole.System, t);

    private static string[] Texts(IEnumerable<ChatMessage> ms) => ms.Select(m => m.Text).ToArray();

    private static string[] Turn(TranscriptTracker t, IEnumerable<ChatMessage> request, params ChatMessage[] response)
    {
        var recorded = t.ObserveRequest(request.ToArray(), null, out var position);
        if (response.Length > 0)
        {
            t.ObserveResponse(position, response);
        }

        return Texts(recorded);
    }

    // the same task instance is the root of the agent's conversation and the 2nd message of a planner's; a
    // guardrail on the agent's answer (same instance) trims the agent's remembered path. The agent's next turn then
    // starts inside the planner's path (sliding-window shortcut), is anchored there, and records its answer again.
    [Fact]
    public void A_task_instance_shared_with_a_deeper_conversation_does_not_record_the_agents_answer_again()
    {
        var t = new TranscriptTracker();
        var task = U("book a flight to Oslo");
        var a1 = A("Which date?");
        Assert.Equal(["book a flight to Oslo"], Turn(t, [task], a1));

        // A planner conversation: its own opening message, then the same task instance.
        Assert.Equal(["Plan the steps for this request:", "book a flight to Oslo"], Turn(t, [U("Plan the steps for this request:"), task], A("1. ask date")));

        // An output guardrail given the agent's last answer (the same instance).
        Turn(t, [S("Is this answer safe?"), a1], A("safe"));

        // The agent's next turn: only the new user message is new.
        Assert.Equal(["Friday"], Turn(t, [task, a1, U("Friday")], A("Booked.")));
    }

    private static IReadOnlyList<ChatMessage> Append(TranscriptTracker t, List<ChatMessage> history, params ChatMessage[] response)
    {
        var recorded = t.ObserveRequest(history.ToArray(), null, out var position);
        t.ObserveResponse(position, response);
        history.AddRange(response);
        return recorded;
    }

    [Fact]
    public void A_canned_question_and_its_answer_sent_again_later_in_the_conversation_are_recorded()
    {
        var t = new TranscriptTracker();
        var h = new List<ChatMessage> { U("Delete the logs of March") };
        Append(t, h, A("Found 3 files."));
        h.Add(A("I am about to delete files. Shall I proceed?"));   // inserted by the host, not by the model
        h.Add(U("yes"));
        Assert.Equal(2, Append(t, h, A("Deleted.")).Count);
        h.Add(U("Now delete the logs of April"));
        Assert.Single(Append(t, h, A("Found 5 files.")));
        h.Add(A("I am about to delete files. Shall I proceed?"));
        h.Add(U("yes"));

        Assert.Equal(["I am about to delete files. Shall I proceed?", "yes"], Texts(Append(t, h, A("Deleted."))));
    }

    [Fact]
    public void Tool_results_of_a_later_turn_with_call_ids_the_provider_reuses_are_recorded()
    {
        static ChatMessage Calls() => new(ChatRole.Assistant, [new FunctionCallContent("call_0", "get_weather"), new FunctionCallContent("call_1", "get_time")]);
        static ChatMessage Result(string id, string value) => new(ChatRole.Tool, [new FunctionResultContent(id, value)]);
        var t = new TranscriptTracker();
        var h = new List<ChatMessage> { U("Weather and time in Oslo?") };
        Append(t, h, Calls());
        h.Add(Result("call_0", "sunny"));
        h.Add(Result("call_1", "15:00"));
        Assert.Equal(2, Append(t, h, A("Sunny, 15:00.")).Count);
        h.Add(U("And in Rome?"));
        Assert.Single(Append(t, h, Calls()));
        h.Add(Result("call_0", "rainy"));
        h.Add(Result("call_1", "15:00"));

        Assert.Equal(2, Append(t, h, A("Rainy, 15:00.")).Count);
    }

    // The same scenario with fresh instances every call (no by-reference shortcut) records correctly: the oracle.
    [Fact]
    public void The_same_calls_with_rebuilt_instances_record_the_same()
    {
        var t = new TranscriptTracker();
        Assert.Equal(["book a flight to Oslo"], Turn(t, [U("book a flight to Oslo")], A("Which date?")));
        Turn(t, [U("Plan the steps for this request:"), U("book a flight to Oslo")], A("1. ask date"));
        Turn(t, [S("Is this answer safe?"), A("Which date?")], A("safe"));
        Assert.Equal(["Friday"], Turn(t, [U("book a flight to Oslo"), A("Which date?"), U("Friday")], A("Booked.")));
    }

    // an autonomous loop that appends one static "Continue." instance each iteration, with a last-N window
    // (MessageCountingChatReducer keeps the same instances). Every message must be recorded once per occurrence.
    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 3)]
    [InlineData(true, 5)]
    [InlineData(false, 5)]
    public void A_message_instance_sent_several_times_in_a_window_is_placed_where_its_next_message_follows(bool sameInstances, int n)
    {
        var t = new TranscriptTracker();
        var cont = U("Continue.");
        var history = new List<ChatMessage> { U("Write the report.") };
        var recorded = new List<ChatMessage>();
        for (var turn = 0; turn < 12; turn++)
        {
            var window = history.Skip(Math.Max(0, history.Count - n)).ToList();
            var request = sameInstances ? window : window.Select(m => new ChatMessage(m.Role, m.Text)).ToList();
            var answer = A("part " + turn);
            var r = t.ObserveRequest(request.ToArray(), null, out var position);
            recorded.AddRange(r.Select(m => sameInstances ? m : window[request.IndexOf(m)]));
            t.ObserveResponse(position, [answer]);
            recorded.Add(answer);
            history.Add(answer);
            history.Add(cont);
        }

        // every distinct non-"Continue." instance exactly once
        foreach (var m in history.Distinct().Where(m => !ReferenceEquals(m, cont)))
        {
            Assert.True(recorded.Count(x => ReferenceEquals(x, m)) == 1, $"'{m.Text}' recorded {recorded.Count(x => ReferenceEquals(x, m))} times");
        }

        // "Continue." is sent 11 times in the windows: recorded once per occurrence sent
        Assert.Equal(11, recorded.Count(x => ReferenceEquals(x, cont)));
    }
}
