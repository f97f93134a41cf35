using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>A number beyond a double (1e400) or a long in any field the import reads is an error naming the element and the
/// field, or is kept as the log writes it; never an exception that escapes the reader.</summary>
public sealed class HugeNumberImportTests
{
    [Theory]
    [InlineData("""{ "messages": [], "reward": 1e400 }""", "element 0: has \"reward\" that is a number, not a finite number")]
    [InlineData("""{ "messages": [], "reward": -1e400 }""", "element 0: has \"reward\" that is a number, not a finite number")]
    [InlineData("""{ "messages": [], "started_at": 1e400 }""", "element 0: has \"started_at\" that is not a time (ISO 8601 text or Unix seconds)")]
    [InlineData("""{ "messages": [], "ended_at": 1e300 }""", "element 0: has \"ended_at\" that is not a time (ISO 8601 text or Unix seconds)")]
    [InlineData("""{ "messages": [], "response": { "type": "message", "role": "assistant", "content": [], "stop_reason": "end_turn", "usage": { "input_tokens": 1e400 } } }""", "response has \"usage\" whose \"input_tokens\" is a number, not a whole number of at least 0")]
    [InlineData("""{ "messages": [], "response": { "object": "response", "output": [], "usage": { "output_tokens": 99999999999999999999 } } }""", "response has \"usage\" whose \"output_tokens\" is a number, not a whole number of at least 0")]
    [InlineData("""{ "messages": [ { "role": "user", "contents": [ { "$type": "usage", "details": { "inputTokenCount": 1e400 } } ] } ] }""", "message 0")]
    public async Task A_huge_number_where_a_count_time_or_score_belongs_is_an_error_naming_the_element(string session, string problem)
    {
        var item = Assert.Single(await ReadAllAsync("[" + session + "]", new SessionImportOptions { ErrorHandling = ImportErrorHandling.SkipMalformed }));

        Assert.False(item.Succeeded);
        Assert.Contains(problem, item.Error!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_number_in_arguments_or_a_result_is_kept_as_the_log_writes_it()
    {
        var session = await ReadOneAsync("""
            { "id": 1e400, "messages": [
              { "role": "assistant", "content": null, "tool_calls": [ { "id": "c1", "function": { "name": "pay", "arguments": { "amount": 1e400 } } } ] },
              { "role": "tool", "tool_call_id": "c1", "content": "ok" },
              { "role": "assistant", "contents": [ { "$type": "functionCall", "callId": "c2", "name": "pay", "arguments": { "amount": -1e400 } } ] },
              { "role": "tool", "contents": [ { "$type": "functionResult", "callId": "c2", "result": 1e400 } ] } ] }
            """);

        Assert.Equal("1e400", session.Session.Id);
        Assert.Equal(["""{ "amount": 1e400 }""", """{"amount":-1e400}"""], session.Events.OfType<ToolCallEvent>().Select(c => c.Arguments));
        Assert.Equal("1e400", session.Events.OfType<ToolResultEvent>().Last().Result);
    }
}
