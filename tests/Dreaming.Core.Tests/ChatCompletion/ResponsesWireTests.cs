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

    // The input items of each request the server was sent.
    private static List<JsonElement> Inputs(ResponsesWireServer server) => server.Requests.Select(r => r.Body.GetProperty("input")).ToList();

    private static string? StringOf(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
