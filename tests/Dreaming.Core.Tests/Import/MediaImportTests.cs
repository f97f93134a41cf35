using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>Images, audio and files in imported messages: noted as a live session notes them, their bytes never stored.</summary>
public sealed class MediaImportTests
{
    private static readonly byte[] Png = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray();

    private static string Base64 => Convert.ToBase64String(Png);

    [Fact]
    public async Task OpenAI_content_parts_keep_their_text_and_note_images_audio_and_files_without_their_bytes()
    {
        var json = SessionWith($$"""
            [
              { "role": "user", "content": [
                { "type": "text", "text": "What is in these?" },
                { "type": "image_url", "image_url": { "url": "data:image/png;base64,{{Base64}}", "detail": "high" } },
                { "type": "image_url", "image_url": { "url": "https://cdn.example.com/cat.jpg?sig=SECRET" } },
                { "type": "input_audio", "input_audio": { "data": "{{Base64}}", "format": "wav" } },
                { "type": "file", "file": { "file_data": "data:application/pdf;base64,{{Base64}}", "filename": "report.pdf" } },
                { "type": "file", "file": { "file_id": "file-abc123" } } ] },
              { "role": "assistant", "content": [ { "type": "refusal", "refusal": "I can't help with that." } ] },
              { "role": "assistant", "content": null, "refusal": "Nor with that." },
              { "role": "user", "content": [ { "type": "image_url", "image_url": { "url": "data:image/jpeg;base64,{{Base64}}" } } ] }
            ]
            """);

        var session = await ReadOneAsync(json);

        Assert.Equal(
            [
                "What is in these?\n[attachment: image/png, 3000 bytes]\n[attachment: image, https://cdn.example.com/cat.jpg]\n[attachment: audio/wav, 3000 bytes]\n[attachment: application/pdf, 3000 bytes, report.pdf]\n[attachment: file id file-abc123]",
                "I can't help with that.",
                "Nor with that.",
                "[attachment: image/jpeg, 3000 bytes]",
            ],
            session.Events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.DoesNotContain(session.Events, e => JsonSerializer.Serialize(e).Contains(Base64[..40], StringComparison.Ordinal));
        Assert.DoesNotContain(session.Events, e => JsonSerializer.Serialize(e).Contains("SECRET", StringComparison.Ordinal));
        Assert.Equal("What is in these?", session.Session.Task);   // the first user message's text, without its notes
    }

    [Fact]
    public async Task A_first_user_message_of_an_image_alone_gives_its_note_as_the_task()
    {
        var session = await ReadOneAsync(SessionWith($$"""
            [{ "role": "user", "content": [ { "type": "image_url", "image_url": { "url": "data:image/png;base64,{{Base64}}" } } ] }]
            """));

        Assert.Equal("[attachment: image/png, 3000 bytes]", session.Session.Task);
        Assert.Equal("[attachment: image/png, 3000 bytes]", Assert.IsType<MessageEvent>(Assert.Single(session.Events)).Text);
    }

    [Fact]
    public async Task Chat_message_json_with_an_image_imports_as_UseDreaming_records_it()
    {
        List<ChatMessage> history =
        [
            new(ChatRole.User, [new TextContent("describe"), new DataContent(Png, "image/png") { Name = "cat.png" }, new UriContent("https://example.com/a.png?token=SECRET", "image/png")]),
            new(ChatRole.User, [new DataContent(Png, "image/gif")]),
            new(ChatRole.User, [new HostedFileContent("file-9") { MediaType = "application/pdf", Name = "spec.pdf" }]),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "screenshot")]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", new DataContent(Png, "image/png"))]),
        ];
        var json = JsonSerializer.Serialize(history, AIJsonUtilities.DefaultOptions);
        Assert.Contains(Base64[..40], json, StringComparison.Ordinal);   // the file holds the bytes

        var session = await ReadOneAsync("{ \"messages\": " + json + " }");

        Assert.Equal(
            [
                "describe\n[attachment: image/png, 3000 bytes, cat.png]\n[attachment: image/png, https://example.com/a.png]",
                "[attachment: image/gif, 3000 bytes]",
                "[attachment: application/pdf, spec.pdf, file id file-9]",
            ],
            session.Events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.Equal("[attachment: image/png, 3000 bytes]", Assert.Single(session.Events.OfType<ToolResultEvent>()).Result);
        Assert.DoesNotContain(session.Events, e => JsonSerializer.Serialize(e).Contains(Base64[..40], StringComparison.Ordinal));
        Assert.Equal("describe", session.Session.Task);
    }

    [Fact]
    public async Task A_data_url_written_with_escapes_is_noted_with_the_size_and_media_type_it_stands_for()
    {
        // System.Text.Json's default encoder (a .NET host logging its requests) writes '+' as \u002B, in the base64 and in
        // a media type such as image/svg+xml; other writers write '/' as \/.
        var withPlus = Png.Concat(new byte[] { 0xFB, 0xEF, 0xBE }).ToArray();
        var base64 = Convert.ToBase64String(withPlus);
        Assert.Contains('+', base64);
        var escapedUrl = JsonSerializer.Serialize("data:image/svg+xml;base64," + base64);
        Assert.Contains("\\u002B", escapedUrl, StringComparison.Ordinal);
        var slashed = JsonSerializer.Serialize("data:image/png;base64," + Convert.ToBase64String(Png[..2999])).Replace("/", "\\/", StringComparison.Ordinal);

        var session = await ReadOneAsync(SessionWith($$"""
            [{ "role": "user", "content": [
              { "type": "image_url", "image_url": { "url": {{escapedUrl}} } },
              { "type": "image_url", "image_url": { "url": {{slashed}} } },
              { "type": "input_audio", "input_audio": { "data": {{JsonSerializer.Serialize(base64)}}, "format": "wav" } } ] }]
            """));

        Assert.Equal(
            $"[attachment: image/svg+xml, {withPlus.Length} bytes]\n[attachment: image/png, 2999 bytes]\n[attachment: audio/wav, {withPlus.Length} bytes]",
            Assert.IsType<MessageEvent>(Assert.Single(session.Events)).Text);
    }
}
