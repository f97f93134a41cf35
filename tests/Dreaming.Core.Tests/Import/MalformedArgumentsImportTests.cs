using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>An imported tool call whose arguments string is not valid JSON is flagged as a live session's is
/// (<see cref="ToolCallEvent.ArgumentsError"/>), keeping the raw text as its evidence, so mining sees it.</summary>
public sealed class MalformedArgumentsImportTests
{
    private const string Prefix = "The arguments are not valid JSON: ";

    // One turn asking for two calls: the first's arguments were cut off, the second's are valid.
    private static readonly string s_twoCalls = """
        {
          "id": "s-1", "reward": 0.0,
          "messages": [
            { "role": "user", "content": "Where is order 42?" },
            { "role": "assistant", "content": null, "tool_calls": [
              { "id": "c1", "type": "function", "function": { "name": "lookup_order", "arguments": "{\"orderId\": \"42\"" } },
              { "id": "c2", "type": "function", "function": { "name": "lookup_order", "arguments": "{\"orderId\": \"42\"}" } } ] },
            { "role": "tool", "tool_call_id": "c1", "content": "Error: missing orderId" },
            { "role": "tool", "tool_call_id": "c2", "content": "shipped" }
          ]
        }
        """;

    [Fact]
    public async Task A_call_whose_arguments_string_is_not_valid_json_has_the_parse_error_and_keeps_the_raw_text()
    {
        var session = await ReadOneAsync(s_twoCalls);

        var calls = session.Events.OfType<ToolCallEvent>().ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal("{\"orderId\": \"42\"", calls[0].Arguments);
        Assert.NotNull(calls[0].ArgumentsError);
        Assert.StartsWith(Prefix, calls[0].ArgumentsError, StringComparison.Ordinal);
        Assert.Contains("LineNumber: 0", calls[0].ArgumentsError, StringComparison.Ordinal);
        Assert.Equal("{\"orderId\": \"42\"}", calls[1].Arguments);
        Assert.Null(calls[1].ArgumentsError);

        // The same log reads the same way every time: the error text is stable.
        var again = await ReadOneAsync(s_twoCalls);
        Assert.Equal(calls[0].ArgumentsError, again.Events.OfType<ToolCallEvent>().First().ArgumentsError);
    }

    [Theory]
    [InlineData("\"arguments\": \"\"", "")]
    [InlineData("\"arguments\": \"  \"", "  ")]
    [InlineData("\"arguments\": null", null)]
    [InlineData("\"arguments\": \"{}\"", "{}")]
    [InlineData("\"arguments\": \"null\"", "null")]
    [InlineData("\"arguments\": { \"a\": 1 }", "{ \"a\": 1 }")]
    public async Task Arguments_that_are_absent_blank_or_valid_json_are_not_an_error(string arguments, string? stored)
    {
        var session = await ReadOneAsync(SessionWith($$"""[{ "role": "assistant", "tool_calls": [{ "id": "c1", "function": { "name": "now", {{arguments}} } }] }]"""));

        var call = Assert.IsType<ToolCallEvent>(Assert.Single(session.Events));
        Assert.Equal(stored, call.Arguments);
        Assert.Null(call.ArgumentsError);
    }

    [Fact]
    public async Task A_legacy_function_call_with_arguments_that_are_not_valid_json_is_flagged_too()
    {
        var session = await ReadOneAsync(SessionWith("""[{ "role": "assistant", "function_call": { "name": "now", "arguments": "orderId=42" } }]"""));

        var call = Assert.IsType<ToolCallEvent>(Assert.Single(session.Events));
        Assert.Equal("orderId=42", call.Arguments);
        Assert.Equal(Prefix + "'o' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0.", call.ArgumentsError);
    }

    [Fact]
    public async Task The_parse_error_goes_through_the_content_filter()
    {
        var session = await ReadOneAsync(s_twoCalls, reader: Reader(static text => "<" + text + ">"));

        var call = session.Events.OfType<ToolCallEvent>().First();
        Assert.Equal("<{\"orderId\": \"42\">", call.Arguments);
        Assert.StartsWith("<" + Prefix, call.ArgumentsError, StringComparison.Ordinal);
        Assert.EndsWith(">", call.ArgumentsError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Importing_the_log_again_adds_nothing_and_keeps_the_flagged_call()
    {
        var store = new InMemoryTraceStore();
        var importer = new SessionImporter(store, new FakeTimeProvider(Now));
        var first = await importer.ImportAsync(Utf8("[" + s_twoCalls + "]"), "log.json");
        var stored = await store.GetEventsAsync("s-1");

        var again = await importer.ImportAsync(Utf8("[" + s_twoCalls + "]"), "log.json");

        Assert.Equal((1, 1, 0), (first.Sessions, first.Imported, first.SkippedExisting));
        Assert.Equal((1, 0, 1), (again.Sessions, again.Imported, again.SkippedExisting));
        Assert.Equal((2L, 1L), (again.ToolCalls, again.ToolErrors));
        var events = await store.GetEventsAsync("s-1");
        Assert.Equal(stored, events);
        Assert.StartsWith(Prefix, events.OfType<ToolCallEvent>().First().ArgumentsError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dream_over_imported_sessions_with_repeated_malformed_calls_of_one_tool_finds_it()
    {
        var store = new InMemoryTraceStore();
        var log = new StringBuilder("[");
        for (var i = 0; i < 14; i++)
        {
            log.Append(i == 0 ? string.Empty : ",").Append(ImportedSession($"s{i:D2}", fails: i < 8));
        }

        var result = await new SessionImporter(store, new FakeTimeProvider(Now)).ImportAsync(Utf8(log.Append(']').ToString()), "log.json");
        Assert.Equal(14, result.Imported);
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(store, memory, new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("agent") }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var findings = run.Results.Report.Findings;
        var error = Assert.Single(findings, f => f.Pattern == FindingKinds.ToolError);
        Assert.Equal((FindingKinds.ToolError, "lookup_order", "arguments not valid JSON", 8, 8), (error.Kind, error.Tool, error.Signature, error.Sessions, error.FailedSessions));
        var loop = Assert.Single(findings, f => f.Pattern == FindingKinds.RepeatedFailingCall);
        Assert.Equal((FindingKinds.RepeatedFailingCall, "lookup_order", "arguments not valid JSON", 8), (loop.Kind, loop.Tool, loop.Signature, loop.Sessions));

        // The missing-argument error the calls' results carried is not a pattern of its own.
        Assert.DoesNotContain(findings, f => f.Signature.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_chat_message_function_call_with_arguments_as_a_string_is_not_a_chat_message()
    {
        // FunctionCallContent.Arguments is a dictionary, written as a JSON object, so ChatMessage JSON cannot hold the
        // raw text a model sent: a string there is not read as arguments, and the element is malformed.
        var json = "[" + SessionWith("""[{ "role": "assistant", "contents": [{ "$type": "functionCall", "callId": "c1", "name": "now", "arguments": "{\"tz\": " }] }]""") + "]";

        var exception = await Assert.ThrowsAsync<SessionImportException>(() => ReadAllAsync(json));

        Assert.StartsWith("test.json element 0: message 0 is not a Microsoft.Extensions.AI ChatMessage", exception.Message, StringComparison.Ordinal);
    }

    // A failing session's model sends lookup_order arguments that are not valid JSON three times, each answered with a
    // missing-argument error; a passing one's call is valid and answered.
    private static string ImportedSession(string id, bool fails)
    {
        var messages = new StringBuilder("""[{ "role": "user", "content": "Where is my order?" }""");
        var calls = fails ? new[] { "{\"orderId\": 42", "{orderId: 42}", "orderId=42" } : ["{\"orderId\": 42}"];
        for (var n = 0; n < calls.Length; n++)
        {
            var arguments = System.Text.Json.JsonSerializer.Serialize(calls[n]);
            messages.Append(CultureInfo.InvariantCulture, $$""", { "role": "assistant", "content": null, "tool_calls": [{ "id": "c{{n}}", "type": "function", "function": { "name": "lookup_order", "arguments": {{arguments}} } }] }""");
            messages.Append(CultureInfo.InvariantCulture, $$""", { "role": "tool", "tool_call_id": "c{{n}}", "content": "{{(fails ? "Error: missing required parameter orderId" : "shipped")}}" }""");
        }

        messages.Append(']');
        return $$"""{ "id": "{{id}}", "agent": "agent", "task": "Where is my order?", "reward": {{(fails ? "0.0" : "1.0")}}, "messages": {{messages}} }""";
    }
}
