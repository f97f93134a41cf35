using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static Dreaming.Tests.OpenAIWireServer;

namespace Dreaming.Tests;

/// <summary>Providers cache a prompt by its exact prefix (OpenAI's automatic prompt caching, Anthropic's cache_control):
/// the memory <c>UseDreaming()</c> gives must not stand before the host's static system prompt, and sessions given the
/// same insights must send the same memory whatever their tasks (docs/tracing.md, "Prompt caching").</summary>
public sealed class PromptCachingWireTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset s_cacheTime = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    // A host's long, static system prompt: about 4,000 characters, the same for every request.
    internal static readonly string s_hostPrompt = string.Concat(Enumerable.Range(1, 50).Select(i =>
        string.Create(CultureInfo.InvariantCulture, $"Rule {i:D2}: answer the customer politely, and check the order and its history first. ")));

    internal static readonly string[] s_cacheTasks = ["Refund order W1, it arrived broken", "Where is the shipment of order W2?", "Change the delivery address of order W3"];

    private static AIFunction LookupOrder => AIFunctionFactory.Create((string orderId) => "shipped", "lookup_order");

    private static AIFunction Refund => AIFunctionFactory.Create((string orderId) => "refunded", "refund");

    /// <summary>Three sessions of different tasks, one memory version per scope: every request starts with the host's
    /// system prompt, then the memory, the same text in all three; only what follows differs.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sessions_of_different_tasks_share_the_host_system_prompt_and_the_memory_as_a_prefix(bool streaming)
    {
        await using var server = new OpenAIWireServer();
        foreach (var _ in s_cacheTasks)
        {
            Reply(server, streaming, "Done.");
        }

        await using var host = TracingHost.Create(server.ChatClient());
        await ActivateCacheMemoryAsync(host);
        var options = new ChatOptions { Tools = [LookupOrder, Refund] };
        foreach (var task in s_cacheTasks)
        {
            await using var session = host.Sessions.StartSession("support", task);
            await AskAsync(host, streaming, [new(ChatRole.System, s_hostPrompt), new(ChatRole.User, task)], options);
            await session.CompleteAsync();
        }

        var bodies = server.Requests.Select(r => r.Body).ToList();
        Assert.Equal(s_cacheTasks.Length, bodies.Count);
        Assert.All(bodies, b => Assert.Equal(bodies[0].GetProperty("tools").GetRawText(), b.GetProperty("tools").GetRawText()));
        var messages = bodies.Select(b => b.GetProperty("messages").EnumerateArray().Select(m => m.GetRawText()).ToList()).ToList();
        var (shared, characters) = CommonPrefix(messages);
        output.WriteLine($"{messages.Count} sessions: {shared} leading messages in common, {characters} characters of 'messages' (the host's system prompt is {s_hostPrompt.Length} characters)");

        // Before the fix the memory came first, its insights in the order each task ranked them: no message in common.
        Assert.True(shared >= 2, $"the requests share {shared} leading messages ({characters} characters of 'messages')");
        Assert.All(bodies, b => Assert.Equal(s_hostPrompt, ContentOf(b.GetProperty("messages")[0])));
        var memory = ContentOf(bodies[0].GetProperty("messages")[1]);
        Assert.StartsWith(InsightRanker.SharedHeader + "\n", memory, StringComparison.Ordinal);
        Assert.Equal(6, memory.Split('\n').Length);
        Assert.All(bodies, b => Assert.Equal(s_cacheTasks[bodies.IndexOf(b)], ContentOf(b.GetProperty("messages")[2])));
    }

    /// <summary>A session's later calls resend the history: the memory stands at the same place with the same text, and
    /// the host's messages are recorded once, never the memory.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_sessions_calls_send_the_same_memory_after_the_host_system_prompt_and_record_only_the_hosts_messages(bool streaming)
    {
        await using var server = new OpenAIWireServer();
        Reply(server, streaming, "Which order?");
        Reply(server, streaming, "Refunded.");
        await using var host = TracingHost.Create(server.ChatClient());
        await ActivateCacheMemoryAsync(host);
        List<ChatMessage> history = [new(ChatRole.System, s_hostPrompt), new(ChatRole.User, "I want a refund")];

        await using var session = host.Sessions.StartSession("support", s_cacheTasks[0]);
        history.AddRange((await AskAsync(host, streaming, history, null)).Messages);
        history.Add(new(ChatRole.User, "Order W1"));
        await AskAsync(host, streaming, history, null);
        await session.CompleteAsync();

        var bodies = server.Requests.Select(r => r.Body.GetProperty("messages")).ToList();
        Assert.Equal([3, 5], bodies.Select(b => b.GetArrayLength()));
        Assert.All(bodies, b => Assert.Equal(s_hostPrompt, ContentOf(b[0])));
        Assert.Equal(bodies[0][1].GetRawText(), bodies[1][1].GetRawText());
        Assert.StartsWith(InsightRanker.SharedHeader, ContentOf(bodies[0][1]), StringComparison.Ordinal);
        Assert.Equal(["I want a refund", "Which order?", "Order W1"], Enumerable.Range(2, 3).Select(i => ContentOf(bodies[1][i])));

        var events = await host.EventsAsync(session.Id);
        var recorded = events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)).ToList();
        Assert.Equal([("system", s_hostPrompt), ("user", "I want a refund"), ("assistant", "Which order?"), ("user", "Order W1"), ("assistant", "Refunded.")], recorded);
        Assert.Equal([null, MemoryScope.Global], events.OfType<InsightsInjectedEvent>().Select(e => e.Scope));
    }

    /// <summary>Agent Framework's <see cref="ChatClientAgent"/> gives its instructions in <see cref="ChatOptions.Instructions"/>,
    /// which the OpenAI client sends first: the memory follows them, and they are recorded once, the memory never.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_agent_framework_agents_instructions_come_before_the_memory_and_are_recorded_once(bool streaming)
    {
        await using var server = new OpenAIWireServer();
        Reply(server, streaming, "Done.");
        Reply(server, streaming, "Done again.");
        await using var host = TracingHost.Create(server.ChatClient());
        await ActivateCacheMemoryAsync(host);
        var agent = new ChatClientAgent(new ChatClientBuilder(server.ChatClient()).UseDreaming().Build(host.Services), instructions: s_hostPrompt, name: "support");
        var conversation = await agent.CreateSessionAsync();

        await using var session = host.Sessions.StartSession("support", s_cacheTasks[1]);
        await AgentFrameworkTracingTests.RunAsync(agent, s_cacheTasks[1], streaming, conversation);
        await AgentFrameworkTracingTests.RunAsync(agent, "Thanks", streaming, conversation);
        await session.CompleteAsync();

        var bodies = server.Requests.Select(r => r.Body.GetProperty("messages")).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.All(bodies, b => Assert.Equal(s_hostPrompt, ContentOf(b[0])));
        Assert.All(bodies, b => Assert.StartsWith(InsightRanker.SharedHeader, ContentOf(b[1]), StringComparison.Ordinal));
        Assert.Equal(bodies[0][1].GetRawText(), bodies[1][1].GetRawText());
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("system", s_hostPrompt), ("user", s_cacheTasks[1]), ("assistant", "Done."), ("user", "Thanks"), ("assistant", "Done again.")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
    }

    private static void Reply(OpenAIWireServer server, bool streaming, string text)
    {
        if (streaming)
        {
            server.Stream([Chunk(new { role = "assistant", content = text }), Chunk(finishReason: "stop")]);
        }
        else
        {
            server.Completion(new { role = "assistant", content = text });
        }
    }

    private static async Task<ChatResponse> AskAsync(TracingHost host, bool streaming, IReadOnlyList<ChatMessage> messages, ChatOptions? options) => streaming
        ? await host.Chat.GetStreamingResponseAsync(messages, options).ToChatResponseAsync().WaitAsync(Bound)
        : await host.Chat.GetResponseAsync(messages, options).WaitAsync(Bound);

    // Four lessons of the agent, each more relevant to one of the tasks (by its words or its tool), and one global one.
    internal static async Task ActivateCacheMemoryAsync(TracingHost host)
    {
        var agent = MemoryScope.Agent("support");
        await ActivateAsync(
            host,
            agent,
            CacheInsight(agent, "ins-refund", "A refund of a broken order needs its photo first.", "refund"),
            CacheInsight(agent, "ins-shipment", "Where a shipment is: look the order up, never guess.", "lookup_order"),
            CacheInsight(agent, "ins-address", "A delivery address may change only before shipping."),
            CacheInsight(agent, "ins-polite", "Thank the customer at the end."));
        await ActivateAsync(host, MemoryScope.Global, CacheInsight(MemoryScope.Global, "ins-brief", "Keep answers short."));
    }

    private static async Task ActivateAsync(TracingHost host, MemoryScope scope, params Insight[] insights)
    {
        var memory = host.Services.GetRequiredService<IMemoryStore>();
        var version = await memory.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.Person("ada"), Insights = insights });
        await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ada"));
    }

    private static Insight CacheInsight(MemoryScope scope, string id, string text, string? tool = null) => new()
    {
        Id = id,
        Text = text,
        Scope = scope,
        Triggers = new InsightTriggers { Tools = tool is null ? [] : [tool] },
        Status = InsightStatus.Active,
        Source = InsightSource.Human,
        CreatedAt = s_cacheTime,
        UpdatedAt = s_cacheTime,
    };

    // A message's text as OpenAI's client writes it: a string, or an array of text parts.
    private static string ContentOf(JsonElement message)
    {
        var content = message.GetProperty("content");
        return content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : string.Concat(content.EnumerateArray().Select(p => p.GetProperty("text").GetString()));
    }

    /// <summary>Returns how many leading messages every request has in common, and how many characters of the JSON of
    /// its <c>messages</c> array (the messages joined by commas, as sent) every request has in common.</summary>
    internal static (int Messages, int Characters) CommonPrefix(IReadOnlyList<IReadOnlyList<string>> requests)
    {
        var shared = 0;
        while (requests.All(r => r.Count > shared && r[shared] == requests[0][shared]))
        {
            shared++;
        }

        var joined = requests.Select(r => "[" + string.Join(",", r)).ToList();
        var characters = 0;
        while (joined.All(j => j.Length > characters && j[characters] == joined[0][characters]))
        {
            characters++;
        }

        return (shared, characters);
    }
}
