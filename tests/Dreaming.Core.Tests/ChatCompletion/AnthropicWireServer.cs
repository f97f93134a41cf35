using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>An Anthropic Messages API endpoint on loopback: serves /v1/messages from a script of canned replies (message
/// JSON bodies, error statuses and SSE streams with named events), one a request, in order, and keeps each request's path,
/// headers of interest and JSON body. The official Anthropic SDK is pointed at it through <c>ClientOptions.BaseUrl</c>.</summary>
internal sealed class AnthropicWireServer : ScriptedLoopbackServer
{
    /// <summary>The model id the canned replies name: the dated snapshot, as Anthropic answers a request for an alias.</summary>
    public const string Snapshot = "claude-sonnet-4-5-20250929";

    /// <summary>Gets the base URL the SDK is given: the SDK adds <c>/v1/messages</c>.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Returns a chat client of model <paramref name="model"/> talking to this endpoint, as an adopter makes one
    /// with the official SDK (<c>new AnthropicClient(options).AsIChatClient(model)</c>).</summary>
    /// <param name="model">The model id asked for.</param>
    /// <param name="maxRetries">The SDK's retries (0 unless given: its default of 2 waits half a second and more).</param>
    public IChatClient ChatClient(string model = "claude-sonnet-4-5", int maxRetries = 0) =>
        new AnthropicClient(new ClientOptions { ApiKey = "k", BaseUrl = BaseUrl, MaxRetries = maxRetries, Timeout = TimeSpan.FromSeconds(60) })
            .AsIChatClient(model);

    /// <summary>Serves a message (non-streaming) of these content blocks, stop reason and usage; its id is <c>msg_{n}</c>,
    /// n the replies scripted before it.</summary>
    public AnthropicWireServer Message(object[] content, string stopReason = "end_turn", object? usage = null, string model = Snapshot) =>
        Json(200, new
        {
            id = "msg_" + QueuedReplies.ToString(System.Globalization.CultureInfo.InvariantCulture),
            type = "message",
            role = "assistant",
            model,
            content,
            stop_reason = stopReason,
            stop_sequence = (string?)null,
            usage = usage ?? Usage(10, 1),
        });

    /// <summary>Serves <paramref name="body"/> as JSON with the status and headers given.</summary>
    public AnthropicWireServer Json(int status, object body, params (string Name, string Value)[] headers)
    {
        EnqueueJson(status, body, "application/json", headers);
        return this;
    }

    /// <summary>Serves Anthropic's error body (<c>{"type":"error","error":{...}}</c>) with the status given.</summary>
    public AnthropicWireServer Error(int status, string type, string message, params (string Name, string Value)[] headers) =>
        Json(status, new { type = "error", error = new { type, message }, request_id = "req_1" }, headers);

    /// <summary>Serves an SSE stream of <paramref name="events"/>, each a JSON object sent as <c>event: {its type}</c> and
    /// <c>data: {it}</c> (a raw string is sent as its data, as event <c>message_delta</c>), each flushed on its own;
    /// <paramref name="gate"/> (when given) is awaited before event <paramref name="gateAt"/>.</summary>
    public AnthropicWireServer Stream(IReadOnlyList<object> events, Task? gate = null, int gateAt = 0)
    {
        EnqueueSse(events.Count, i =>
        {
            if (events[i] is string raw)
            {
                return "event: message_delta\ndata: " + raw + "\n\n";
            }

            var data = JsonSerializer.Serialize(events[i]);
            using var parsed = JsonDocument.Parse(data);
            return "event: " + parsed.RootElement.GetProperty("type").GetString() + "\ndata: " + data + "\n\n";
        }, gate, gateAt);
        return this;
    }

    /// <summary>A text content block.</summary>
    public static object Text(string text) => new { type = "text", text };

    /// <summary>A tool_use content block (the model calls a tool).</summary>
    public static object ToolUse(string id, string name, object input) => new { type = "tool_use", id, name, input };

    /// <summary>The usage object Anthropic sends: <c>input_tokens</c> counts only the uncached input, the cache's reads
    /// and writes are counted apart.</summary>
    public static object Usage(int input, int output, int cacheRead = 0, int cacheCreation = 0) => new
    {
        input_tokens = input,
        output_tokens = output,
        cache_read_input_tokens = cacheRead,
        cache_creation_input_tokens = cacheCreation,
    };

    /// <summary>The <c>message_start</c> event: the message, no content yet, the input's usage.</summary>
    public static object MessageStart(object usage, string id = "msg_s", string model = Snapshot) => new
    {
        type = "message_start",
        message = new
        {
            id,
            type = "message",
            role = "assistant",
            model,
            content = Array.Empty<object>(),
            stop_reason = (string?)null,
            stop_sequence = (string?)null,
            usage,
        },
    };

    /// <summary>The <c>content_block_start</c> event of block <paramref name="index"/>.</summary>
    public static object BlockStart(int index, object block) => new { type = "content_block_start", index, content_block = block };

    /// <summary>A <c>content_block_delta</c> of text.</summary>
    public static object TextDelta(int index, string text) => new { type = "content_block_delta", index, delta = new { type = "text_delta", text } };

    /// <summary>A <c>content_block_delta</c> of a tool call's arguments: a piece of their JSON.</summary>
    public static object JsonDelta(int index, string partialJson) => new { type = "content_block_delta", index, delta = new { type = "input_json_delta", partial_json = partialJson } };

    /// <summary>The <c>content_block_stop</c> event of block <paramref name="index"/>.</summary>
    public static object BlockStop(int index) => new { type = "content_block_stop", index };

    /// <summary>The <c>message_delta</c> event: the stop reason and the usage (output tokens, as Anthropic sends them).</summary>
    public static object MessageDelta(string stopReason, object usage) => new
    {
        type = "message_delta",
        delta = new { stop_reason = stopReason, stop_sequence = (string?)null },
        usage,
    };

    /// <summary>The <c>message_stop</c> event.</summary>
    public static object MessageStop() => new { type = "message_stop" };

    /// <summary>A whole streamed text reply: start, one text block in the pieces given, delta, stop.</summary>
    public static object[] TextStream(object startUsage, object deltaUsage, string stopReason, params string[] pieces) =>
    [
        MessageStart(startUsage),
        BlockStart(0, Text("")),
        .. pieces.Select(p => TextDelta(0, p)),
        BlockStop(0),
        MessageDelta(stopReason, deltaUsage),
        MessageStop(),
    ];
}
