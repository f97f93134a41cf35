using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Core.Tests.Import;

/// <summary>Streams and readers shared by the import tests.</summary>
internal static class ImportTestData
{
    public static readonly DateTimeOffset Now = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    /// <summary>A session with a system prompt, a user request, one tool round trip and an answer.</summary>
    public const string ToolSession = """
        {
          "id": "s-1", "agent": "support", "task": "Cancel my booking",
          "messages": [
            { "role": "system", "content": "You are an airline agent." },
            { "role": "user", "content": "Please cancel booking ABC." },
            { "role": "assistant", "content": null, "tool_calls": [
              { "id": "call_1", "type": "function", "function": { "name": "cancel_reservation", "arguments": "{\"reservation_id\":\"ABC\"}" } } ] },
            { "role": "tool", "tool_call_id": "call_1", "name": "cancel_reservation", "content": "{\"status\":\"cancelled\"}" },
            { "role": "assistant", "content": "Your booking is cancelled." }
          ],
          "reward": 1.0
        }
        """;

    public static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    public static SessionLogReader Reader(Func<string, string>? contentFilter = null) => new(new FakeTimeProvider(Now), contentFilter);

    public static async Task<List<ImportedSession>> ReadAllAsync(string json, SessionImportOptions? options = null, string sourceName = "test.json", SessionLogReader? reader = null)
    {
        var items = new List<ImportedSession>();
        await foreach (var item in (reader ?? Reader()).ReadAsync(Utf8(json), sourceName, options))
        {
            items.Add(item);
        }

        return items;
    }

    public static async Task<SessionWithEvents> ReadOneAsync(string sessionJson, SessionImportOptions? options = null, SessionLogReader? reader = null)
    {
        var item = Assert.Single(await ReadAllAsync("[" + sessionJson + "]", options, reader: reader));
        Assert.True(item.Succeeded, item.Error?.ToString());
        return item.Session;
    }

    /// <summary>Wraps messages (a JSON array) in a session object without id, task or outcome.</summary>
    public static string SessionWith(string messagesJson) => "{ \"messages\": " + messagesJson + " }";
}
