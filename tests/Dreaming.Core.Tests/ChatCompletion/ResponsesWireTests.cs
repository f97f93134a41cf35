using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.ResponsesWireServer;

namespace Dreaming.Tests;

/// <summary>What <c>UseDreaming()</c> records, and what it sends, when the model is behind OpenAI's Responses API,
/// through the OpenAI SDK's <c>ResponsesClient</c> and Microsoft.Extensions.AI.OpenAI's <c>AsIChatClient()</c>, in the
/// pipeline tracing.md shows (outside <c>UseFunctionInvocation()</c>, and inside it): the response objects and SSE events
/// the Responses API sends, as canned replies of a loopback server (docs/tracing.md, "OpenAI Responses API").</summary>
public partial class ResponsesWireTests
{
    private static readonly TimeSpan Bound = WireHost.Bound;

    public static TheoryData<bool, bool> Orders => WireHost.Orders;

    // Micro-units: 10 an input token, 1 a cached one, 80 an output token, for the answering model only.
    private static long Price(ModelCallUsage call) => call.ModelId == Model
        ? ((call.InputTokens - call.CachedInputTokens) * 10) + call.CachedInputTokens + (call.OutputTokens * 80)
        : -1;

    private static TracingHost Host(ResponsesWireServer server, bool dreamingOutside = true, int? maxRetries = null, Action<DreamingOptions>? options = null) =>
        WireHost.Create(server.ChatClient(maxRetries: maxRetries), dreamingOutside, options ?? (o => o.CostOf = Price));

    private static Task<ChatResponse> AskAsync(TracingHost host, bool streaming, string question, ChatOptions? options = null) =>
        WireHost.AskAsync(host, streaming, question, options);

    // Serves one answer of text, streamed or not.
    private static void ScriptText(ResponsesWireServer server, bool streaming, string id, string text, object? usage = null)
    {
        object[] output = [Message("msg_" + id, text)];
        if (streaming)
        {
            server.Stream(Events(id, output, usage));
        }
        else
        {
            server.Response(id, output, usage);
        }
    }

    // Serves one response of these output items, streamed or not, asks the question in a session of its own, and reads the
    // same request and response as a log through the import: the events recorded live, and the session imported.
    private static async Task<(IReadOnlyList<SessionEvent> Live, SessionWithEvents Imported)> LiveAndImportedAsync(object[] output, bool streaming, string question)
    {
        await using var server = new ResponsesWireServer();
        if (streaming)
        {
            server.Stream(Events("resp_1", output, Usage(10, 5)));
        }
        else
        {
            server.Response("resp_1", output, Usage(10, 5));
        }

        await using var host = Host(server);
        string id;
        await using (var session = host.Sessions.StartSession("agent", question))
        {
            id = session.Id;
            await AskAsync(host, streaming, question);
            await session.CompleteAsync();
        }

        var live = await host.EventsAsync(id);
        return (live, await ImportAsync([new { role = "user", content = question }], ResponseObject("resp_1", output, Usage(10, 5))));
    }

    // The session the import reads from a Responses log of one request's input items and its response.
    private static async Task<SessionWithEvents> ImportAsync(object[] input, object response)
    {
        var log = "[{\"input\":" + JsonSerializer.Serialize(input) + ",\"response\":" + JsonSerializer.Serialize(response) + "}]";
        SessionWithEvents? imported = null;
        await foreach (var item in new SessionLogReader().ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "responses.json", new SessionImportOptions { MessagesField = "input" }))
        {
            imported = item.Session ?? throw new InvalidOperationException(item.Error!.ToString());
        }

        return imported ?? throw new InvalidOperationException("The log held no session.");
    }

    // The input items of each request the server was sent.
    private static List<JsonElement> Inputs(ResponsesWireServer server) => server.Requests.Select(r => r.Body.GetProperty("input")).ToList();

    private static string? StringOf(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
