using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>A content part of a type neither the OpenAI nor the Anthropic reader knows (another vendor's, a newer API's) is
/// noted by its type and counted, whichever shape the session is read in; it was dropped without a note or a count when
/// the session was read as OpenAI (a system message, a tool call or a part without a type beside it).</summary>
public sealed class UnknownPartImportTests
{
    private const string Parts = """
        [ { "type": "text", "text": "What is in it?" }, { "type": "input_video", "video_url": "https://cdn.example.com/v.mp4" } ]
        """;

    [Fact]
    public async Task An_unknown_part_is_noted_and_counted_in_an_openai_session_as_in_an_anthropic_one()
    {
        // Text alone beside the unknown part: read as Anthropic, which notes it. With a system message: read as OpenAI.
        var anthropic = Assert.Single(await ReadAllAsync($$"""[{ "messages": [ { "role": "user", "content": {{Parts}} } ] }]"""));
        var openAi = Assert.Single(await ReadAllAsync($$"""[{ "messages": [ { "role": "system", "content": "Be brief." }, { "role": "user", "content": {{Parts}} } ] }]"""));

        foreach (var item in (ImportedSession[])[anthropic, openAi])
        {
            Assert.Equal("What is in it?\n[unknown content block: input_video]", item.Session!.Events.OfType<MessageEvent>().Last().Text);
            Assert.Equal(1, item.UnknownBlocks);
        }
    }

    [Fact]
    public async Task A_part_without_a_type_and_without_text_is_noted_by_its_property_and_counted()
    {
        // Amazon Bedrock's Converse API writes its parts without a "type": { "text": … } is text, { "image": … } was lost.
        var item = Assert.Single(await ReadAllAsync("""
            [{ "messages": [ { "role": "user", "content": [ { "text": "What is in it?" }, { "image": { "format": "png", "source": { "bytes": "iVBORw0KGgo=" } } } ] } ] }]
            """));

        Assert.Equal("What is in it?\n[unknown content block: image]", item.Session!.Events.OfType<MessageEvent>().Single().Text);
        Assert.Equal(1, item.UnknownBlocks);
    }

    [Fact]
    public async Task Known_parts_are_not_counted()
    {
        var item = Assert.Single(await ReadAllAsync("""
            [{ "messages": [ { "role": "system", "content": "Be brief." },
              { "role": "user", "content": [ { "type": "input_text", "text": "Hi" }, { "type": "input_audio", "input_audio": { "data": "AAAA", "format": "wav" } } ] },
              { "role": "assistant", "content": [ { "type": "refusal", "refusal": "I can't." } ] } ] }]
            """));

        Assert.Equal(["Be brief.", "Hi\n[attachment: audio/wav, 3 bytes]", "I can't."], item.Session!.Events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.Equal(0, item.UnknownBlocks);
    }
}
