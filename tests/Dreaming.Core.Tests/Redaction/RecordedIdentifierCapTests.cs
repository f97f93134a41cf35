using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

#pragma warning disable MEAI001 // The hosted tools' contents are [Experimental] in Microsoft.Extensions.AI 10.11.

namespace Dreaming.Tests;

/// <summary>Tool call ids and tool names, a response's model id, response id and finish reason, a message's role and author
/// name come from the provider (or a log), of any length: a hostile or broken one's of a megabyte was stored whole, shown in
/// the view, mined as a pattern key, priced and sent in webhooks. They are stored capped (<see cref="ToolCallEvent.MaxCallIdLength"/>,
/// <see cref="ModelResponseEvent.MaxModelIdLength"/>, …) as their start and a hash of the whole, the same live and imported.</summary>
public sealed class RecordedIdentifierCapTests
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

        var idOne = RecordedIdentifiers.CallId(s_idOne);
        var idTwo = RecordedIdentifiers.CallId(s_idTwo);
        var hosted = RecordedIdentifiers.CallId(s_hostedId);
        var name = RecordedIdentifiers.ToolName(s_name);
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
        var keep = ToolCallEvent.MaxCallIdLength - RecordedIdentifiers.HashDigits - 1;

        // A lone high surrogate at the cut point is left out with what follows, not kept as half a pair.
        var lone = new string('a', keep - 1) + "\uD800" + new string('b', 100);
        var capped = RecordedIdentifiers.CallId(lone);
        Assert.Equal(new string('a', keep - 1) + "~", capped[..keep]);
        Assert.Equal(ToolCallEvent.MaxCallIdLength - 1, capped.Length);

        // A pair across the cut point is left out whole.
        var pair = new string('a', keep - 1) + "\U0001F600" + new string('b', 100);
        Assert.Equal(new string('a', keep - 1) + "~", RecordedIdentifiers.CallId(pair)[..keep]);

        // Lone surrogates and NULs are hashed as they are: replaced by U+FFFD (as UTF-8 would) or dropped, they would collide.
        Assert.Equal(
            5,
            new[] { lone, pair, lone.Replace('\uD800', '\uFFFD'), lone.Replace("\uD800", "\0", StringComparison.Ordinal), lone.Replace("\uD800", string.Empty, StringComparison.Ordinal) }
                .Select(RecordedIdentifiers.CallId).Distinct(StringComparer.Ordinal).Count());

        // The same value always gives the same id (across processes too: SHA-256, not a randomized string hash), a capped one
        // is its own capped form, and one that fits is kept as it is, the same instance.
        Assert.Equal(capped, RecordedIdentifiers.CallId(new string(lone.AsSpan())));
        Assert.Same(capped, RecordedIdentifiers.CallId(capped));
        var fits = "call_\0\uD800" + new string('x', ToolCallEvent.MaxCallIdLength - 7);
        Assert.Same(fits, RecordedIdentifiers.CallId(fits));
        Assert.Equal("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa~c5d722ebf55968d66a8bf586c973e6b1",
            RecordedIdentifiers.CallId(new string('a', 200)));
    }

    [Theory]
    [InlineData("ft:gpt-4o-mini-2024-07-18:my-org:refund-summaries:abc123")]
    [InlineData("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6")]
    [InlineData("arn:aws:bedrock:eu-central-1:123456789012:provisioned-model/anthropic.claude-3-5-sonnet-20240620-v1:0/abcdef012345")]
    [InlineData("projects/my-project-123456/locations/europe-west4/publishers/google/models/gemini-2.5-pro-preview-06-05")]
    [InlineData("projects/my-project-123456/locations/us-central1/endpoints/1234567890123456789")]
    [InlineData("https://my-resource.openai.azure.com/openai/deployments/gpt-4o-refunds-eastus2-prod")]
    public void A_real_providers_model_id_is_recorded_and_priced_whole(string modelId)
    {
        // A fine-tune's id, a Bedrock ARN, a Vertex AI resource name, an Azure deployment's URL: far below the cap, so the
        // price table and the grouping by model see what the provider sent, the same instance.
        Assert.Same(modelId, RecordedIdentifiers.ModelId(modelId));
        var response = new ModelResponseEvent { ModelId = modelId, ResponseId = "resp_" + new string('0', 48), FinishReason = "stop" };
        Assert.Same(response, SessionEventSanitizer.Sanitize(response, TraceContentFilter.BuiltIn));

        // The boundary: a model id of exactly the cap is kept, one character more is capped to the cap.
        var atCap = modelId + new string('x', ModelResponseEvent.MaxModelIdLength - modelId.Length);
        Assert.Same(atCap, RecordedIdentifiers.ModelId(atCap));
        var capped = RecordedIdentifiers.ModelId(atCap + "y")!;
        Assert.Equal(ModelResponseEvent.MaxModelIdLength, capped.Length);
        Assert.StartsWith(modelId, capped, StringComparison.Ordinal);
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
        Assert.Equal((RecordedIdentifiers.CallId(s_idOne), RecordedIdentifiers.ToolName(s_name)), (longCall.CallId, longCall.ToolName));
        Assert.Equal((longCall.CallId, longCall.ToolName), (longResult.CallId, longResult.ToolName));
    }

    [Fact]
    public async Task A_megabyte_model_id_response_id_finish_reason_role_and_author_name_are_stored_and_priced_capped_as_imported()
    {
        var modelId = "gpt-4o-2024-08-06" + new string('m', 1_000_000);
        var responseId = "chatcmpl-" + new string('r', 1_000_000);
        var finishReason = "stop" + new string('f', 1_000_000);
        var role = "critic" + new string('o', 1_000_000);
        var author = "alice" + new string('a', 1_000_000);
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Done."))
            {
                ModelId = modelId,
                ResponseId = responseId,
                FinishReason = new ChatFinishReason(finishReason),
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 },
            }),
        };
        var priced = new List<string?>();
        await using var host = TracingHost.Create(model, b => b.UseDreaming(), o => o.CostOf = call =>
        {
            lock (priced)
            {
                priced.Add(call.ModelId);
            }

            return 7;
        });
        await using var session = host.Sessions.StartSession("agent", "review it");
        await host.Chat.GetResponseAsync([new ChatMessage(new ChatRole(role), "review it") { AuthorName = author }]).WaitAsync(TimeSpan.FromSeconds(30));
        await session.RecordAsync(new ErrorEvent { ErrorType = "Hostile" + new string('e', 1_000_000), Message = "failed" });
        await session.RecordAsync(new ToolResultEvent { CallId = "call_1", IsError = true, ErrorType = "Hostile" + new string('t', 1_000_000) });
        await session.CompleteAsync();
        var live = await host.EventsAsync(session.Id);

        var message = Assert.IsType<MessageEvent>(live[0]);
        var response = Assert.Single(live.OfType<ModelResponseEvent>());
        Assert.Equal(RecordedIdentifiers.ModelId(modelId), response.ModelId);
        Assert.Equal(ModelResponseEvent.MaxModelIdLength, response.ModelId!.Length);
        Assert.StartsWith("gpt-4o-2024-08-06mmm", response.ModelId, StringComparison.Ordinal);
        Assert.Equal(ModelResponseEvent.MaxResponseIdLength, response.ResponseId!.Length);
        Assert.Equal(ModelResponseEvent.MaxFinishReasonLength, response.FinishReason!.Length);
        Assert.Equal((MessageEvent.MaxRoleLength, MessageEvent.MaxAuthorNameLength), (message.Role.Length, message.AuthorName!.Length));
        Assert.Equal("message." + message.Role, message.EventType);
        Assert.Equal(ErrorEvent.MaxErrorTypeLength, Assert.Single(live.OfType<ErrorEvent>()).ErrorType.Length);
        Assert.Equal(ErrorEvent.MaxErrorTypeLength, Assert.Single(live.OfType<ToolResultEvent>()).ErrorType!.Length);

        // The price table is given the model id as stored: its start, for a prefix match, and never the megabyte.
        Assert.Equal([response.ModelId], priced);
        Assert.Equal(7, response.Usage.CostMinorUnits);

        // The same call saved as a Chat Completions request and response: the same stored values, and the same price asked.
        var log = JsonSerializer.Serialize(new
        {
            messages = new[] { new { role, name = author, content = "review it" } },
            response = new
            {
                id = responseId,
                model = modelId,
                choices = new[] { new { message = new { role = "assistant", content = "Done." }, finish_reason = finishReason } },
                usage = new { prompt_tokens = 10, completion_tokens = 5 },
            },
        });
        var importPriced = new List<string?>();
        SessionWithEvents? imported = null;
        var reader = new SessionLogReader { CostOf = call => { importPriced.Add(call.ModelId); return 7; } };
        await foreach (var item in reader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "chat.jsonl", new SessionImportOptions()))
        {
            imported = item.Session ?? throw new InvalidOperationException(item.Error!.ToString());
        }

        var importedMessage = Assert.IsType<MessageEvent>(imported!.Events[0]);
        var importedResponse = Assert.Single(imported.Events.OfType<ModelResponseEvent>());
        Assert.Equal((message.Role, message.AuthorName), (importedMessage.Role, importedMessage.AuthorName));
        Assert.Equal((response.ModelId, response.ResponseId, response.FinishReason), (importedResponse.ModelId, importedResponse.ResponseId, importedResponse.FinishReason));
        Assert.Equal(priced, importPriced);
    }
}
