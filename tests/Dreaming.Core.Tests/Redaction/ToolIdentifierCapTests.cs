using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

#pragma warning disable MEAI001 // The hosted tools' contents are [Experimental] in Microsoft.Extensions.AI 10.11.

namespace Dreaming.Tests;

/// <summary>Tool call ids and tool names come from the provider, of any length: a hostile or broken one's of a megabyte was
/// stored whole, shown in the view, mined as a pattern key and sent in webhooks. They are stored capped
/// (<see cref="ToolCallEvent.MaxCallIdLength"/>, <see cref="ToolCallEvent.MaxToolNameLength"/>) as their start and a hash of
/// the whole, the same live and imported.</summary>
public sealed class ToolIdentifierCapTests
{
    private static readonly string s_idOne = "call_" + new string('a', 1_000_000) + "1";

    // Differs from the first only in its last character, far past the cap.
    private static readonly string s_idTwo = "call_" + new string('a', 1_000_000) + "2";

    // A NUL past the cap (a lone surrogate, which a JSON log cannot hold, is in the next test).
    private static readonly string s_hostedId = "ci_" + new string('b', 200) + "\0" + new string('c', 300);

    private static readonly string s_name = "lookup_" + new string('n', 100_000);

    [Fact]
    public async Task A_megabyte_call_id_and_tool_name_are_stored_capped_pair_their_results_and_match_the_import()
    {
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(
            [
                new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(s_idOne, s_name), new FunctionCallContent(s_idTwo, s_name)]),
                new ChatMessage(ChatRole.Tool, [new FunctionResultContent(s_idOne, "first"), new FunctionResultContent(s_idTwo, "second")]),
                new ChatMessage(ChatRole.Assistant,
                [
                    new CodeInterpreterToolCallContent(s_hostedId) { Inputs = [new DataContent(Encoding.UTF8.GetBytes("1+1"), "text/x-python")] },
                    new CodeInterpreterToolResultContent(s_hostedId) { Outputs = [new TextContent("2")] },
                ]),
                new ChatMessage(ChatRole.Assistant, "Done."),
            ])),
        };
        await using var host = TracingHost.Create(model, b => b.UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "look it up");
        await host.Chat.GetResponseAsync("look it up").WaitAsync(TimeSpan.FromSeconds(30));
        await session.CompleteAsync();
        var live = Tools(await host.EventsAsync(session.Id));

        var idOne = ToolIdentifiers.CallId(s_idOne);
        var idTwo = ToolIdentifiers.CallId(s_idTwo);
        var hosted = ToolIdentifiers.CallId(s_hostedId);
        var name = ToolIdentifiers.ToolName(s_name);
        Assert.Equal(
            [$"call {idOne} {name}", $"call {idTwo} {name}", $"result {idOne} {name} first", $"result {idTwo} {name} second",
             $"call {hosted} code_interpreter", $"result {hosted} code_interpreter 2"],
            live);
        Assert.All([idOne, idTwo, hosted], id => Assert.Equal(ToolCallEvent.MaxCallIdLength, id.Length));
        Assert.Equal(ToolCallEvent.MaxToolNameLength, name!.Length);
        Assert.NotEqual(idOne, idTwo);
        Assert.StartsWith("call_aaaa", idOne, StringComparison.Ordinal);
        Assert.StartsWith("lookup_nnnn", name, StringComparison.Ordinal);

        // The same calls in a saved Responses API request: the same ids and names.
        var log = JsonSerializer.Serialize(new[]
        {
            new
            {
                input = new object[]
                {
                    new { role = "user", content = "look it up" },
                    new { type = "function_call", call_id = s_idOne, name = s_name, arguments = "{}" },
                    new { type = "function_call", call_id = s_idTwo, name = s_name, arguments = "{}" },
                    new { type = "function_call_output", call_id = s_idOne, output = "first" },
                    new { type = "function_call_output", call_id = s_idTwo, output = "second" },
                    new { type = "code_interpreter_call", id = s_hostedId, status = "completed", code = "1+1", outputs = new[] { new { type = "logs", logs = "2" } } },
                    new { role = "assistant", content = "Done." },
                },
            },
        });
        SessionWithEvents? imported = null;
        await foreach (var item in new SessionLogReader().ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "responses.json", new SessionImportOptions { MessagesField = "input" }))
        {
            imported = item.Session ?? throw new InvalidOperationException(item.Error!.ToString());
        }

        Assert.Equal(live, Tools(imported!.Events));

        static List<string> Tools(IEnumerable<SessionEvent> events) => events.Select(e => e switch
        {
            ToolCallEvent c => $"call {c.CallId} {c.ToolName}",
            ToolResultEvent r => $"result {r.CallId} {r.ToolName} {r.Result}",
            _ => null,
        }).OfType<string>().ToList();
    }

    [Fact]
    public void A_capped_value_keeps_its_start_whole_and_its_hash_tells_apart_what_differs_only_in_a_surrogate_or_a_nul()
    {
        var keep = ToolCallEvent.MaxCallIdLength - ToolIdentifiers.HashDigits - 1;

        // A lone high surrogate at the cut point is left out with what follows, not kept as half a pair.
        var lone = new string('a', keep - 1) + "\uD800" + new string('b', 100);
        var capped = ToolIdentifiers.CallId(lone);
        Assert.Equal(new string('a', keep - 1) + "~", capped[..keep]);
        Assert.Equal(ToolCallEvent.MaxCallIdLength - 1, capped.Length);

        // A pair across the cut point is left out whole.
        var pair = new string('a', keep - 1) + "\U0001F600" + new string('b', 100);
        Assert.Equal(new string('a', keep - 1) + "~", ToolIdentifiers.CallId(pair)[..keep]);

        // Lone surrogates and NULs are hashed as they are: replaced by U+FFFD (as UTF-8 would) or dropped, they would collide.
        Assert.Equal(
            5,
            new[] { lone, pair, lone.Replace('\uD800', '\uFFFD'), lone.Replace("\uD800", "\0", StringComparison.Ordinal), lone.Replace("\uD800", string.Empty, StringComparison.Ordinal) }
                .Select(ToolIdentifiers.CallId).Distinct(StringComparer.Ordinal).Count());

        // The same value always gives the same id (across processes too: SHA-256, not a randomized string hash), a capped one
        // is its own capped form, and one that fits is kept as it is, the same instance.
        Assert.Equal(capped, ToolIdentifiers.CallId(new string(lone.AsSpan())));
        Assert.Same(capped, ToolIdentifiers.CallId(capped));
        var fits = "call_\0\uD800" + new string('x', ToolCallEvent.MaxCallIdLength - 7);
        Assert.Same(fits, ToolIdentifiers.CallId(fits));
        Assert.Equal("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa~c5d722ebf55968d66a8bf586c973e6b1",
            ToolIdentifiers.CallId(new string('a', 200)));
    }

    [Fact]
    public void An_event_of_short_ids_is_not_copied_and_one_of_long_ids_is_capped_when_published()
    {
        var call = new ToolCallEvent { SessionId = "s", CallId = "call_1", ToolName = "lookup", Arguments = "{}" };
        var result = new ToolResultEvent { SessionId = "s", CallId = "call_1", ToolName = "lookup", Result = "ok" };
        var filter = new TraceContentFilter([], 1000);
        Assert.Same(call, SessionEventSanitizer.Sanitize(call, filter));
        Assert.Same(result, SessionEventSanitizer.Sanitize(result, filter));

        var longCall = (ToolCallEvent)SessionEventSanitizer.Sanitize(call with { CallId = s_idOne, ToolName = s_name }, filter);
        var longResult = (ToolResultEvent)SessionEventSanitizer.Sanitize(result with { CallId = s_idOne, ToolName = s_name }, filter);
        Assert.Equal((ToolIdentifiers.CallId(s_idOne), ToolIdentifiers.ToolName(s_name)), (longCall.CallId, longCall.ToolName));
        Assert.Equal((longCall.CallId, longCall.ToolName), (longResult.CallId, longResult.ToolName));
    }
}
