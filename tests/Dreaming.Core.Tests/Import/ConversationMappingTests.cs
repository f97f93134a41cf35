using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

public sealed class ConversationMappingTests
{
    [Fact]
    public async Task Messages_become_events_in_order_with_the_session_envelope()
    {
        var session = await ReadOneAsync(ToolSession);

        Assert.Equal(["message.system", "message.user", "tool.call", "tool.result", "message.assistant"], session.Events.Select(e => e.EventType));
        Assert.Equal([1L, 2, 3, 4, 5], session.Events.Select(e => e.Sequence));
        Assert.All(session.Events, e => Assert.Equal("s-1", e.SessionId));
        Assert.All(session.Events, e => Assert.Equal(Now, e.Timestamp));
        Assert.Equal("Please cancel booking ABC.", Assert.IsType<MessageEvent>(session.Events[1]).Text);
        var call = Assert.IsType<ToolCallEvent>(session.Events[2]);
        Assert.Equal(("call_1", "cancel_reservation", "{\"reservation_id\":\"ABC\"}"), (call.CallId, call.ToolName, call.Arguments));
        var result = Assert.IsType<ToolResultEvent>(session.Events[3]);
        Assert.Equal(("call_1", "cancel_reservation", "{\"status\":\"cancelled\"}", false), (result.CallId, result.ToolName, result.Result, result.IsError));
        Assert.Equal(5, session.Session.EventCount);
    }

    [Fact]
    public async Task Arguments_given_as_an_object_are_stored_as_json_text()
    {
        var session = await ReadOneAsync(SessionWith("""
            [{ "role": "assistant", "tool_calls": [{ "id": "c1", "function": { "name": "search", "arguments": { "query": "flights", "limit": 3 } } }] }]
            """));

        Assert.Equal("""{ "query": "flights", "limit": 3 }""", Assert.IsType<ToolCallEvent>(Assert.Single(session.Events)).Arguments);
    }

    [Fact]
    public async Task Missing_arguments_are_null()
    {
        var session = await ReadOneAsync(SessionWith("""[{ "role": "assistant", "tool_calls": [{ "id": "c1", "function": { "name": "now" } }] }]"""));

        Assert.Null(Assert.IsType<ToolCallEvent>(Assert.Single(session.Events)).Arguments);
    }

    [Theory]
    [InlineData("\"is_error\": true")]
    [InlineData("\"error\": true")]
    public async Task A_tool_result_flagged_as_error_is_an_error(string flag)
    {
        var session = await ReadOneAsync(SessionWith($$"""[{ "role": "tool", "tool_call_id": "c1", "content": "no seats left", {{flag}} }]"""));

        Assert.True(Assert.IsType<ToolResultEvent>(Assert.Single(session.Events)).IsError);
    }

    [Theory]
    [InlineData("Error: payment amount does not add up", null, true)]
    [InlineData("error: lower case is not the default prefix", null, false)]
    [InlineData("{\"ok\":true}", null, false)]
    [InlineData("FAILED: card declined", "FAILED", true)]
    [InlineData("Error: the default prefix no longer counts", "FAILED", false)]
    public async Task A_tool_result_that_starts_with_the_error_prefix_is_an_error(string content, string? prefix, bool expected)
    {
        var options = prefix is null ? null : new SessionImportOptions { ErrorPrefix = prefix };
        var session = await ReadOneAsync(SessionWith($$"""[{ "role": "tool", "tool_call_id": "c1", "content": {{System.Text.Json.JsonSerializer.Serialize(content)}} }]"""), options);

        Assert.Equal(expected, Assert.IsType<ToolResultEvent>(Assert.Single(session.Events)).IsError);
    }

    [Fact]
    public async Task A_null_error_prefix_turns_prefix_detection_off()
    {
        var session = await ReadOneAsync(SessionWith("""[{ "role": "tool", "tool_call_id": "c1", "content": "Error: x" }]"""), new SessionImportOptions { ErrorPrefix = null });

        Assert.False(Assert.IsType<ToolResultEvent>(Assert.Single(session.Events)).IsError);
    }

    [Fact]
    public async Task A_tool_result_without_name_takes_it_from_the_matching_call()
    {
        var session = await ReadOneAsync(SessionWith("""
            [
              { "role": "assistant", "tool_calls": [
                { "id": "c1", "function": { "name": "get_user", "arguments": "{}" } },
                { "id": "c2", "function": { "name": "get_flight", "arguments": "{}" } } ] },
              { "role": "tool", "tool_call_id": "c2", "content": "flight" },
              { "role": "tool", "tool_call_id": "c1", "content": "user" },
              { "role": "tool", "tool_call_id": "unknown", "content": "?" }
            ]
            """));

        Assert.Equal(["get_flight", "get_user", null], session.Events.OfType<ToolResultEvent>().Select(r => r.ToolName));
    }

    [Fact]
    public async Task An_assistant_message_with_text_and_tool_calls_keeps_both_but_a_call_only_turn_has_no_message()
    {
        var session = await ReadOneAsync(SessionWith("""
            [
              { "role": "assistant", "content": "Let me check.", "tool_calls": [{ "id": "c1", "function": { "name": "a", "arguments": "{}" } }] },
              { "role": "assistant", "content": "", "tool_calls": [{ "id": "c2", "function": { "name": "b", "arguments": "{}" } }] },
              { "role": "assistant", "content": null }
            ]
            """));

        Assert.Equal(["message.assistant", "tool.call", "tool.call", "message.assistant"], session.Events.Select(e => e.EventType));
        Assert.Equal(["Let me check.", ""], session.Events.OfType<MessageEvent>().Select(m => m.Text));
    }

    [Fact]
    public async Task Content_parts_are_joined_and_images_noted_after_them()
    {
        var session = await ReadOneAsync(SessionWith("""
            [{ "role": "user", "name": "ann", "content": [
              { "type": "text", "text": "first" }, { "type": "image_url", "image_url": { "url": "x" } }, { "type": "text", "text": "second" } ] }]
            """));

        var message = Assert.IsType<MessageEvent>(Assert.Single(session.Events));
        Assert.Equal(("first\nsecond\n[attachment: image]", "ann"), (message.Text, message.AuthorName));
    }

    [Fact]
    public async Task Legacy_function_calls_pair_with_function_results_by_name()
    {
        var session = await ReadOneAsync(SessionWith("""
            [
              { "role": "assistant", "content": null, "function_call": { "name": "lookup", "arguments": "{\"q\":1}" } },
              { "role": "function", "name": "lookup", "content": "Error: not found" }
            ]
            """));

        var call = Assert.IsType<ToolCallEvent>(session.Events[0]);
        var result = Assert.IsType<ToolResultEvent>(session.Events[1]);
        Assert.Equal(("lookup", "{\"q\":1}"), (call.ToolName, call.Arguments));
        Assert.Equal((call.CallId, "lookup", true), (result.CallId, result.ToolName, result.IsError));
    }

    [Fact]
    public async Task Tool_calls_without_id_get_a_stable_one()
    {
        var session = await ReadOneAsync(SessionWith("""[{ "role": "assistant", "tool_calls": [{ "function": { "name": "a" } }, { "function": { "name": "b" } }] }]"""));

        Assert.Equal(["call-0-0", "call-0-1"], session.Events.OfType<ToolCallEvent>().Select(c => c.CallId));
    }

    [Fact]
    public async Task The_content_filter_sees_every_text_before_it_is_stored()
    {
        var reader = Reader(text => text.Replace("ABC", "[REDACTED]", StringComparison.Ordinal));

        var session = await ReadOneAsync(ToolSession.Replace("Cancel my booking", "Cancel booking ABC", StringComparison.Ordinal), reader: reader);

        Assert.Equal("Cancel booking [REDACTED]", session.Session.Task);
        Assert.Equal("Please cancel booking [REDACTED].", Assert.IsType<MessageEvent>(session.Events[1]).Text);
        Assert.Equal("{\"reservation_id\":\"[REDACTED]\"}", Assert.IsType<ToolCallEvent>(session.Events[2]).Arguments);
        Assert.DoesNotContain(session.Events, e => e.ToString().Contains("ABC", StringComparison.Ordinal));
    }
}
