using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.OllamaWireServer;

namespace Dreaming.Tests;

// The memory UseDreaming() gives reaches Ollama as a system message after the host's system prompt (and after the
// ChatOptions.Instructions, which OllamaSharp sends first), and is never recorded as the host's.
public partial class OllamaWireTests
{
    private const string LessonText = "Look the order up before answering; never guess where a shipment is.";

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task The_memory_reaches_ollama_as_a_system_message_after_the_hosts_system_prompt_and_is_not_recorded_as_a_message(bool streaming, bool asInstructions)
    {
        await using var server = new OllamaWireServer();
        ScriptText(server, streaming, "Which order?");
        ScriptText(server, streaming, "Shipped.");
        await using var host = Host(server);
        await ActivateLessonAsync(host);
        const string prompt = "You answer customers of the shop.";

        // The host's prompt as a system message of the history, or as ChatOptions.Instructions (Agent Framework's way).
        var options = asInstructions ? new ChatOptions { Instructions = prompt } : null;
        List<ChatMessage> history = asInstructions ? [] : [new(ChatRole.System, prompt)];
        history.Add(new(ChatRole.User, "where is my order?"));
        await using var session = host.Sessions.StartSession("support", "where is my order?");
        history.AddRange((await AskAsync(host, streaming, history, options)).Messages);
        history.Add(new(ChatRole.User, "W1"));
        await AskAsync(host, streaming, history, options);
        await session.CompleteAsync();

        var sent = server.Requests.Select(r => r.Body.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList()).ToList();
        Assert.Equal(2, sent.Count);
        var memory = InsightRanker.Header + "\n- [ins-lookup] " + LessonText;
        Assert.Equal([("system", prompt), ("system", memory), ("user", "where is my order?")], sent[0]);
        Assert.Equal([("system", prompt), ("system", memory), ("user", "where is my order?"), ("assistant", "Which order?"), ("user", "W1")], sent[1]);

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("system", prompt), ("user", "where is my order?"), ("assistant", "Which order?"), ("user", "W1"), ("assistant", "Shipped.")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        var injected = Assert.Single(events.OfType<InsightsInjectedEvent>());
        Assert.Equal(["ins-lookup"], injected.InsightIds);
    }

    private static Task ActivateLessonAsync(TracingHost host) => WireHost.ActivateLessonAsync(host, "support", "ins-lookup", LessonText);
}
