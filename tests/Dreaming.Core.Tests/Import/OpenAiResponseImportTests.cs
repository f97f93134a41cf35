using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>A Chat Completions response object saved beside its request: its answer, finish reason and usage.</summary>
public sealed class OpenAiResponseImportTests
{
    private const string Request = """
        "messages": [ { "role": "system", "content": "You are a billing agent." }, { "role": "user", "content": "Refund order 42." } ]
        """;

    [Fact]
    public async Task The_saved_chat_completion_is_the_last_assistant_turn_with_its_model_response()
    {
        var session = await ReadOneAsync($$"""
            { {{Request}}, "response": { "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-2024-08-06",
              "choices": [ { "index": 0, "message": { "role": "assistant", "content": "Let me check.", "refusal": null,
                "tool_calls": [ { "id": "call_1", "type": "function", "function": { "name": "lookup_order", "arguments": "{\"id\":\"42\"}" } } ] },
                "logprobs": null, "finish_reason": "tool_calls" } ],
              "usage": { "prompt_tokens": 120, "completion_tokens": 20, "total_tokens": 140,
                "prompt_tokens_details": { "cached_tokens": 64, "audio_tokens": 0 }, "completion_tokens_details": { "reasoning_tokens": 0 } } } }
            """);

        Assert.Equal(["message.system", "message.user", "message.assistant", "tool.call", "model.response"], session.Events.Select(e => e.EventType));
        var response = Assert.IsType<ModelResponseEvent>(session.Events[^1]);
        Assert.Equal(("gpt-4o-2024-08-06", "chatcmpl-1", "tool_calls"), (response.ModelId, response.ResponseId, response.FinishReason));
        Assert.Equal((120L, 20L, 64L, 1L), (response.Usage.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls));
        Assert.Equal(response.Usage, session.Session.Usage);
        Assert.Equal(("lookup_order", """{"id":"42"}"""), (session.Events.OfType<ToolCallEvent>().Single().ToolName, session.Events.OfType<ToolCallEvent>().Single().Arguments));
    }

    [Theory]
    [InlineData("stop", "stop")]
    [InlineData("length", "length")]
    [InlineData("content_filter", "content_filter")]
    [InlineData("function_call", "tool_calls")]
    [InlineData(null, null)]
    public async Task Finish_reasons_are_recorded_as_UseDreaming_records_them(string? sent, string? recorded)
    {
        var reason = sent is null ? "null" : "\"" + sent + "\"";
        var session = await ReadOneAsync($$"""
            { {{Request}}, "answer": { "id": "chatcmpl-2", "model": "gpt-4o-mini", "choices": [ { "index": 0, "message": { "role": "assistant", "content": "No." }, "finish_reason": {{reason}} } ] } }
            """, new SessionImportOptions { ResponseField = "answer" });

        Assert.Equal(["message.system", "message.user", "message.assistant", "model.response"], session.Events.Select(e => e.EventType));
        Assert.Equal("No.", session.Events.OfType<MessageEvent>().Last().Text);
        var response = Assert.IsType<ModelResponseEvent>(session.Events[^1]);
        Assert.Equal(recorded, response.FinishReason);
        Assert.Equal((0L, 0L, 1L), (response.Usage.InputTokens, response.Usage.OutputTokens, response.Usage.ModelCalls));
    }

    [Theory]
    [InlineData("""{ "id": "chatcmpl-3", "choices": "none" }""", "response has \"choices\" that is a string, not an array")]
    [InlineData("""{ "id": "chatcmpl-3", "choices": [] }""", "response has \"choices\" without a choice")]
    [InlineData("""{ "id": "chatcmpl-3", "choices": [ { "finish_reason": "stop" } ] }""", "response has choice 0 without a \"message\" object")]
    [InlineData("""{ "id": "chatcmpl-3", "choices": [ { "message": { "role": "assistant", "content": "x" } } ], "usage": { "prompt_tokens": -1 } }""", "response has \"usage\" whose \"prompt_tokens\" is a number, not a whole number of at least 0")]
    [InlineData("""{ "id": "chatcmpl-3", "choices": [ { "message": { "role": "assistant", "content": 5 } } ] }""", "response has \"content\" that is a number, not a string, an array of parts or null")]
    public async Task A_malformed_chat_completion_is_named(string response, string problem)
    {
        var items = await ReadAllAsync($$"""[{ {{Request}}, "response": {{response}} }]""", new SessionImportOptions { ErrorHandling = ImportErrorHandling.SkipMalformed });

        Assert.Equal("test.json element 0: " + problem, Assert.Single(items).Error?.ToString());
    }

    [Theory]
    [InlineData("""{ "type": "message", "role": "assistant", "content": [ { "type": "output_text", "text": "x" } ] }""")]
    [InlineData("""{ "system": "the logger" }""")]
    [InlineData("\"ok\"")]
    public async Task Another_response_value_is_left_alone_as_it_always_was(string response)
    {
        var session = await ReadOneAsync($$"""{ {{Request}}, "response": {{response}} }""");

        Assert.Equal(["message.system", "message.user"], session.Events.Select(e => e.EventType));
    }
    [Fact]
    public async Task A_saved_Responses_API_response_is_the_last_assistant_turn_with_its_model_response()
    {
        // It was left alone: the session ended at the request, without the answer, its calls or its usage.
        var calls = new List<ModelCallUsage>();
        var reader = new SessionLogReader(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now)) { CostOf = call => { calls.Add(call); return 7; } };
        var session = await ReadOneAsync(
            $$"""
            { {{Request}}, "response": { "id": "resp_1", "object": "response", "created_at": 1741476542, "status": "completed", "model": "gpt-4.1-2025-04-14",
              "output": [
                { "type": "reasoning", "id": "rs_1", "summary": [] },
                { "type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": [ { "type": "output_text", "text": "Let me check.", "annotations": [] } ] },
                { "type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "lookup_order", "arguments": "{\"id\":\"42\"}", "status": "completed" } ],
              "usage": { "input_tokens": 120, "input_tokens_details": { "cached_tokens": 64 }, "output_tokens": 20, "output_tokens_details": { "reasoning_tokens": 8 }, "total_tokens": 140 } } }
            """,
            reader: reader);

        Assert.Equal(["message.system", "message.user", "message.assistant", "tool.call", "model.response"], session.Events.Select(e => e.EventType));
        Assert.Equal("Let me check.", session.Events.OfType<MessageEvent>().Last().Text);
        Assert.Equal(("call_1", "lookup_order", """{"id":"42"}"""), session.Events.OfType<ToolCallEvent>().Select(c => (c.CallId, c.ToolName, c.Arguments)).Single());
        var response = Assert.IsType<ModelResponseEvent>(session.Events[^1]);
        Assert.Equal(("gpt-4.1-2025-04-14", "resp_1", "tool_calls"), (response.ModelId, response.ResponseId, response.FinishReason));
        Assert.Equal((120L, 20L, 64L, 1L, 7L), (response.Usage.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls, response.Usage.CostMinorUnits));
        Assert.Equal(response.Usage, session.Session.Usage);
        Assert.Equal(new ModelCallUsage("imported", "openai", "gpt-4.1-2025-04-14", 120, 20, 64) { ReasoningOutputTokens = 8 }, Assert.Single(calls));
    }

    [Theory]
    [InlineData("\"status\": \"completed\"", "stop")]
    [InlineData("\"status\": \"incomplete\", \"incomplete_details\": { \"reason\": \"max_output_tokens\" }", "length")]
    [InlineData("\"status\": \"incomplete\", \"incomplete_details\": { \"reason\": \"content_filter\" }", "content_filter")]
    [InlineData("\"status\": \"failed\"", null)]
    // Not finished (a background response polled, a log written mid-stream), or cut off without a reason: no stop, as
    // Microsoft.Extensions.AI.OpenAI gives such a response none; they were recorded "stop", a turn the model ended.
    [InlineData("\"status\": \"in_progress\"", null)]
    [InlineData("\"status\": \"queued\"", null)]
    [InlineData("\"status\": \"incomplete\"", null)]
    [InlineData("\"status\": \"incomplete\", \"incomplete_details\": null", null)]
    [InlineData("\"status\": null", "stop")]
    public async Task A_Responses_API_responses_finish_reason_is_its_status_as_UseDreaming_records_it(string status, string? recorded)
    {
        var session = await ReadOneAsync($$"""
            { {{Request}}, "response": { "id": "resp_1", "object": "response", {{status}}, "model": "gpt-4.1",
              "output": [ { "type": "message", "role": "assistant", "content": [ { "type": "output_text", "text": "Done." } ] } ] } }
            """);

        Assert.Equal(recorded, session.Events.OfType<ModelResponseEvent>().Single().FinishReason);
        Assert.Equal("Done.", session.Events.OfType<MessageEvent>().Last().Text);
    }

    [Fact]
    public async Task A_Responses_API_requests_function_call_and_output_items_are_its_calls_and_results()
    {
        // A request after a tool round holds the calls and their outputs as items of no "role" (Microsoft.Extensions.AI.OpenAI
        // sends them so, beside the reasoning items it got): the whole session was malformed ("message 2 has no role").
        var session = await ReadOneAsync(
            """
            { "input": [
                { "type": "message", "role": "user", "content": [ { "type": "input_text", "text": "Where is order 42?" } ] },
                { "type": "reasoning", "id": "rs_1", "summary": [] },
                { "type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "lookup_order", "arguments": "{\"id\":\"42\"}", "status": "completed" },
                { "type": "function_call_output", "call_id": "call_1", "output": "shipped" },
                { "type": "function_call", "call_id": "call_2", "name": "refund", "arguments": "{}" },
                { "type": "function_call_output", "call_id": "call_2", "output": [ { "type": "input_text", "text": "Error: not allowed" } ] } ],
              "response": { "id": "resp_2", "object": "response", "status": "completed", "model": "gpt-4.1",
                "output": [ { "type": "message", "role": "assistant", "content": [ { "type": "output_text", "text": "It shipped." } ] } ] } }
            """,
            new SessionImportOptions { MessagesField = "input", ErrorPrefix = "Error:" });

        Assert.Equal(["message.user", "tool.call", "tool.result", "tool.call", "tool.result", "message.assistant", "model.response"], session.Events.Select(e => e.EventType));
        Assert.Equal(
            [("call_1", "lookup_order", "shipped", false), ("call_2", "refund", "Error: not allowed", true)],
            session.Events.OfType<ToolResultEvent>().Select(r => (r.CallId, r.ToolName, r.Result, r.IsError)));
        Assert.Equal("""{"id":"42"}""", session.Events.OfType<ToolCallEvent>().First().Arguments);
        Assert.Equal("Where is order 42?", session.Session.Task);
    }

    [Theory]
    [InlineData("""{ "call_id": "call_1", "output": "x" }""", "message 1 has no \"role\"")]
    [InlineData("""{ "type": "message", "content": "x" }""", "message 1 has no \"role\"")]
    [InlineData("""{ "type": "function_call", "call_id": "call_1", "arguments": "{}" }""", "message 1 has a function_call without a function \"name\"")]
    [InlineData("""{ "type": "function_call_output", "output": "x" }""", "message 1 is a function_call_output without \"call_id\"")]
    [InlineData("""{ "type": "function_call_output", "call_id": "call_1", "output": 42 }""", "message 1 has \"output\" that is a number, not a string, an array of parts or null")]
    public async Task A_malformed_Responses_API_input_item_is_named(string item, string problem)
    {
        var items = await ReadAllAsync(
            $$"""[{ "input": [ { "role": "user", "content": "Hi" }, {{item}} ] }]""",
            new SessionImportOptions { MessagesField = "input", ErrorHandling = ImportErrorHandling.SkipMalformed });

        Assert.Equal("test.json element 0: " + problem, Assert.Single(items).Error?.ToString());
    }

    [Fact]
    public async Task A_Responses_API_response_whose_output_item_is_not_an_object_is_named()
    {
        var items = await ReadAllAsync(
            $$"""[{ {{Request}}, "response": { "object": "response", "output": [ "Done." ] } }]""",
            new SessionImportOptions { ErrorHandling = ImportErrorHandling.SkipMalformed });

        Assert.Equal("test.json element 0: response has output item 0 that is not an object with a \"type\"", Assert.Single(items).Error?.ToString());
    }
}
