using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Dreaming.Tests;

/// <summary>OpenAI's Responses API on loopback: serves /v1/responses from a script of canned replies (response objects,
/// error statuses and SSE event streams), one a request, in order, and keeps each request's path and body. The chat client
/// is the OpenAI SDK's <c>ResponsesClient</c> made an <see cref="IChatClient"/> by Microsoft.Extensions.AI.OpenAI's
/// <c>AsIChatClient()</c>, as an adopter makes it.</summary>
internal sealed class ResponsesWireServer : ScriptedLoopbackServer
{
    public const string Model = "gpt-5-mini-2025-08-07";

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/v1");

    /// <summary>Returns a chat client of model <paramref name="model"/> over the Responses API of this endpoint.</summary>
    /// <param name="model">The model id.</param>
    /// <param name="maxRetries">The OpenAI client's retries (its default when <see langword="null"/>).</param>
    public IChatClient ChatClient(string model = "gpt-5-mini", int? maxRetries = null)
    {
        var options = new OpenAIClientOptions { Endpoint = Endpoint, NetworkTimeout = TimeSpan.FromSeconds(60) };
        if (maxRetries is { } retries)
        {
            options.RetryPolicy = new ClientRetryPolicy(retries);
        }

        // The Responses client is marked for evaluation (OPENAI001) in OpenAI 2.14: an adopter suppresses it too.
#pragma warning disable OPENAI001
        return new OpenAIClient(new ApiKeyCredential("k"), options).GetResponsesClient().AsIChatClient(model);
#pragma warning restore OPENAI001
    }

    /// <summary>Serves a response object (non-streaming) of these output items.</summary>
    public ResponsesWireServer Response(string id, object[] output, object? usage, string status = "completed", string? incompleteReason = null, object? error = null) =>
        Json(200, ResponseObject(id, output, usage, status, incompleteReason, error));

    /// <summary>Serves <paramref name="body"/> as JSON with the status and headers given.</summary>
    public ResponsesWireServer Json(int status, object body, params (string Name, string Value)[] headers)
    {
        EnqueueJson(status, body, "application/json", headers);
        return this;
    }

    /// <summary>Serves an SSE stream of <paramref name="events"/> (each an object with its <c>type</c>, sent as
    /// <c>event: type</c> and <c>data: json</c>, or a raw string sent as the data of an unnamed event), each flushed on its
    /// own, with their <c>sequence_number</c>s; <paramref name="gate"/> (when given) is awaited before event
    /// <paramref name="gateAt"/>. A Responses stream has no <c>[DONE]</c>: it just ends.</summary>
    public ResponsesWireServer Stream(IReadOnlyList<object> events, Task? gate = null, int gateAt = 0)
    {
        EnqueueSse(events.Count, i =>
        {
            if (events[i] is string raw)
            {
                return "data: " + raw + "\n\n";
            }

            var json = JsonSerializer.SerializeToNode(events[i])!.AsObject();
            json["sequence_number"] = i;
            return "event: " + json["type"] + "\ndata: " + json.ToJsonString() + "\n\n";
        }, gate, gateAt);
        return this;
    }

    /// <summary>The response object the Responses API returns (and streams in its response.* events).</summary>
    public static object ResponseObject(string id, object[] output, object? usage, string status = "completed", string? incompleteReason = null, object? error = null) => new Dictionary<string, object?>
    {
        ["id"] = id,
        ["object"] = "response",
        ["created_at"] = 1_760_000_000,
        ["status"] = status,
        ["error"] = error,
        ["incomplete_details"] = incompleteReason is null ? null : new { reason = incompleteReason },
        ["instructions"] = null,
        ["max_output_tokens"] = null,
        ["model"] = Model,
        ["output"] = output,
        ["parallel_tool_calls"] = true,
        ["previous_response_id"] = null,
        ["reasoning"] = new { effort = "medium", summary = (string?)null },
        ["store"] = true,
        ["temperature"] = 1.0,
        ["text"] = new { format = new { type = "text" } },
        ["tool_choice"] = "auto",
        ["tools"] = Array.Empty<object>(),
        ["top_p"] = 1.0,
        ["truncation"] = "disabled",
        ["usage"] = usage,
        ["metadata"] = new { },
    };

    /// <summary>An assistant message item of one output_text part.</summary>
    public static object Message(string id, string text) => new
    {
        type = "message",
        id,
        status = "completed",
        role = "assistant",
        content = new object[] { new { type = "output_text", text, annotations = Array.Empty<object>() } },
    };

    /// <summary>An assistant message item of one refusal part.</summary>
    public static object Refusal(string id, string refusal) => new
    {
        type = "message",
        id,
        status = "completed",
        role = "assistant",
        content = new object[] { new { type = "refusal", refusal } },
    };

    /// <summary>A function_call item.</summary>
    public static object FunctionCall(string id, string callId, string arguments, string name = "lookup_order") =>
        new { type = "function_call", id, call_id = callId, name, arguments, status = "completed" };

    /// <summary>A reasoning item with a summary.</summary>
    public static object Reasoning(string id, string summary) =>
        new { type = "reasoning", id, summary = new object[] { new { type = "summary_text", text = summary } } };

    /// <summary>The usage object of a response: input tokens (cached ones included), output tokens (reasoning ones included).</summary>
    public static object Usage(int input, int output, int cached = 0, int reasoning = 0) => new
    {
        input_tokens = input,
        input_tokens_details = new { cached_tokens = cached },
        output_tokens = output,
        output_tokens_details = new { reasoning_tokens = reasoning },
        total_tokens = input + output,
    };

    /// <summary>The events of a streamed response: created, the items (a message's text in <paramref name="textDeltas"/>,
    /// a function call's arguments in two deltas), and the terminal event (<c>response.completed</c>,
    /// <c>response.incomplete</c> or <c>response.failed</c> by <paramref name="status"/>) carrying the whole response.</summary>
    public static List<object> Events(string id, object[] output, object? usage, string[]? textDeltas = null, string status = "completed", string? incompleteReason = null, object? error = null)
    {
        List<object> events = [new { type = "response.created", response = ResponseObject(id, [], null, "in_progress") }];
        for (var index = 0; index < output.Length; index++)
        {
            var item = JsonSerializer.SerializeToElement(output[index]);
            var itemId = item.GetProperty("id").GetString();
            switch (item.GetProperty("type").GetString())
            {
                case "message":
                    events.Add(new { type = "response.output_item.added", output_index = index, item = new { type = "message", id = itemId, status = "in_progress", role = "assistant", content = Array.Empty<object>() } });
                    var part = item.GetProperty("content")[0];
                    if (part.GetProperty("type").GetString() == "refusal")
                    {
                        var refusal = part.GetProperty("refusal").GetString();
                        events.Add(new { type = "response.refusal.delta", item_id = itemId, output_index = index, content_index = 0, delta = refusal });
                        events.Add(new { type = "response.refusal.done", item_id = itemId, output_index = index, content_index = 0, refusal });
                    }
                    else
                    {
                        events.Add(new { type = "response.content_part.added", item_id = itemId, output_index = index, content_index = 0, part = new { type = "output_text", text = "", annotations = Array.Empty<object>() } });
                        foreach (var delta in textDeltas ?? [part.GetProperty("text").GetString()!])
                        {
                            events.Add(new { type = "response.output_text.delta", item_id = itemId, output_index = index, content_index = 0, delta, logprobs = Array.Empty<object>() });
                        }

                        events.Add(new { type = "response.output_text.done", item_id = itemId, output_index = index, content_index = 0, text = part.GetProperty("text").GetString(), logprobs = Array.Empty<object>() });
                        events.Add(new { type = "response.content_part.done", item_id = itemId, output_index = index, content_index = 0, part });
                    }

                    break;
                case "function_call":
                    var arguments = item.GetProperty("arguments").GetString()!;
                    var half = arguments.Length / 2;
                    events.Add(new { type = "response.output_item.added", output_index = index, item = new { type = "function_call", id = itemId, call_id = item.GetProperty("call_id").GetString(), name = item.GetProperty("name").GetString(), arguments = "", status = "in_progress" } });
                    events.Add(new { type = "response.function_call_arguments.delta", item_id = itemId, output_index = index, delta = arguments[..half] });
                    events.Add(new { type = "response.function_call_arguments.delta", item_id = itemId, output_index = index, delta = arguments[half..] });
                    events.Add(new { type = "response.function_call_arguments.done", item_id = itemId, output_index = index, arguments });
                    break;
                case "reasoning":
                    var summary = item.GetProperty("summary")[0].GetProperty("text").GetString();
                    events.Add(new { type = "response.output_item.added", output_index = index, item = new { type = "reasoning", id = itemId, summary = Array.Empty<object>() } });
                    events.Add(new { type = "response.reasoning_summary_part.added", item_id = itemId, output_index = index, summary_index = 0, part = new { type = "summary_text", text = "" } });
                    events.Add(new { type = "response.reasoning_summary_text.delta", item_id = itemId, output_index = index, summary_index = 0, delta = summary });
                    events.Add(new { type = "response.reasoning_summary_text.done", item_id = itemId, output_index = index, summary_index = 0, text = summary });
                    events.Add(new { type = "response.reasoning_summary_part.done", item_id = itemId, output_index = index, summary_index = 0, part = new { type = "summary_text", text = summary } });
                    break;
                default:
                    events.Add(new { type = "response.output_item.added", output_index = index, item = output[index] });
                    break;
            }

            events.Add(new { type = "response.output_item.done", output_index = index, item = output[index] });
        }

        events.Add(new { type = "response." + (status == "completed" ? "completed" : status), response = ResponseObject(id, output, usage, status, incompleteReason, error) });
        return events;
    }
}
