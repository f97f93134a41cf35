using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OllamaSharp;

namespace Dreaming.Tests;

/// <summary>An Ollama server on loopback: serves <c>/api/chat</c> from a script of canned replies (a JSON body, an error
/// status with Ollama's <c>{"error": "..."}</c>, an NDJSON stream), one a request, in order, and keeps each request's
/// path and body.</summary>
internal sealed class OllamaWireServer : ScriptedLoopbackServer
{
    /// <summary>The model the clients this server makes ask for.</summary>
    public const string Model = "llama3.2";

    /// <summary>The time every reply says it was made at.</summary>
    public const string CreatedAt = "2026-11-26T20:00:00.000000Z";

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>Returns OllamaSharp's client of model <paramref name="model"/> talking to this server, as an adopter makes one.</summary>
    public IChatClient ChatClient(string model = Model) => new OllamaApiClient(Endpoint, model);

    /// <summary>Serves a whole reply (a request with <c>"stream": false</c>): this assistant message, done reason and usage.</summary>
    public OllamaWireServer Reply(object message, string doneReason = "stop", int promptEvalCount = 0, int evalCount = 0) =>
        Json(200, Done(message, doneReason, promptEvalCount, evalCount));

    /// <summary>Serves <paramref name="body"/> as JSON with the status given.</summary>
    public OllamaWireServer Json(int status, object body)
    {
        EnqueueJson(status, body, "application/json; charset=utf-8");
        return this;
    }

    /// <summary>Serves Ollama's error body <c>{"error": message}</c> with the status given (404 for a model not pulled).</summary>
    public OllamaWireServer Error(int status, string message) => Json(status, new { error = message });

    /// <summary>Serves an NDJSON stream of <paramref name="lines"/> (each a JSON object, or a raw string sent as it is),
    /// each ended by a newline and flushed on its own; <paramref name="gate"/> (when given) is awaited before line
    /// <paramref name="gateAt"/>; <paramref name="cut"/> sends the last line without its end and aborts the connection.</summary>
    public OllamaWireServer Stream(IReadOnlyList<object> lines, Task? gate = null, int gateAt = 0, bool cut = false)
    {
        Enqueue(async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-ndjson";
            context.Response.SendChunked = true;
            var output = context.Response.OutputStream;
            try
            {
                for (var i = 0; i < lines.Count; i++)
                {
                    if (gate is not null && i == gateAt)
                    {
                        await gate.WaitAsync(TimeSpan.FromSeconds(30));
                    }

                    var line = lines[i] as string ?? JsonSerializer.Serialize(lines[i]);
                    var last = cut && i == lines.Count - 1;
                    await output.WriteAsync(Encoding.UTF8.GetBytes(last ? line : line + "\n"));
                    await output.FlushAsync();
                }

                if (cut)
                {
                    // The server died mid-line: the connection is dropped, not closed with the chunked terminator.
                    context.Response.Abort();
                    return;
                }

                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or TimeoutException)
            {
                // The client went away (a cancelled stream): nothing more to send.
                context.Response.Abort();
            }
        });
        return this;
    }

    /// <summary>A line of a stream before the last: a part of the assistant message.</summary>
    public static object Part(object message) => new { model = Model, created_at = CreatedAt, message, done = false };

    /// <summary>The last line of a stream, or a whole reply: the message (empty text in a stream), <c>"done": true</c>,
    /// the done reason, the durations and the usage (<c>prompt_eval_count</c> input, <c>eval_count</c> output tokens).</summary>
    public static object Done(object? message = null, string doneReason = "stop", int promptEvalCount = 0, int evalCount = 0) => new
    {
        model = Model,
        created_at = CreatedAt,
        message = message ?? new { role = "assistant", content = "" },
        done_reason = doneReason,
        done = true,
        total_duration = 5_000_000_000L,
        load_duration = 1_000_000L,
        prompt_eval_count = promptEvalCount,
        prompt_eval_duration = 100_000_000L,
        eval_count = evalCount,
        eval_duration = 2_000_000_000L,
    };

    /// <summary>An assistant message of text.</summary>
    public static object Text(string content) => new { role = "assistant", content };

    /// <summary>An assistant message of tool calls, each (name, arguments as an object), with no ids, as Ollama sends them.</summary>
    public static object ToolCalls(params (string Name, object Arguments)[] calls) => new
    {
        role = "assistant",
        content = "",
        tool_calls = calls.Select(c => new { function = new { name = c.Name, arguments = c.Arguments } }).ToArray(),
    };
}
