using System.Text.Json;
using Anthropic.Models.Messages;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.AnthropicWireServer;
using static Dreaming.Tests.PromptCachingWireTests;

namespace Dreaming.Tests;

// The memory UseDreaming() injects, on Anthropic's wire: the SDK sends the leading system messages as the request's
// 'system' blocks, so the memory must be a block after the host's system prompt, the same text for every task
// (docs/tracing.md, "Prompt caching").
public partial class AnthropicWireTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_memory_is_a_system_block_after_the_hosts_and_the_system_is_the_same_for_sessions_of_different_tasks(bool streaming)
    {
        await using var server = new AnthropicWireServer();
        foreach (var _ in s_cacheTasks)
        {
            Reply(server, streaming, "Done.");
        }

        await using var host = TracingHost.Create(server.ChatClient());
        await ActivateCacheMemoryAsync(host);
        var options = new ChatOptions { Tools = [LookupOrder, AIFunctionFactory.Create((string orderId) => "refunded", "refund")] };
        foreach (var task in s_cacheTasks)
        {
            await using var session = host.Sessions.StartSession("support", task);
            await AskAsync(host, streaming, [new(ChatRole.System, s_hostPrompt), new(ChatRole.User, task)], options);
            await session.CompleteAsync();
        }

        var bodies = server.Requests.Select(r => r.Body).ToList();
        Assert.Equal(s_cacheTasks.Length, bodies.Count);

        // What Anthropic caches is tools, then system, then messages: the first two are the same for every task.
        Assert.All(bodies, b => Assert.Equal(bodies[0].GetProperty("tools").GetRawText(), b.GetProperty("tools").GetRawText()));
        Assert.All(bodies, b => Assert.Equal(bodies[0].GetProperty("system").GetRawText(), b.GetProperty("system").GetRawText()));
        var system = SystemTexts(bodies[0]);
        Assert.Equal(2, system.Count);
        Assert.Equal(s_hostPrompt, system[0]);
        Assert.StartsWith(InsightRanker.SharedHeader + "\n", system[1], StringComparison.Ordinal);
        Assert.Equal(6, system[1].Split('\n').Length);

        // The memory is not a message: each request's messages are its task alone.
        Assert.All(bodies, b => Assert.Equal(
            [("user", s_cacheTasks[bodies.IndexOf(b)])],
            b.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content")[0].GetProperty("text").GetString()))));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cache_breakpoint_the_host_put_on_its_system_prompt_stays_on_it_and_a_sessions_calls_send_the_same_system(bool streaming)
    {
        await using var server = new AnthropicWireServer();
        Reply(server, streaming, "Which order?");
        Reply(server, streaming, "Refunded.");
        await using var host = TracingHost.Create(server.ChatClient());
        await ActivateCacheMemoryAsync(host);

        // Anthropic caches a prefix up to a cache_control breakpoint: the host marks the end of its static prompt.
        var prompt = new ChatMessage(ChatRole.System, [new TextContent(s_hostPrompt).WithCacheControl(new CacheControlEphemeral())]);
        List<ChatMessage> history = [prompt, new(ChatRole.User, "I want a refund")];
        await using var session = host.Sessions.StartSession("support", s_cacheTasks[0]);
        history.AddRange((await AskAsync(host, streaming, history, null)).Messages);
        history.Add(new(ChatRole.User, "Order W1"));
        await AskAsync(host, streaming, history, null);
        await session.CompleteAsync();

        var bodies = server.Requests.Select(r => r.Body).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Equal(bodies[0].GetProperty("system").GetRawText(), bodies[1].GetProperty("system").GetRawText());
        var blocks = bodies[0].GetProperty("system").EnumerateArray().ToList();
        Assert.Equal(2, blocks.Count);
        Assert.Equal("ephemeral", blocks[0].GetProperty("cache_control").GetProperty("type").GetString());
        Assert.False(blocks[1].TryGetProperty("cache_control", out _));
        Assert.Equal([1, 3], bodies.Select(b => b.GetProperty("messages").GetArrayLength()));

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("system", s_hostPrompt), ("user", "I want a refund"), ("assistant", "Which order?"), ("user", "Order W1"), ("assistant", "Refunded.")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal([null, MemoryScope.Global], events.OfType<InsightsInjectedEvent>().Select(e => e.Scope));
    }

    /// <summary>Agent Framework's <see cref="ChatClientAgent"/> gives its instructions in <see cref="ChatOptions.Instructions"/>,
    /// which the Anthropic SDK (13.14) adds to <c>system</c> after the system messages, so after the memory: unlike the
    /// OpenAI client, which sends them first. The <c>system</c> is still the same for every call and task of the agent.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_agent_framework_agents_instructions_follow_the_memory_in_the_system_and_are_recorded_once(bool streaming)
    {
        await using var server = new AnthropicWireServer();
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

        var bodies = server.Requests.Select(r => r.Body).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Equal(bodies[0].GetProperty("system").GetRawText(), bodies[1].GetProperty("system").GetRawText());
        var system = SystemTexts(bodies[0]);
        Assert.Equal(2, system.Count);
        Assert.StartsWith(InsightRanker.SharedHeader, system[0], StringComparison.Ordinal);
        Assert.Equal(s_hostPrompt, system[1]);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("system", s_hostPrompt), ("user", s_cacheTasks[1]), ("assistant", "Done."), ("user", "Thanks"), ("assistant", "Done again.")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
    }

    private static void Reply(AnthropicWireServer server, bool streaming, string text)
    {
        if (streaming)
        {
            server.Stream(TextStream(Usage(10, 1), new { output_tokens = 2 }, "end_turn", text));
        }
        else
        {
            server.Message([Text(text)]);
        }
    }

    private static Task<ChatResponse> AskAsync(TracingHost host, bool streaming, IReadOnlyList<ChatMessage> messages, ChatOptions? options) =>
        WireHost.AskAsync(host, streaming, messages, options);

    // The text of each block of a request's 'system', which the SDK sends as an array of text blocks.
    private static List<string> SystemTexts(JsonElement body) =>
        body.GetProperty("system").EnumerateArray().Select(b => b.GetProperty("text").GetString()!).ToList();
}
