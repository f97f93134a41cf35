using System.Text;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

public sealed class AnthropicImportErrorTests
{
    private static readonly SessionImportOptions Skip = new() { ErrorHandling = ImportErrorHandling.SkipMalformed };

    // Message 0 makes the session an Anthropic Messages one; the message under test is message 1.
    private const string Call = """{ "role": "assistant", "content": [{ "type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {} }] }""";

    [Theory]
    [InlineData("""{ "role": "user", "content": [{ "type": "tool_result", "tool_use_id": "toolu_9", "content": "x" }] }""", "message 1 has block 0, a tool_result, whose \"tool_use_id\" 'toolu_9' answers no earlier tool_use")]
    [InlineData("""{ "role": "user", "content": [{ "type": "tool_result", "content": "x" }] }""", "message 1 has block 0, a tool_result, without \"tool_use_id\"")]
    [InlineData("""{ "role": "user", "content": [{ "text": "no type" }] }""", "message 1 has block 0 without a \"type\"")]
    [InlineData("""{ "role": "user", "content": [42] }""", "message 1 has block 0 that is a number, not an object")]
    [InlineData("""{ "role": "user", "content": 42 }""", "message 1 has \"content\" that is a number, not a string or an array of blocks")]
    [InlineData("""{ "role": "user" }""", "message 1 has no \"content\"")]
    [InlineData("""{ "role": "user", "content": [{ "type": "text", "text": 42 }] }""", "message 1 has block 0, a text block, whose \"text\" is a number, not a string")]
    [InlineData("""{ "role": "assistant", "content": [{ "type": "tool_use", "id": "toolu_2", "name": "lookup", "input": "{\"id\":1}" }] }""", "message 1 has block 0, a tool_use, whose \"input\" is a string, not an object")]
    [InlineData("""{ "role": "assistant", "content": [{ "type": "tool_use", "name": "lookup", "input": {} }] }""", "message 1 has block 0, a tool_use, without \"id\"")]
    [InlineData("""{ "role": "assistant", "content": [{ "type": "tool_use", "id": "toolu_2", "input": {} }] }""", "message 1 has block 0, a tool_use, without \"name\"")]
    [InlineData("""{ "role": "assistant", "content": [{ "type": "tool_result", "tool_use_id": "toolu_1", "content": "x" }] }""", "message 1 has block 0, a tool_result, in an assistant message (tool results come in user messages)")]
    [InlineData("""{ "role": "user", "content": [{ "type": "tool_use", "id": "toolu_2", "name": "lookup", "input": {} }] }""", "message 1 has block 0, a tool_use, in a user message (tool calls come in assistant messages)")]
    [InlineData("""{ "role": "user", "content": [{ "type": "tool_result", "tool_use_id": "toolu_1", "content": 7 }] }""", "message 1 has block 0, a tool_result, whose \"content\" is a number, not a string or an array of blocks")]
    [InlineData("""{ "role": "user", "content": [{ "type": "tool_result", "tool_use_id": "toolu_1", "content": [{ "type": "tool_use" }] }] }""", "message 1 has block 0, a tool_result, holding block 0 of type 'tool_use', which a tool result cannot hold")]
    [InlineData("""{ "role": "user", "content": [{ "type": "tool_result", "tool_use_id": "toolu_1", "is_error": "yes", "content": "x" }] }""", "message 1 has block 0, a tool_result, whose \"is_error\" is a string, not a boolean")]
    [InlineData("""{ "role": "user", "content": [{ "type": "image", "source": "https://example.com/a.png" }] }""", "message 1 has block 0, an image block, whose \"source\" is a string, not an object")]
    [InlineData("""{ "role": "tool", "content": "x" }""", "message 1 has role 'tool': an Anthropic Messages session has only user and assistant messages (and system ones, as wrappers log the system prompt)")]
    [InlineData("""{ "role": "assistant", "type": "message", "content": [], "stop_reason": null, "usage": { "input_tokens": "100" } }""", "message 1 has \"usage\" whose \"input_tokens\" is a string, not a whole number of at least 0")]
    [InlineData("""{ "role": "assistant", "type": "message", "content": [], "stop_reason": "end_turn", "usage": { "output_tokens": -1 } }""", "message 1 has \"usage\" whose \"output_tokens\" is a number, not a whole number of at least 0")]
    public async Task A_malformed_anthropic_message_names_the_element_the_message_the_block_and_the_field(string message, string problem)
    {
        var json = $$"""[{{ToolSession}}, { "messages": [{{Call}}, {{message}}] }]""";

        var items = await ReadAllAsync(json, Skip, "claude.json");

        Assert.True(items[0].Succeeded);
        Assert.Equal("claude.json element 1: " + problem, items[1].Error!.ToString());
        await Assert.ThrowsAsync<SessionImportException>(() => ReadAllAsync(json, sourceName: "claude.json"));
    }

    [Theory]
    [InlineData("42", "has \"system\" that is a number, not a string or an array of text blocks")]
    [InlineData("""[{ "type": "image", "source": { "type": "url", "url": "https://a" } }]""", "has \"system\" block 0 of type 'image', not a text block")]
    [InlineData("""[{ "type": "text" }]""", "has \"system\" block 0, a text block, whose \"text\" is nothing, not a string")]
    public async Task A_malformed_system_prompt_is_named(string system, string problem)
    {
        var items = await ReadAllAsync($$"""[{ "system": {{system}}, "messages": [{{Call}}] }]""", Skip, "claude.json");

        Assert.Equal("claude.json element 0: " + problem, Assert.Single(items).Error!.ToString());
    }

    [Fact]
    public async Task A_malformed_saved_response_is_named_as_the_response()
    {
        var items = await ReadAllAsync("""
            [{ "messages": [{ "role": "user", "content": "hi" }],
               "response": { "type": "message", "role": "assistant", "content": [{ "type": "tool_result", "tool_use_id": "x" }], "stop_reason": "end_turn" } }]
            """, Skip, "claude.json");

        Assert.Equal("claude.json element 0: response has block 0, a tool_result, in an assistant message (tool results come in user messages)", Assert.Single(items).Error!.ToString());
    }

    [Fact]
    public async Task A_block_without_a_type_deep_in_a_huge_content_array_is_named_by_its_position_and_none_of_its_content()
    {
        const int blocks = 100_000;
        var builder = new StringBuilder().Append("""{ "messages": [""").Append(Call).Append(""", { "role": "user", "content": [""");
        for (var i = 0; i < blocks; i++)
        {
            builder.Append("""{ "type": "text", "text": "x" },""");
        }

        builder.Append("{ \"text\": \"").Append('z', 10_000).Append("\" }] }] }");

        var items = await ReadAllAsync("[" + builder + "]", Skip, "huge.json");

        var error = Assert.Single(items).Error!.ToString();
        Assert.Equal($"huge.json element 0: message 1 has block {blocks} without a \"type\"", error);
        Assert.True(error.Length < 300, error);
    }

    [Fact]
    public async Task A_response_field_that_is_not_a_saved_response_is_left_alone()
    {
        // An OpenAI log may have a "response" of its own (a final answer as text): only an Anthropic message object is read.
        var session = await ReadOneAsync("""{ "messages": [{ "role": "user", "content": "hi" }], "response": "hello" }""");

        Assert.Equal(["message.user"], session.Events.Select(e => e.EventType));
    }

    [Fact]
    public async Task An_openai_responses_api_message_item_is_not_taken_for_a_saved_anthropic_response()
    {
        // Both write "type": "message"; only Anthropic's response has a stop_reason.
        var session = await ReadOneAsync(SessionWith("""
            [{ "type": "message", "role": "user", "content": [{ "type": "input_text", "text": "hi" }] },
             { "type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": [{ "type": "output_text", "text": "hello", "annotations": [] }] }]
            """));

        Assert.Equal(["hi", "hello"], session.Events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.Equal(2, session.Events.Count);
    }
}
