using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>A logged request holds the memory UseDreaming() injected (a system message or block of its own, after the host's
/// prompt): it is not the conversation, and a dream that mined it would learn from its own lessons.</summary>
public sealed class InjectedMemoryImportTests
{
    private static readonly string s_memory = InsightRanker.SharedHeader + "\n- [ins-refund] A refund needs a photo first.\n- [ins-brief] Keep answers short.";
    private static readonly string s_agentMemory = InsightRanker.Header + "\n- [ins-refund] A refund needs a photo first.";

    [Fact]
    public async Task The_memory_block_of_an_anthropic_system_is_left_out_and_its_insights_are_the_sessions()
    {
        var session = await ReadOneAsync($$"""
            { "system": [ { "type": "text", "text": "You are a billing agent." }, { "type": "text", "text": {{Json(s_memory)}} }, { "type": "text", "text": "Instructions after it." } ],
              "messages": [ { "role": "user", "content": "Refund 42." }, { "role": "assistant", "content": [ { "type": "text", "text": "Sure [ins-refund]." } ] } ] }
            """);

        Assert.Equal(
            [("system", "You are a billing agent."), ("system", "Instructions after it."), ("user", "Refund 42."), ("assistant", "Sure [ins-refund].")],
            session.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(["ins-refund", "ins-brief"], session.Session.InsightIds);
    }

    [Fact]
    public async Task The_memory_message_of_an_openai_or_chat_message_log_is_left_out()
    {
        var session = await ReadOneAsync($$"""
            { "messages": [
              { "role": "system", "content": "You are a billing agent." },
              { "role": "system", "content": {{Json(s_agentMemory)}} },
              { "role": "user", "content": "Refund 42." },
              { "role": "assistant", "content": "Sure." } ] }
            """);
        var chatMessages = await ReadOneAsync($$"""
            { "messages": [
              { "role": "system", "contents": [ { "$type": "text", "text": "You are a billing agent." } ] },
              { "role": "system", "contents": [ { "$type": "text", "text": {{Json(s_memory)}} } ] },
              { "role": "user", "contents": [ { "$type": "text", "text": "Refund 42." } ] } ] }
            """);

        Assert.Equal([("system", "You are a billing agent."), ("user", "Refund 42."), ("assistant", "Sure.")], session.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(["ins-refund"], session.Session.InsightIds);
        Assert.Equal([("system", "You are a billing agent."), ("user", "Refund 42.")], chatMessages.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(["ins-refund", "ins-brief"], chatMessages.Session.InsightIds);
    }

    [Fact]
    public async Task The_insights_the_answers_cite_are_recorded_cited_as_live_so_a_dream_credits_only_those()
    {
        // Live, UseDreaming() records the ids an answer cites (memory.cited): a passing session then credits only the cited
        // insights helpful, the others given are only seen. Without it, an imported one credited every insight given.
        var session = await ReadOneAsync($$"""
            { "system": [ { "type": "text", "text": "You are a billing agent." }, { "type": "text", "text": {{Json(s_memory)}} } ],
              "messages": [ { "role": "user", "content": "Refund 42." },
                { "role": "assistant", "content": [ { "type": "text", "text": "Keeping it short [ins-brief], then [ins-refund] and [ins-brief] again; not [ins-refunds] or [xins-refund]." } ] },
                { "role": "user", "content": "And 43?" },
                { "role": "assistant", "content": "Same [ins-refund], and [ins-other] was never given." } ],
              "success": true }
            """);

        Assert.Equal(["ins-brief", "ins-refund"], session.Events.OfType<InsightsCitedEvent>().SelectMany(e => e.InsightIds));
        Assert.Equal(session.Events.Select((e, i) => (long)i + 1), session.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task An_id_given_twice_is_recorded_once_as_a_live_session_records_what_it_was_given()
    {
        // A history saved after a call (the memory message with it) and sent again is given the memory a second time: the
        // request holds it twice. Live, memory.injected lists each insight once (InsightRanker gives an id once).
        var first = InsightRanker.Header + "\n- [ins-refund] A refund needs a photo first.\n- [ins-brief] Keep answers short.";
        var second = InsightRanker.SharedHeader + "\n- [ins-brief] Keep answers short.\n- [ins-global] Be polite.\n- [ins-brief] Keep answers short.";
        var session = await ReadOneAsync($$"""
            { "messages": [
              { "role": "system", "content": {{Json(first)}} },
              { "role": "user", "content": "Refund 42." },
              { "role": "assistant", "content": "Sure [ins-brief]." },
              { "role": "system", "content": {{Json(second)}} },
              { "role": "user", "content": "And 43?" },
              { "role": "assistant", "content": "Same [ins-brief] [ins-global]." } ] }
            """);

        Assert.Equal(["ins-refund", "ins-brief", "ins-global"], session.Session.InsightIds);
        Assert.Equal(["ins-brief", "ins-global"], session.Events.OfType<InsightsCitedEvent>().Single().InsightIds);
    }

    [Fact]
    public async Task Without_the_memory_an_answer_citing_ids_records_no_citation()
    {
        var session = await ReadOneAsync("""{ "messages": [ { "role": "user", "content": "Refund 42." }, { "role": "assistant", "content": "Done [ins-refund]." } ] }""");

        Assert.Empty(session.Events.OfType<InsightsCitedEvent>());
    }

    [Fact]
    public async Task The_memory_UseDreaming_appended_to_the_instructions_is_cut_from_the_prompt_and_its_insights_are_the_sessions()
    {
        // With a conversation id (the Responses API, a server-kept thread), UseDreaming() gives the memory as
        // ChatOptions.Instructions, after the host's own ("\n\n" between them), which the provider's client sends as one
        // system or developer message (one Anthropic system block): the prompt was kept whole, the old lessons with it.
        var prompt = "You are a billing agent.\nBe polite.";
        var session = await ReadOneAsync($$"""
            { "system": {{Json(prompt + "\n\n" + s_memory)}},
              "messages": [ { "role": "user", "content": "Refund 42." }, { "role": "assistant", "content": [ { "type": "text", "text": "Sure [ins-brief]." } ] } ] }
            """);
        var openAi = await ReadOneAsync($$"""
            { "messages": [
              { "role": "developer", "content": {{Json(prompt + "\n\n" + s_agentMemory)}} },
              { "role": "user", "content": "Refund 42." }, { "role": "assistant", "content": "Sure." } ] }
            """);
        var chatMessages = await ReadOneAsync($$"""
            { "messages": [
              { "role": "system", "contents": [ { "$type": "text", "text": {{Json(prompt + "\n\n" + s_memory)}} } ] },
              { "role": "user", "contents": [ { "$type": "text", "text": "Refund 42." } ] } ] }
            """);

        Assert.Equal([("system", prompt), ("user", "Refund 42."), ("assistant", "Sure [ins-brief].")], session.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(["ins-refund", "ins-brief"], session.Session.InsightIds);
        Assert.Equal(["ins-brief"], session.Events.OfType<InsightsCitedEvent>().Single().InsightIds);
        Assert.Equal([("developer", prompt), ("user", "Refund 42."), ("assistant", "Sure.")], openAi.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(["ins-refund"], openAi.Session.InsightIds);
        Assert.Equal([("system", prompt), ("user", "Refund 42.")], chatMessages.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal(["ins-refund", "ins-brief"], chatMessages.Session.InsightIds);
    }

    [Fact]
    public async Task The_instructions_of_a_Responses_API_request_are_its_system_message_without_the_memory_appended_to_them()
    {
        // With a conversation id UseDreaming() appends the memory to ChatOptions.Instructions, which the Responses client
        // sends as the request's "instructions" beside its "input" (and the response echoes): they were not read, so the
        // session had no system prompt, and neither the memory's ids nor the insights its answer cites.
        var instructions = Json("You are a billing agent.\n\n" + s_memory);
        var options = new SessionImportOptions { MessagesField = "input" };
        var request = await ReadOneAsync(
            $$"""
            { "instructions": {{instructions}}, "input": [ { "role": "user", "content": "Refund 42." } ],
              "response": { "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4.1", "instructions": {{instructions}},
                "output": [ { "type": "message", "role": "assistant", "content": [ { "type": "output_text", "text": "Sure [ins-brief]." } ] } ] } }
            """,
            options);
        var echoed = await ReadOneAsync(
            $$"""
            { "input": [ { "role": "user", "content": "Refund 42." } ],
              "response": { "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4.1", "instructions": {{instructions}},
                "output": [ { "type": "message", "role": "assistant", "content": [ { "type": "output_text", "text": "Sure [ins-brief]." } ] } ] } }
            """,
            options);

        foreach (var session in (SessionWithEvents[])[request, echoed])
        {
            Assert.Equal([("system", "You are a billing agent."), ("user", "Refund 42."), ("assistant", "Sure [ins-brief].")], session.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
            Assert.Equal(["ins-refund", "ins-brief"], session.Session.InsightIds);
            Assert.Equal(["ins-brief"], session.Events.OfType<InsightsCitedEvent>().Single().InsightIds);
        }
    }

    [Fact]
    public async Task Instructions_a_log_also_keeps_as_its_first_system_message_are_that_message_alone()
    {
        var session = await ReadOneAsync("""
            { "instructions": "You are a billing agent.", "messages": [ { "role": "system", "content": "You are a billing agent." }, { "role": "user", "content": "Hi" } ] }
            """);

        Assert.Equal([("system", "You are a billing agent."), ("user", "Hi")], session.Events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
    }

    [Theory]
    [InlineData("You are a billing agent.\n\nLessons from earlier sessions (cite an id in brackets when you act on one):\nAlso: be nice.")]
    [InlineData("You are a billing agent.\nLessons from earlier sessions (cite an id in brackets when you act on one):\n- [a] b")]
    [InlineData("You are a billing agent.\n\nLessons from earlier sessions (cite an id in brackets when you act on one):\n- [a] b\nSign as Ann.")]
    public async Task Instructions_that_only_end_like_the_memory_are_kept(string text)
    {
        var session = await ReadOneAsync($$"""{ "messages": [ { "role": "system", "content": {{Json(text)}} }, { "role": "assistant", "content": "ok" } ] }""");

        Assert.Equal(text, session.Events.OfType<MessageEvent>().First().Text);
        Assert.Empty(session.Session.InsightIds);
    }

    [Theory]
    [InlineData("system", "Lessons from earlier sessions (cite an id in brackets when you act on one):\nAlso: be nice.")]
    [InlineData("system", "Lessons from earlier sessions (cite an id in brackets when you act on one):")]
    [InlineData("user", "Lessons from earlier sessions (cite an id in brackets when you act on one):\n- [a] b")]
    [InlineData("system", "Read this. Lessons from earlier sessions (cite an id in brackets when you act on one):\n- [a] b")]
    public async Task Text_that_only_looks_like_the_memory_is_kept(string role, string text)
    {
        var session = await ReadOneAsync($$"""{ "messages": [ { "role": "{{role}}", "content": {{Json(text)}} }, { "role": "assistant", "content": "ok" } ] }""");

        Assert.Equal(text, session.Events.OfType<MessageEvent>().First().Text);
        Assert.Empty(session.Session.InsightIds);
    }

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
