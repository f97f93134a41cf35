using Microsoft.Extensions.AI;
using static Dreaming.Tests.OllamaWireServer;

namespace Dreaming.Tests;

/// <summary>What <c>UseDreaming()</c> records when the model is a local one served by Ollama, through OllamaSharp's
/// <c>OllamaApiClient</c> (an <see cref="IChatClient"/>), in the pipeline tracing.md shows (outside
/// <c>UseFunctionInvocation()</c>, and inside it): Ollama's <c>/api/chat</c> replies and NDJSON streams, as canned
/// replies of a loopback server (docs/tracing.md, "Ollama (local models)").</summary>
public partial class OllamaWireTests
{
    private static readonly TimeSpan Bound = WireHost.Bound;

    public static TheoryData<bool, bool> Orders => WireHost.Orders;

    // Micro-units: 10 an input token, 100 an output token, for the local model of provider "ollama" only.
    private static long Price(ModelCallUsage call) => call.ModelId == Model && call.ProviderName == "ollama" ? (call.InputTokens * 10) + (call.OutputTokens * 100) : -1;

    private static TracingHost Host(OllamaWireServer server, bool dreamingOutside = true, Action<DreamingOptions>? options = null) =>
        WireHost.Create(server.ChatClient(), dreamingOutside, options ?? (o => o.CostOf = Price));

    private static Task<ChatResponse> AskAsync(TracingHost host, bool streaming, string question, ChatOptions? options = null) =>
        WireHost.AskAsync(host, streaming, question, options);

    private static Task<ChatResponse> AskAsync(TracingHost host, bool streaming, IReadOnlyList<ChatMessage> messages, ChatOptions? options = null) =>
        WireHost.AskAsync(host, streaming, messages, options);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reply_records_the_messages_once_the_model_the_done_reason_and_the_usage_of_prompt_eval_count_and_eval_count(bool streaming)
    {
        await using var server = new OllamaWireServer();
        if (streaming)
        {
            server.Stream([Part(Text("Hel")), Part(Text("lo")), Done(promptEvalCount: 26, evalCount: 7)]);
        }
        else
        {
            server.Reply(Text("Hello"), promptEvalCount: 26, evalCount: 7);
        }

        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");

        Assert.Equal("Hello", (await AskAsync(host, streaming, "hi")).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("hi", ((MessageEvent)events[0]).Text);
        Assert.Equal("Hello", ((MessageEvent)events[1]).Text);
        var response = (ModelResponseEvent)events[2];
        Assert.Equal((Model, "stop", streaming), (response.ModelId, response.FinishReason, response.Streaming));
        Assert.Equal((26L, 7L, 0L, 1L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls));
        Assert.Equal((26 * 10) + (7 * 100), response.Usage.CostMinorUnits);
        Assert.Equal(response.Usage, (await host.Store.GetSessionAsync(session.Id))!.Usage);

        var (path, body) = Assert.Single(server.Requests);
        Assert.Equal("/api/chat", path);
        Assert.Equal((Model, streaming), (body.GetProperty("model").GetString(), body.GetProperty("stream").GetBoolean()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_thinking_models_reasoning_is_not_recorded_and_its_answer_is_once(bool streaming)
    {
        // Ollama's "thinking" (a request with "think": true), which OllamaSharp gives as TextReasoningContent.
        await using var server = new OllamaWireServer();
        if (streaming)
        {
            server.Stream([Part(new { role = "assistant", content = "", thinking = "The user greets; " }), Part(new { role = "assistant", content = "", thinking = "greet back." }), Part(Text("Hello")), Done(promptEvalCount: 12, evalCount: 9)]);
        }
        else
        {
            server.Reply(new { role = "assistant", content = "Hello", thinking = "The user greets; greet back." }, promptEvalCount: 12, evalCount: 9);
        }

        ScriptText(server, streaming, "Bye");
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");
        List<ChatMessage> history = [new(ChatRole.User, "hi")];

        var reply = await AskAsync(host, streaming, history);
        Assert.Contains(reply.Messages.SelectMany(m => m.Contents), c => c is TextReasoningContent);
        history.AddRange(reply.Messages);
        history.Add(new(ChatRole.User, "bye"));
        await AskAsync(host, streaming, history);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal([("user", "hi"), ("assistant", "Hello"), ("user", "bye"), ("assistant", "Bye")], events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal((12L, 9L), (events.OfType<ModelResponseEvent>().First().Usage!.InputTokens, events.OfType<ModelResponseEvent>().First().Usage!.OutputTokens));
    }
}
