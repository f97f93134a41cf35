using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Dreaming.Tests;

/// <summary>An OpenAI-compatible endpoint on loopback: serves /v1/chat/completions from a script of canned replies (JSON
/// bodies, error statuses and SSE streams), one a request, in order, and keeps each request's path and body.</summary>
internal sealed class OpenAIWireServer : ScriptedLoopbackServer
{
    public Uri Endpoint => new($"http://127.0.0.1:{Port}/v1");

    /// <summary>Returns a chat client of model <paramref name="model"/> talking to this endpoint, as an adopter makes one.</summary>
    /// <param name="model">The model id.</param>
    /// <param name="maxRetries">The OpenAI client's retries (its default when <see langword="null"/>).</param>
    public IChatClient ChatClient(string model = "gpt-4o", int? maxRetries = null)
    {
        var options = new OpenAIClientOptions { Endpoint = Endpoint, NetworkTimeout = TimeSpan.FromSeconds(60) };
        if (maxRetries is { } retries)
        {
            options.RetryPolicy = new ClientRetryPolicy(retries);
        }

        return new OpenAIClient(new ApiKeyCredential("k"), options).GetChatClient(model).AsIChatClient();
    }

    /// <summary>Serves a chat completion (non-streaming) with this assistant message, finish reason and usage.</summary>
    public OpenAIWireServer Completion(object message, string finishReason = "stop", object? usage = null, string model = "gpt-4o-2024-08-06") =>
        Json(200, new
        {
            id = "chatcmpl-" + Requests.Count,
            @object = "chat.completion",
            created = 1_700_000_000,
            model,
            choices = new[] { new { index = 0, message, finish_reason = finishReason } },
            usage,
        });

    /// <summary>Serves <paramref name="body"/> as JSON with the status and headers given.</summary>
    public OpenAIWireServer Json(int status, object body, params (string Name, string Value)[] headers)
    {
        EnqueueJson(status, body, "application/json", headers);
        return this;
    }

    /// <summary>Serves an SSE stream of <paramref name="chunks"/> (each a JSON object, or a raw string sent as it is),
    /// each flushed on its own; <paramref name="gate"/> (when given) is awaited before chunk <paramref name="gateAt"/>;
    /// <paramref name="done"/> ends the stream with <c>data: [DONE]</c>, else the response just ends.</summary>
    public OpenAIWireServer Stream(IReadOnlyList<object> chunks, bool done = true, Task? gate = null, int gateAt = 0)
    {
        EnqueueSse(chunks.Count, i => "data: " + (chunks[i] as string ?? JsonSerializer.Serialize(chunks[i])) + "\n\n", gate, gateAt, done ? "data: [DONE]\n\n" : null);
        return this;
    }

    /// <summary>A chunk of a streamed completion: a delta, a finish reason, usage (with no choices), as OpenAI sends them.</summary>
    public static object Chunk(object? delta = null, string? finishReason = null, object? usage = null, bool noChoices = false) => new
    {
        id = "chatcmpl-s",
        @object = "chat.completion.chunk",
        created = 1_700_000_000,
        model = "gpt-4o-2024-08-06",
        choices = noChoices ? Array.Empty<object>() : [new { index = 0, delta = delta ?? new { }, finish_reason = finishReason }],
        usage,
    };

    /// <summary>The usage object OpenAI sends: prompt tokens (cached ones included), completion tokens.</summary>
    public static object Usage(int prompt, int completion, int cached = 0) => new
    {
        prompt_tokens = prompt,
        completion_tokens = completion,
        total_tokens = prompt + completion,
        prompt_tokens_details = new { cached_tokens = cached },
    };
}
