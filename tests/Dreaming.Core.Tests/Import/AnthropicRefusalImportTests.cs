using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>An OpenAI refusal part in a session read as Anthropic Messages (a log that mixes the shapes): the answer's
/// text, as the OpenAI reader and UseDreaming() record a refusal. It was noted as an unknown block and counted.</summary>
public sealed class AnthropicRefusalImportTests
{
    [Fact]
    public async Task A_refusal_part_in_an_anthropic_session_is_the_answers_text_as_in_an_openai_one()
    {
        var item = Assert.Single(await ReadAllAsync("""
            [{ "messages": [
              { "role": "user", "content": "Refund 42." },
              { "role": "assistant", "content": [ { "type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {} } ] },
              { "role": "user", "content": [ { "type": "tool_result", "tool_use_id": "toolu_1", "content": "ok" } ] },
              { "role": "assistant", "content": [ { "type": "refusal", "refusal": "I can't help with that." } ] } ] }]
            """));
        var openAi = await ReadOneAsync("""
            { "messages": [ { "role": "user", "content": "Refund 42." }, { "role": "assistant", "content": [ { "type": "refusal", "refusal": "I can't help with that." } ] } ] }
            """);

        Assert.Equal(0, item.UnknownBlocks);
        Assert.Equal("I can't help with that.", item.Session!.Events.OfType<MessageEvent>().Last().Text);
        Assert.Equal(openAi.Events.OfType<MessageEvent>().Last().Text, item.Session.Events.OfType<MessageEvent>().Last().Text);
    }
}
