using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>Sessions whose messages are Microsoft.Extensions.AI <see cref="ChatMessage"/> JSON, as hosts write them.</summary>
public sealed class ChatMessageImportTests
{
    private static readonly SessionImportOptions Skip = new() { ErrorHandling = ImportErrorHandling.SkipMalformed };

    /// <summary>A conversation built in code: the JSON the tests import is what the library itself writes.</summary>
    private static List<ChatMessage> Conversation() =>
    [
        new(ChatRole.System, "You are an airline agent."),
        new(ChatRole.User, "Please cancel booking ABC.") { AuthorName = "ann", MessageId = "m-1", CreatedAt = Now },
        new(ChatRole.Assistant, [new TextContent("Let me check."), new FunctionCallContent("call_1", "get_reservation", new Dictionary<string, object?> { ["id"] = "ABC", ["n"] = 3 })]),
        new(ChatRole.Tool, [new FunctionResultContent("call_1", new { status = "confirmed" })]),
        new(ChatRole.Assistant, [new FunctionCallContent("call_2", "cancel_reservation", new Dictionary<string, object?> { ["id"] = "ABC" }), new FunctionCallContent("call_3", "refund")]),
        new(ChatRole.Tool, [new FunctionResultContent("call_2", "Error: Function failed.") { Exception = new InvalidOperationException("locked") }, new FunctionResultContent("call_3", "done")]),
        new(ChatRole.Assistant, [new TextReasoningContent("thinking"), new DataContent(new byte[] { 1, 2 }, "image/png"), new UsageContent(new UsageDetails { InputTokenCount = 5 })]),
        new(ChatRole.Assistant, [new TextContent("Your booking "), new TextContent("is cancelled.")]),
    ];

    // JSON Lines need one line per session, so a host writing them turns indentation off.
    private static readonly JsonSerializerOptions OneLine = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private static string Serialize(IEnumerable<ChatMessage> messages, JsonSerializerOptions? options = null) => JsonSerializer.Serialize(messages, options ?? AIJsonUtilities.DefaultOptions);

    private static string SessionOf(string messagesJson, string id = "s-1") => $$"""{ "id": "{{id}}", "messages": {{messagesJson}}, "reward": 1.0 }""";

    [Fact]
    public async Task Chat_messages_serialized_by_the_library_import_as_the_same_events_as_openai_messages()
    {
        var json = Serialize(Conversation());
        Assert.Contains("\"contents\"", json, StringComparison.Ordinal);   // the shape under test, as the library writes it

        var session = await ReadOneAsync(SessionOf(json));

        Assert.Equal(
            ["message.system", "message.user", "message.assistant", "tool.call", "tool.result", "tool.call", "tool.call", "tool.result", "tool.result", "message.assistant", "message.assistant"],
            session.Events.Select(e => e.EventType));
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), session.Events.Select(e => e.Sequence));
        Assert.All(session.Events, e => Assert.Equal(("s-1", Now), (e.SessionId, e.Timestamp)));
        var user = Assert.IsType<MessageEvent>(session.Events[1]);
        Assert.Equal(("user", "Please cancel booking ABC.", "ann"), (user.Role, user.Text, user.AuthorName));
        Assert.Equal("Please cancel booking ABC.", session.Session.Task);   // no task field: the first user message
        Assert.Equal("Let me check.", Assert.IsType<MessageEvent>(session.Events[2]).Text);
        var calls = session.Events.OfType<ToolCallEvent>().ToList();
        Assert.Equal(
            [("call_1", "get_reservation", "{\"id\":\"ABC\",\"n\":3}"), ("call_2", "cancel_reservation", "{\"id\":\"ABC\"}"), ("call_3", "refund", null)],
            calls.Select(c => (c.CallId, c.ToolName, c.Arguments)));
        var results = session.Events.OfType<ToolResultEvent>().ToList();
        Assert.Equal(
            [("call_1", "get_reservation", "{\"status\":\"confirmed\"}", false), ("call_2", "cancel_reservation", "Error: Function failed.", true), ("call_3", "refund", "done", false)],
            results.Select(r => (r.CallId, r.ToolName, r.Result, r.IsError)));

        // Reasoning and usage are not held by the store, nor the image's bytes: that message is the image's note.
        Assert.Equal("[attachment: image/png, 2 bytes]", Assert.IsType<MessageEvent>(session.Events[9]).Text);
        Assert.Equal("Your booking is cancelled.", Assert.IsType<MessageEvent>(session.Events[10]).Text);
        Assert.Equal(SessionOutcome.Succeeded(1.0, "import").Label, session.Session.Outcome!.Label);
    }

    [Fact]
    public async Task Chat_messages_serialized_without_options_import_as_the_librarys_own()
    {
        // JsonSerializer.Serialize(history) with no options, the most direct way to save a history, names a ChatMessage's
        // properties as declared: "Role", "Contents", "Text", "CallId", "Name", "Arguments", "Result".
        var pascal = Serialize(Conversation(), new JsonSerializerOptions());
        Assert.Contains("\"Contents\"", pascal, StringComparison.Ordinal);
        Assert.DoesNotContain("\"contents\"", pascal, StringComparison.Ordinal);
        var expected = await ReadOneAsync(SessionOf(Serialize(Conversation())));

        var session = await ReadOneAsync(SessionOf(pascal));

        Assert.Equal(expected.Events.Select(e => e.ToString()), session.Events.Select(e => e.ToString()));
        Assert.Equal(expected.Session.Task, session.Session.Task);
    }

    [Theory]
    [InlineData("""{ "Role": "assistant", "Contents": [{ "$type": "functionCall", "Name": "now" }] }""", "message 1 has content 0, a functionCall, without \"CallId\"")]
    [InlineData("""{ "Contents": [] }""", "message 1 has no \"Role\"")]
    public async Task A_malformed_chat_message_serialized_without_options_names_its_properties_as_written(string message, string problem)
    {
        var json = $$"""[{{ToolSession}}, { "messages": [{ "role": "user", "contents": [] }, {{message}}] }]""";

        var items = await ReadAllAsync(json, Skip, "chat.json");

        Assert.StartsWith("chat.json element 1: " + problem, items[1].Error!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_messages_import_from_json_lines_through_the_importer()
    {
        var lines = new StringBuilder()
            .AppendLine(SessionOf(Serialize(Conversation(), OneLine), "a"))
            .AppendLine(SessionOf(Serialize([new ChatMessage(ChatRole.User, "second")], OneLine), "b"))
            .ToString();
        var store = new RecordingTraceStore();

        var result = await new SessionImporter(store, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now)).ImportAsync(Utf8(lines), "chat.jsonl");

        Assert.Equal((2, 2, 12L, 3L, 1L), (result.Sessions, result.Imported, result.Events, result.ToolCalls, result.ToolErrors));
        Assert.Equal(["a", "b"], store.Sessions.Select(s => s.Session.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_file_may_mix_both_shapes_and_results_pair_with_calls_across_them()
    {
        var chatResult = JsonSerializer.Serialize(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "seat 3A")]), AIJsonUtilities.DefaultOptions);
        var session = await ReadOneAsync(SessionWith($$"""
            [
              { "role": "user", "content": "Which seat?" },
              { "role": "assistant", "content": null, "tool_calls": [{ "id": "c1", "function": { "name": "get_seat", "arguments": "{}" } }] },
              {{chatResult}},
              { "role": "assistant", "contents": [{ "$type": "text", "text": "Seat 3A." }] }
            ]
            """));

        Assert.Equal(["message.user", "tool.call", "tool.result", "message.assistant"], session.Events.Select(e => e.EventType));
        Assert.Equal(("c1", "get_seat", "seat 3A"), Assert.IsType<ToolResultEvent>(session.Events[2]) is var r ? (r.CallId, r.ToolName, r.Result) : default);
        Assert.Equal("Seat 3A.", Assert.IsType<MessageEvent>(session.Events[3]).Text);
    }

    [Fact]
    public async Task A_hand_written_part_may_put_its_type_after_other_properties()
    {
        var session = await ReadOneAsync(SessionWith("""
            [{ "role": "assistant", "contents": [{ "callId": "c1", "name": "now", "$type": "functionCall" }, { "text": "Checking.", "$type": "text" }] }]
            """));

        Assert.Equal(["message.assistant", "tool.call"], session.Events.Select(e => e.EventType));
        Assert.Equal(("c1", "now"), Assert.IsType<ToolCallEvent>(session.Events[1]) is var c ? (c.CallId, c.ToolName) : default);
    }

    [Fact]
    public async Task The_content_filter_sees_every_text_of_a_chat_message()
    {
        var reader = Reader(text => text.Replace("ABC", "[REDACTED]", StringComparison.Ordinal));

        var session = await ReadOneAsync(SessionOf(Serialize(Conversation())), reader: reader);

        Assert.Equal("Please cancel booking [REDACTED].", session.Session.Task);
        Assert.Equal("{\"id\":\"[REDACTED]\",\"n\":3}", session.Events.OfType<ToolCallEvent>().First().Arguments);
        Assert.DoesNotContain(session.Events, e => e.ToString().Contains("ABC", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "role": "user", "contents": [{ "$type": "text", "text": "a" }, { "$type": "hologram", "text": "b" }] }""", "message 1 has content 1 of unknown \"$type\" 'hologram' (not a Microsoft.Extensions.AI content type)")]
    [InlineData("""{ "role": "user", "contents": [{ "text": "no type" }] }""", "message 1 has content 0 without a \"$type\"")]
    [InlineData("""{ "role": "assistant", "contents": [{ "$type": "functionCall", "name": "now" }] }""", "message 1 has content 0, a functionCall, without \"callId\"")]
    [InlineData("""{ "role": "assistant", "contents": [{ "$type": "functionCall", "callId": "c1" }] }""", "message 1 has content 0, a functionCall, without \"name\"")]
    [InlineData("""{ "role": "tool", "contents": [{ "$type": "functionResult", "callId": " ", "result": "x" }] }""", "message 1 has content 0, a functionResult, without \"callId\"")]
    [InlineData("""{ "role": "user", "contents": "hello" }""", "message 1 has \"contents\" that is a string, not an array")]
    [InlineData("""{ "role": "user", "contents": [42] }""", "message 1 has content 0 that is a number, not an object")]
    [InlineData("""{ "role": "user", "content": "a", "contents": [] }""", "message 1 has both \"content\" (OpenAI) and \"contents\" (Microsoft.Extensions.AI)")]
    [InlineData("""{ "contents": [] }""", "message 1 has no \"role\"")]
    [InlineData("""{ "role": "user", "contents": [{ "$type": "text", "text": 42 }] }""", "message 1 is not a Microsoft.Extensions.AI ChatMessage: ")]
    public async Task A_malformed_chat_message_names_the_source_element_and_message(string message, string problem)
    {
        var json = $$"""[{{ToolSession}}, { "messages": [{ "role": "user", "contents": [] }, {{message}}] }]""";

        var items = await ReadAllAsync(json, Skip, "chat.json");

        Assert.True(items[0].Succeeded);
        Assert.StartsWith("chat.json element 1: " + problem, items[1].Error!.ToString(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<SessionImportException>(() => ReadAllAsync(json, sourceName: "chat.json"));
    }

    [Fact]
    public async Task An_unknown_type_deep_in_a_huge_contents_array_is_named_by_its_position_and_a_long_type_is_cut()
    {
        const int parts = 100_000;
        var builder = new StringBuilder("""{ "messages": [{ "role": "user", "contents": [""");
        for (var i = 0; i < parts; i++)
        {
            builder.Append("""{ "$type": "text", "text": "x" },""");
        }

        builder.Append("{ \"$type\": \"").Append('z', 10_000).Append("\" }] }] }");

        var items = await ReadAllAsync("[" + builder + "]", Skip, "huge.json");

        var error = Assert.Single(items).Error!.ToString();
        Assert.StartsWith($"huge.json element 0: message 0 has content {parts} of unknown \"$type\" '{new string('z', 40)}…'", error, StringComparison.Ordinal);
        Assert.True(error.Length < 300, error);
    }
}
