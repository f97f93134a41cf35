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
}
