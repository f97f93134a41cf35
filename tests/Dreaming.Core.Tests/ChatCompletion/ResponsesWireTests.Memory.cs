using System.Text.Json;
using Dreaming.AgentFramework;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.ResponsesWireServer;

namespace Dreaming.Tests;

// The memory of a session whose conversation the Responses API holds (ChatOptions.ConversationId: previous_response_id
// or a conversation id): the service keeps every input item it is sent, so memory sent as input on every call would be
// kept once a call in the conversation the model reads.
public partial class ResponsesWireTests
{
    private const string LessonText = "Look the order up before answering; never guess where a shipment is.";
    private const string LessonId = "ins-lookup";

    // How many times the lesson is in what the model reads on each request: the input items the service keeps for the
    // request's conversation (those of every earlier request of its previous_response_id chain, or of its conversation)
    // and this request's, and this request's instructions, which the service does not keep. Responses are scripted as
    // resp_1, resp_2, ... in the order of the requests.
    private static List<int> MemoryReadPerRequest(ResponsesWireServer server)
    {
        var requests = server.Requests.Select(r => r.Body).ToList();
        var stored = new Dictionary<string, int>(StringComparer.Ordinal);
        var read = new List<int>();
        for (var i = 0; i < requests.Count; i++)
        {
            var body = requests[i];
            var conversation = body.TryGetProperty("conversation", out var c) ? "conv:" + (c.ValueKind == JsonValueKind.String ? c.GetString() : c.GetProperty("id").GetString()) : null;
            var before = conversation ?? StringOf(body, "previous_response_id");
            var held = (before is null ? 0 : stored.GetValueOrDefault(before)) + Count(body.GetProperty("input").GetRawText());
            read.Add(held + Count(StringOf(body, "instructions") ?? ""));
            stored[conversation ?? "resp_" + (i + 1)] = held;
        }

        return read;

        static int Count(string text) => text.Split(LessonId).Length - 1;
    }

    private static string MemoryText => InsightRanker.Header + "\n- [" + LessonId + "] " + LessonText;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_previous_response_id_the_model_reads_the_memory_once_on_every_turn_not_once_more_each_turn(bool streaming)
    {
        await using var server = new ResponsesWireServer();
        ScriptText(server, streaming, "resp_1", "Which order?");
        ScriptText(server, streaming, "resp_2", "Looking.");
        ScriptText(server, streaming, "resp_3", "Shipped.");
        await using var host = Host(server);
        await WireHost.ActivateLessonAsync(host, "support", LessonId, LessonText);

        // As a host (or Agent Framework's ChatClientAgent) continues a conversation the service holds: only the new
        // message, with the conversation id the last response gave.
        var options = new ChatOptions();
        await using var session = host.Sessions.StartSession("support", "where is my order?");
        foreach (var question in new[] { "where is my order?", "W1", "thanks" })
        {
            var reply = await WireHost.AskAsync(host, streaming, [new ChatMessage(ChatRole.User, question)], options);
            options.ConversationId = reply.ConversationId;
        }

        await session.CompleteAsync();

        Assert.Equal([null, "resp_1", "resp_2"], server.Requests.Select(r => StringOf(r.Body, "previous_response_id")));
        Assert.Equal([1, 1, 1], MemoryReadPerRequest(server));

        // Recorded: the three questions and answers, each once, and the memory given as one event, never as a message.
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("user", "where is my order?"), ("assistant", "Which order?"), ("user", "W1"), ("assistant", "Looking."), ("user", "thanks"), ("assistant", "Shipped.")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal([LessonId], Assert.Single(events.OfType<InsightsInjectedEvent>()).InsightIds);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Over_tool_rounds_and_the_next_turn_on_previous_response_id_the_memory_is_read_once_and_each_message_recorded_once(bool dreamingOutside, bool streaming)
    {
        await using var server = new ResponsesWireServer();
        object[] call = [FunctionCall("fc_1", "call_1", "{\"orderId\":\"42\"}")];
        if (streaming)
        {
            server.Stream(Events("resp_1", call, Usage(50, 10)));
        }
        else
        {
            server.Response("resp_1", call, Usage(50, 10));
        }

        ScriptText(server, streaming, "resp_2", "It shipped.", Usage(80, 5, cached: 40));
        ScriptText(server, streaming, "resp_3", "You are welcome.", Usage(90, 4, cached: 80));
        await using var host = Host(server, dreamingOutside);
        await WireHost.ActivateLessonAsync(host, "support", LessonId, LessonText);

        var options = new ChatOptions { Tools = [WireHost.LookupOrder] };
        await using var session = host.Sessions.StartSession("support", "where is order 42?");
        var first = await WireHost.AskAsync(host, streaming, [new ChatMessage(ChatRole.User, "where is order 42?")], options);
        Assert.Equal(("It shipped.", "resp_2"), (first.Text, first.ConversationId));
        options.ConversationId = first.ConversationId;
        Assert.Equal("You are welcome.", (await WireHost.AskAsync(host, streaming, [new ChatMessage(ChatRole.User, "thanks")], options)).Text);
        await session.CompleteAsync();

        // UseFunctionInvocation() sends the tool result alone, on the response that asked for it; the host the new message.
        Assert.Equal([null, "resp_1", "resp_2"], server.Requests.Select(r => StringOf(r.Body, "previous_response_id")));
        Assert.Equal([1, 1, 1], MemoryReadPerRequest(server));

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("user", "where is order 42?"), ("assistant", "It shipped."), ("user", "thanks"), ("assistant", "You are welcome.")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(("call_1", "lookup_order", "{\"orderId\":\"42\"}"), Assert.Single(events.OfType<ToolCallEvent>()) is var c ? (c.CallId, c.ToolName, c.Arguments) : default);
        Assert.Equal(("call_1", "shipped", false), Assert.Single(events.OfType<ToolResultEvent>()) is var r ? (r.CallId, r.Result, r.IsError) : default);
        Assert.Single(events.OfType<InsightsInjectedEvent>());
        var record = (await host.Store.GetSessionAsync(session.Id))!;
        Assert.Equal((220L, 19L, 120L), (record.Usage.InputTokens, record.Usage.OutputTokens, record.Usage.CachedInputTokens));
        Assert.Equal(dreamingOutside ? 2 : 3, record.Usage.ModelCalls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task In_a_conversation_the_session_did_not_start_the_memory_goes_as_instructions_after_the_hosts_and_is_never_kept_as_input(bool streaming)
    {
        // A conversation the host made before the session (or an earlier session's response): the service holds its
        // history, and nothing this session sends as input may be given again on its later turns.
        await using var server = new ResponsesWireServer();
        ScriptText(server, streaming, "resp_1", "Which order?");
        ScriptText(server, streaming, "resp_2", "Shipped.");
        await using var host = Host(server);
        await WireHost.ActivateLessonAsync(host, "support", LessonId, LessonText);
        const string prompt = "You answer customers of the shop.";

        var options = new ChatOptions { Instructions = prompt, ConversationId = "conv_0123" };
        await using var session = host.Sessions.StartSession("support", "where is my order?");
        Assert.Equal("conv_0123", (await WireHost.AskAsync(host, streaming, [new ChatMessage(ChatRole.User, "where is my order?")], options)).ConversationId);
        await WireHost.AskAsync(host, streaming, [new ChatMessage(ChatRole.User, "W1")], options);
        await session.CompleteAsync();

        Assert.Equal([1, 1], MemoryReadPerRequest(server));
        Assert.All(server.Requests, r => Assert.Equal(prompt + "\n\n" + MemoryText, StringOf(r.Body, "instructions")));
        Assert.All(Inputs(server), input => Assert.DoesNotContain(LessonId, input.GetRawText(), StringComparison.Ordinal));

        // The host's instructions are recorded once, as the system message, and the memory only as its event.
        Assert.Equal(prompt, options.Instructions);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("system", prompt), ("user", "where is my order?"), ("assistant", "Which order?"), ("user", "W1"), ("assistant", "Shipped.")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Single(events.OfType<InsightsInjectedEvent>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_Agent_Framework_thread_the_service_keeps_with_a_session_per_run_reads_the_memory_once_a_request(bool streaming)
    {
        await using var server = new ResponsesWireServer();
        ScriptText(server, streaming, "resp_1", "Which order?");
        ScriptText(server, streaming, "resp_2", "Looking.");
        ScriptText(server, streaming, "resp_3", "Shipped.");
        await using var host = Host(server);
        await WireHost.ActivateLessonAsync(host, "support-bot", LessonId, LessonText);
        var client = new ChatClientBuilder(server.ChatClient()).UseDreaming().Build(host.Services);
        var agent = new ChatClientAgent(client, instructions: "You look up orders.", name: "support-bot")
            .AsBuilder().UseDreamingSessions().Build(host.Services);
        var thread = await agent.CreateSessionAsync();

        foreach (var question in new[] { "where is my order?", "W1", "thanks" })
        {
            await AgentFrameworkTracingTests.RunAsync(agent, question, streaming, thread).WaitAsync(Bound);
        }

        // Agent Framework keeps the thread on the service: each run sends its new message alone, on the last response.
        Assert.Equal([null, "resp_1", "resp_2"], server.Requests.Select(r => StringOf(r.Body, "previous_response_id")));
        // The first run's session put the memory in the thread; the later runs' sessions, given the same, send it no more.
        Assert.Equal([1, 1, 1], MemoryReadPerRequest(server));
        Assert.All(server.Requests, r => Assert.Equal("You look up orders.", StringOf(r.Body, "instructions")));

        // Three sessions, each with its question and answer once, and the memory given (read from the thread).
        var sessions = await AgentFrameworkTracingTests.SessionsAsync(host);
        Assert.Equal(3, sessions.Count);
        foreach (var record in sessions)
        {
            var events = await host.EventsAsync(record.Id);
            Assert.Equal(["system", "user", "assistant"], events.OfType<MessageEvent>().Select(m => m.Role));
            Assert.Single(events.OfType<InsightsInjectedEvent>());
        }
    }

    [Fact]
    public async Task A_later_session_of_another_agent_in_a_conversation_holding_the_first_agents_memory_gets_its_own_as_instructions()
    {
        await using var server = new ResponsesWireServer();
        ScriptText(server, false, "resp_1", "Which order?");
        ScriptText(server, false, "resp_2", "Shipped.");
        await using var host = Host(server);
        await WireHost.ActivateLessonAsync(host, "support", LessonId, LessonText);
        var options = new ChatOptions();
        await using (var first = host.Sessions.StartSession("support", "where is my order?"))
        {
            options.ConversationId = (await AskAsync(host, false, "where is my order?", options)).ConversationId;
            await first.CompleteAsync();
        }

        // The conversation is handed to another agent, given its own memory: the conversation holds the first's, not this.
        const string newer = "Give the tracking link with the status.";
        await WireHost.ActivateLessonAsync(host, "billing", "ins-link", newer);
        await using (var second = host.Sessions.StartSession("billing", "W1"))
        {
            await AskAsync(host, false, "W1", options);
            await second.CompleteAsync();
        }

        var requests = server.Requests.Select(r => r.Body).ToList();
        Assert.Null(StringOf(requests[0], "instructions"));
        Assert.Equal(InsightRanker.Header + "\n- [ins-link] " + newer, StringOf(requests[1], "instructions"));
        Assert.DoesNotContain("ins-link", requests[1].GetProperty("input").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_host_in_the_process_does_not_know_the_conversations_this_one_put_the_memory_in()
    {
        // Each service provider keeps its own record (tracing.md): a second host in the process, or a test host running in
        // parallel, with its own store, sends its memory as instructions in a conversation the first host started.
        await using var server = new ResponsesWireServer();
        ScriptText(server, false, "resp_1", "Which order?");
        ScriptText(server, false, "resp_2", "Shipped.");
        ScriptText(server, false, "resp_3", "Done.");
        await using var first = Host(server);
        await using var second = Host(server);
        await WireHost.ActivateLessonAsync(first, "support", LessonId, LessonText);
        await WireHost.ActivateLessonAsync(second, "support", LessonId, LessonText);
        var options = new ChatOptions();
        await using (var session = first.Sessions.StartSession("support", "where is my order?"))
        {
            options.ConversationId = (await AskAsync(first, false, "where is my order?", options)).ConversationId;
            await session.CompleteAsync();
        }

        await using (var session = second.Sessions.StartSession("support", "W1"))
        {
            options.ConversationId = (await AskAsync(second, false, "W1", options)).ConversationId;
            await session.CompleteAsync();
        }

        await using (var session = first.Sessions.StartSession("support", "thanks"))
        {
            await AskAsync(first, false, "thanks", options);
            await session.CompleteAsync();
        }

        // The second host's call read it twice (the first's copy and its instructions); the first host does not know
        // resp_2, which it did not see, and gives it as instructions again.
        Assert.Equal([null, MemoryText, MemoryText], server.Requests.Select(r => StringOf(r.Body, "instructions")));
        Assert.Equal([1, 2, 2], MemoryReadPerRequest(server));
    }
}
