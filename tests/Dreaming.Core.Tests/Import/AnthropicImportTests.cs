using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

public sealed class AnthropicImportTests
{
    /// <summary>A saved Anthropic Messages request: the system prompt as cached blocks, a tool round whose result failed.</summary>
    private const string RequestSession = """
        {
          "id": "a-1", "agent": "billing",
          "system": [ { "type": "text", "text": "You are a billing agent.", "cache_control": { "type": "ephemeral" } } ],
          "messages": [
            { "role": "user", "content": "Refund order 42." },
            { "role": "assistant", "content": [
              { "type": "thinking", "thinking": "I should look the order up first.", "signature": "EqQBCkYIBxgCKkA" },
              { "type": "text", "text": "Let me look it up." },
              { "type": "tool_use", "id": "toolu_01", "name": "lookup_order", "input": { "order_id": "42", "expand": [ "items" ] } } ] },
            { "role": "user", "content": [
              { "type": "tool_result", "tool_use_id": "toolu_01", "content": "order 42 not found", "is_error": true } ] },
            { "role": "assistant", "content": [ { "type": "text", "text": "I could not find order 42." } ] }
          ]
        }
        """;

    [Fact]
    public async Task Tool_use_and_tool_result_blocks_become_calls_and_results_and_the_system_field_the_system_message()
    {
        var session = await ReadOneAsync(RequestSession);

        Assert.Equal(
            ["message.system", "message.user", "message.assistant", "tool.call", "tool.result", "message.assistant"],
            session.Events.Select(e => e.EventType));
        Assert.Equal("You are a billing agent.", Assert.IsType<MessageEvent>(session.Events[0]).Text);
        Assert.Equal("Let me look it up.", Assert.IsType<MessageEvent>(session.Events[2]).Text);
        var call = Assert.IsType<ToolCallEvent>(session.Events[3]);
        Assert.Equal(("toolu_01", "lookup_order", """{"order_id":"42","expand":["items"]}"""), (call.CallId, call.ToolName, call.Arguments));
        var result = Assert.IsType<ToolResultEvent>(session.Events[4]);
        Assert.Equal(("toolu_01", "lookup_order", "order 42 not found", true), (result.CallId, result.ToolName, result.Result, result.IsError));
        Assert.Equal("Refund order 42.", session.Session.Task);
        Assert.DoesNotContain(session.Events.OfType<MessageEvent>(), m => m.Text.Contains("look the order up first", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"You are terse.\"", "You are terse.")]
    [InlineData("""[{ "type": "text", "text": "You are terse.", "cache_control": { "type": "ephemeral", "ttl": "1h" } }]""", "You are terse.")]
    public async Task A_text_only_session_takes_its_system_prompt_from_the_system_field(string system, string expected)
    {
        var session = await ReadOneAsync($$"""{ "system": {{system}}, "messages": [{ "role": "user", "content": [{ "type": "text", "text": "Hi" }] }, { "role": "assistant", "content": "Bonjour." }] }""");

        Assert.Equal(["message.system", "message.user", "message.assistant"], session.Events.Select(e => e.EventType));
        Assert.Equal(expected, Assert.IsType<MessageEvent>(session.Events[0]).Text);
    }

    [Fact]
    public async Task A_tool_result_starting_with_the_error_prefix_is_an_error_and_blocks_in_it_are_text_and_notes()
    {
        var session = await ReadOneAsync(SessionWith("""
            [
              { "role": "assistant", "content": [
                { "type": "tool_use", "id": "toolu_1", "name": "pay", "input": {} },
                { "type": "tool_use", "id": "toolu_2", "name": "screenshot", "input": {} } ] },
              { "role": "user", "content": [
                { "type": "tool_result", "tool_use_id": "toolu_1", "content": "Error: payment amount does not add up" },
                { "type": "tool_result", "tool_use_id": "toolu_2", "content": [
                  { "type": "text", "text": "the page" },
                  { "type": "image", "source": { "type": "base64", "media_type": "image/png", "data": "AAAA" } } ] },
                { "type": "text", "text": "What now?" } ] }
            ]
            """));

        Assert.Equal(["tool.call", "tool.call", "tool.result", "tool.result", "message.user"], session.Events.Select(e => e.EventType));
        var results = session.Events.OfType<ToolResultEvent>().ToList();
        Assert.Equal([("pay", true), ("screenshot", false)], results.Select(r => (r.ToolName, r.IsError)));
        Assert.Equal("the page\n[attachment: image/png, 3 bytes]", results[1].Result);
        Assert.Equal("{}", session.Events.OfType<ToolCallEvent>().First().Arguments);
        Assert.Equal("What now?", session.Events.OfType<MessageEvent>().Single().Text);
    }

    [Fact]
    public async Task Image_and_document_blocks_are_noted_never_stored()
    {
        var session = await ReadOneAsync(SessionWith("""
            [{ "role": "user", "content": [
              { "type": "text", "text": "Compare these." },
              { "type": "image", "source": { "type": "base64", "media_type": "image/jpeg", "data": "QUJDRA==" } },
              { "type": "image", "source": { "type": "url", "url": "https://cdn.example.com/cat.jpg?sig=secret" } },
              { "type": "document", "title": "terms.pdf", "source": { "type": "base64", "media_type": "application/pdf", "data": "QUJD" } },
              { "type": "document", "source": { "type": "text", "media_type": "text/plain", "data": "héllo" } },
              { "type": "document", "source": { "type": "file", "file_id": "file_011" } }
            ] }]
            """));

        Assert.Equal(
            "Compare these.\n[attachment: image/jpeg, 4 bytes]\n[attachment: image, https://cdn.example.com/cat.jpg]\n[attachment: application/pdf, 3 bytes, terms.pdf]\n[attachment: text/plain, 6 bytes]\n[attachment: document, file id file_011]",
            Assert.IsType<MessageEvent>(Assert.Single(session.Events)).Text);
        Assert.Equal("Compare these.", session.Session.Task);
    }

    [Fact]
    public async Task A_huge_image_is_noted_by_its_size()
    {
        var data = Convert.ToBase64String(new byte[6_000_000]);
        var session = await ReadOneAsync(SessionWith($$"""[{ "role": "user", "content": [{ "type": "image", "source": { "type": "base64", "media_type": "image/png", "data": "{{data}}" } }] }]"""));

        Assert.Equal("[attachment: image/png, 6000000 bytes]", Assert.IsType<MessageEvent>(Assert.Single(session.Events)).Text);
    }

    [Fact]
    public async Task Thinking_is_not_answer_text_so_a_turn_of_thinking_and_a_call_has_no_message()
    {
        var session = await ReadOneAsync(SessionWith("""
            [{ "role": "assistant", "content": [
              { "type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix" },
              { "type": "thinking", "thinking": "The user wants the weather.", "signature": "sig" },
              { "type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": { "city": "Paris" } } ] }]
            """));

        Assert.Equal("tool.call", Assert.Single(session.Events).EventType);
    }

    [Fact]
    public async Task Server_tool_use_and_web_search_results_are_a_call_and_its_result_and_a_search_error_is_a_tool_error()
    {
        var session = await ReadOneAsync(SessionWith("""
            [
              { "role": "user", "content": "News about Mars?" },
              { "role": "assistant", "content": [
                { "type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": { "query": "mars news" } },
                { "type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [
                  { "type": "web_search_result", "url": "https://example.com/mars", "title": "Rover finds water", "encrypted_content": "Eqg3…", "page_age": "April 30, 2025" } ] },
                { "type": "server_tool_use", "id": "srvtoolu_2", "name": "web_search", "input": { "query": "mars news 2" } },
                { "type": "web_search_tool_result", "tool_use_id": "srvtoolu_2", "content": { "type": "web_search_tool_result_error", "error_code": "max_uses_exceeded" } },
                { "type": "text", "text": "A rover found water.", "citations": [ { "type": "web_search_result_location", "url": "https://example.com/mars", "cited_text": "water" } ] } ] }
            ]
            """));

        Assert.Equal(["message.user", "message.assistant", "tool.call", "tool.result", "tool.call", "tool.result"], session.Events.Select(e => e.EventType));
        var results = session.Events.OfType<ToolResultEvent>().ToList();
        Assert.Equal([("web_search", "Rover finds water https://example.com/mars", false), ("web_search", "web_search_tool_result_error: max_uses_exceeded", true)],
            results.Select(r => (r.ToolName, r.Result, r.IsError)));
        Assert.Equal("""{"query":"mars news"}""", session.Events.OfType<ToolCallEvent>().First().Arguments);
    }

    [Fact]
    public async Task A_saved_response_is_the_last_assistant_turn_with_its_usage_beside_a_request_in_its_own_field()
    {
        const string pair = """
            {
              "id": "pair-1",
              "request": { "model": "claude-sonnet-4-5", "system": "You are a billing agent.", "max_tokens": 1024,
                "messages": [ { "role": "user", "content": "Refund order 42." } ] },
              "response": { "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                "content": [ { "type": "text", "text": "Checking." }, { "type": "tool_use", "id": "toolu_9", "name": "lookup_order", "input": { "order_id": "42" } } ],
                "stop_reason": "tool_use", "stop_sequence": null,
                "usage": { "input_tokens": 100, "output_tokens": 20, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 50 } }
            }
            """;

        var session = await ReadOneAsync(pair, new SessionImportOptions { MessagesField = "request.messages" });

        Assert.Equal(["message.system", "message.user", "message.assistant", "tool.call", "model.response"], session.Events.Select(e => e.EventType));
        var response = Assert.IsType<ModelResponseEvent>(session.Events[^1]);
        Assert.Equal(("claude-sonnet-4-5-20250929", "msg_01", "tool_calls", false), (response.ModelId, response.ResponseId, response.FinishReason, response.Streaming));
        Assert.Equal(new SessionUsage { InputTokens = 1150, OutputTokens = 20, CachedInputTokens = 1000, ModelCalls = 1 }, response.Usage);
        Assert.Equal(response.Usage, session.Session.Usage);
        Assert.Equal(5, session.Session.EventCount);
    }

    [Fact]
    public async Task Response_objects_kept_in_the_history_each_record_their_usage()
    {
        var session = await ReadOneAsync(SessionWith("""
            [
              { "role": "user", "content": "Write a poem." },
              { "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5", "content": [ { "type": "text", "text": "Roses" } ],
                "stop_reason": "max_tokens", "usage": { "input_tokens": 10, "output_tokens": 5 } },
              { "role": "user", "content": "Go on." },
              { "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-haiku-4-5", "content": [ { "type": "text", "text": "are red." } ],
                "stop_reason": "end_turn", "usage": { "input_tokens": 20, "output_tokens": 3, "cache_read_input_tokens": null } }
            ]
            """));

        Assert.Equal(["message.user", "message.assistant", "model.response", "message.user", "message.assistant", "model.response"], session.Events.Select(e => e.EventType));
        Assert.Equal(["length", "stop"], session.Events.OfType<ModelResponseEvent>().Select(r => r.FinishReason));
        Assert.Equal(new SessionUsage { InputTokens = 30, OutputTokens = 8, ModelCalls = 2 }, session.Session.Usage);
    }

    [Fact]
    public async Task The_content_filter_redacts_anthropic_arguments_results_and_system_text()
    {
        var reader = Reader(text => text.Replace("sk-secret", "[redacted]", StringComparison.Ordinal));
        var session = await ReadOneAsync(
            """
            { "system": "key sk-secret", "messages": [
              { "role": "assistant", "content": [ { "type": "tool_use", "id": "t1", "name": "login", "input": { "key": "sk-secret" } } ] },
              { "role": "user", "content": [ { "type": "tool_result", "tool_use_id": "t1", "content": [ { "type": "text", "text": "bad key sk-secret" } ] } ] } ] }
            """,
            reader: reader);

        Assert.DoesNotContain(session.Events, e => e switch
        {
            MessageEvent m => m.Text.Contains("sk-secret", StringComparison.Ordinal),
            ToolCallEvent c => c.Arguments!.Contains("sk-secret", StringComparison.Ordinal),
            ToolResultEvent r => r.Result!.Contains("sk-secret", StringComparison.Ordinal),
            _ => false,
        });
        Assert.Equal(3, session.Events.Count);
    }

    [Fact]
    public async Task An_openai_session_beside_an_anthropic_one_in_the_same_file_is_read_as_before()
    {
        var items = await ReadAllAsync("[" + ToolSession + "," + RequestSession + "]");

        Assert.Equal(["message.system", "message.user", "tool.call", "tool.result", "message.assistant"], items[0].Session!.Events.Select(e => e.EventType));
        Assert.Equal(6, items[1].Session!.Events.Count);
    }

    [Theory]
    [InlineData("base64", "application/pdf", "Annual report https://example.com/report.pdf\n[attachment: application/pdf, 3000000 bytes, Annual report]")]
    [InlineData("text", "text/plain", "Annual report https://example.com/report.pdf\nRevenue rose.")]
    public async Task A_fetched_document_is_its_address_and_its_text_or_a_note_never_its_base64(string sourceType, string mediaType, string expected)
    {
        var data = sourceType == "base64" ? Convert.ToBase64String(new byte[3_000_000]) : "Revenue rose.";
        var imported = await ReadOneAsync(SessionWith($$"""
            [
              { "role": "user", "content": "Summarise https://example.com/report.pdf" },
              { "role": "assistant", "content": [
                { "type": "server_tool_use", "id": "srvtoolu_1", "name": "web_fetch", "input": { "url": "https://example.com/report.pdf" } },
                { "type": "web_fetch_tool_result", "tool_use_id": "srvtoolu_1", "content": {
                  "type": "web_fetch_result", "url": "https://example.com/report.pdf", "retrieved_at": "2025-08-25T10:30:00Z",
                  "content": { "type": "document", "title": "Annual report", "citations": { "enabled": true },
                    "source": { "type": "{{sourceType}}", "media_type": "{{mediaType}}", "data": "{{data}}" } } } },
                { "type": "text", "text": "Revenue rose." } ] }
            ]
            """));

        var result = Assert.Single(imported.Events.OfType<ToolResultEvent>());
        Assert.Equal(("web_fetch", expected, false), (result.ToolName, result.Result, result.IsError));
    }
}
