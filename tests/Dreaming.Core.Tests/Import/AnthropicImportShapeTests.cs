using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>What is taken for an Anthropic Messages session, and what is not.</summary>
public sealed class AnthropicImportShapeTests
{
    [Theory]
    // Microsoft.Extensions.AI ChatMessage JSON ("contents"), its instructions kept beside the history.
    [InlineData("""{ "system": "You are terse.", "messages": [{ "role": "user", "contents": [{ "$type": "text", "text": "Hi" }] }, { "role": "assistant", "contents": [{ "$type": "text", "text": "Hello" }] }] }""")]
    // OpenAI parts Anthropic has not (image_url).
    [InlineData("""{ "system": "You are terse.", "messages": [{ "role": "user", "content": [{ "type": "text", "text": "Hi" }, { "type": "image_url", "image_url": { "url": "https://cdn.example.com/a.png" } }] }, { "role": "assistant", "content": "Hello" }] }""")]
    // OpenAI tool calls, their results not logged.
    [InlineData("""{ "system": "You are terse.", "messages": [{ "role": "user", "content": "Hi" }, { "role": "assistant", "content": "Hello", "tool_calls": [{ "id": "call_1", "type": "function", "function": { "name": "wave", "arguments": "{}" } }] }] }""")]
    // A "system" that is no system prompt at all: which system the log came from.
    [InlineData("""{ "system": { "name": "billing", "version": 2 }, "messages": [{ "role": "user", "content": "Hi" }, { "role": "assistant", "content": "Hello" }] }""")]
    public async Task A_system_field_beside_user_and_assistant_messages_that_are_not_anthropic_ones_is_left_alone(string session)
    {
        var imported = await ReadOneAsync(session);

        Assert.Equal(["message.user", "message.assistant"], imported.Events.Select(e => e.EventType).Where(t => t.StartsWith("message.", StringComparison.Ordinal)));
        Assert.Equal("Hello", imported.Events.OfType<MessageEvent>().Last().Text);
    }

    [Fact]
    public async Task A_system_prompt_beside_plain_text_messages_is_still_read_as_anthropic()
    {
        var imported = await ReadOneAsync("""{ "system": [{ "type": "text", "text": "You are terse." }], "messages": [{ "role": "user", "content": [{ "type": "text", "text": "Hi" }] }, { "role": "assistant", "content": "Hello" }] }""");

        Assert.Equal(["message.system", "message.user", "message.assistant"], imported.Events.Select(e => e.EventType));
    }
    [Theory]
    // A newer API version's block (here "compaction") beside a system prompt: read as OpenAI, the prompt was dropped.
    [InlineData("""{ "system": "You are terse.", "messages": [{ "role": "user", "content": "Hi" }, { "role": "assistant", "content": [{ "type": "text", "text": "Hello" }, { "type": "compaction", "content": "…" }] }] }""", true)]
    // The same without one: read as OpenAI, the block was dropped without a note or a count.
    [InlineData("""{ "messages": [{ "role": "user", "content": "Hi" }, { "role": "assistant", "content": [{ "type": "text", "text": "Hello" }, { "type": "compaction", "content": "…" }] }] }""", false)]
    public async Task A_block_neither_shape_knows_beside_plain_text_messages_is_read_as_anthropic_and_noted(string session, bool hasSystem)
    {
        var item = Assert.Single(await ReadAllAsync("[" + session + "]"));

        Assert.Equal(
            (hasSystem ? new[] { ("system", "You are terse.") } : []).Concat([("user", "Hi"), ("assistant", "Hello\n[unknown content block: compaction]")]),
            item.Session!.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(1, item.UnknownBlocks);
    }

    [Fact]
    public async Task A_block_neither_shape_knows_in_an_openai_session_with_tool_messages_leaves_it_openai()
    {
        var imported = await ReadOneAsync("""
            { "messages": [{ "role": "user", "content": [{ "type": "text", "text": "Hi" }, { "type": "compaction" }] },
              { "role": "assistant", "content": null, "tool_calls": [{ "id": "call_1", "type": "function", "function": { "name": "wave", "arguments": "{}" } }] },
              { "role": "tool", "tool_call_id": "call_1", "content": "waved" }] }
            """);

        Assert.Equal(["message.user", "tool.call", "tool.result"], imported.Events.Select(e => e.EventType));
    }
}
