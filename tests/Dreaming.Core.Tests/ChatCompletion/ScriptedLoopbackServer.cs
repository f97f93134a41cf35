using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Dreaming.Tests;

/// <summary>A provider's endpoint on loopback for wire tests: serves each request with the next canned reply of its
/// script, in order (status 599 when the script has run out), each request on its own task so a stream held at a gate
/// does not stop the next request being served, and keeps each request's path and JSON body. The provider-specific
/// servers (<see cref="OpenAIWireServer"/>, <see cref="ResponsesWireServer"/>, <see cref="AnthropicWireServer"/>, <see cref="OllamaWireServer"/>) add the
/// replies in their wire format.</summary>
internal abstract class ScriptedLoopbackServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<Func<HttpListenerContext, Task>> _replies = new();
    private readonly Task _serving;

    protected ScriptedLoopbackServer()
    {
        Port = LoopbackHttp.Start(_listener);
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Gets the loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Gets the requests served so far: path and JSON body.</summary>
    public ConcurrentQueue<(string Path, JsonElement Body)> Requests { get; } = new();

    /// <summary>Gets the number of replies still waiting in the script.</summary>
    protected int QueuedReplies => _replies.Count;

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    /// <summary>Adds a reply to the end of the script.</summary>
    /// <param name="reply">Writes the response to the request it is given.</param>
    protected void Enqueue(Func<HttpListenerContext, Task> reply) => _replies.Enqueue(reply);

    /// <summary>Adds to the script a reply of <paramref name="body"/> serialised as JSON, with the status, content type
    /// and headers given.</summary>
    protected void EnqueueJson(int status, object body, string contentType, params (string Name, string Value)[] headers) =>
        Enqueue(async context =>
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            foreach (var (name, value) in headers)
            {
                context.Response.Headers[name] = value;
            }

            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        });

    /// <summary>Adds to the script a server-sent event stream of <paramref name="count"/> frames, frame <c>i</c> written
    /// by <paramref name="frame"/> (with its <c>\n\n</c>) and flushed on its own, then <paramref name="end"/> (when given);
    /// <paramref name="gate"/> (when given) is awaited before frame <paramref name="gateAt"/>. A client that goes away
    /// (a cancelled stream) ends it.</summary>
    protected void EnqueueSse(int count, Func<int, string> frame, Task? gate, int gateAt, string? end = null) =>
        Enqueue(async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/event-stream";
            context.Response.SendChunked = true;
            var output = context.Response.OutputStream;
            try
            {
                for (var i = 0; i < count; i++)
                {
                    if (gate is not null && i == gateAt)
                    {
                        await gate.WaitAsync(TimeSpan.FromSeconds(30));
                    }

                    await output.WriteAsync(Encoding.UTF8.GetBytes(frame(i)));
                    await output.FlushAsync();
                }

                if (end is not null)
                {
                    await output.WriteAsync(Encoding.UTF8.GetBytes(end));
                }

                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or TimeoutException)
            {
                // The client went away (a cancelled stream): nothing more to send.
                context.Response.Abort();
            }
        });

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync().ConfigureAwait(false);
                using (var json = JsonDocument.Parse(body.Length == 0 ? "{}" : body))
                {
                    Requests.Enqueue((context.Request.Url!.AbsolutePath, json.RootElement.Clone()));
                }

                if (_replies.TryDequeue(out var reply))
                {
                    await reply(context).ConfigureAwait(false);
                }
                else
                {
                    context.Response.StatusCode = 599;
                    context.Response.Close();
                }
            });
        }
    }
}
