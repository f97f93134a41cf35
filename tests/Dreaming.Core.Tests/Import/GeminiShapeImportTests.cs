using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>Gemini's messages (<c>{ "role": "model", "parts": [ { "text": … } ] }</c>) are no shape import.md lists: such
/// a session is malformed, naming the message, where it was imported as empty messages, its text and calls lost.</summary>
public sealed class GeminiShapeImportTests
{
    [Fact]
    public async Task A_gemini_message_is_refused_naming_it_rather_than_imported_empty()
    {
        var item = Assert.Single(await ReadAllAsync(
            """
            [{ "messages": [ { "role": "user", "parts": [ { "text": "Refund order 42." } ] }, { "role": "model", "parts": [ { "text": "Refunded." } ] } ] }]
            """,
            new SessionImportOptions { ErrorHandling = ImportErrorHandling.SkipMalformed }));

        Assert.Null(item.Session);
        Assert.Equal("test.json element 0: message 0 has \"parts\" and no \"content\" (a Gemini message?), a shape this version does not read", item.Error?.ToString());
    }
}
