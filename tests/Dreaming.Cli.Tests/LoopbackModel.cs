using System.Net;
using System.Text;
using Dreaming.Tests;

namespace Dreaming.Cli.Tests;

/// <summary>An HTTP server on 127.0.0.1 that stands in for a model endpoint: every request is answered by the handler.</summary>
internal sealed class LoopbackModel : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerContext, Task> _handler;
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _serving;
    private int _requests;

    private LoopbackModel(Func<HttpListenerContext, Task> handler)
    {
        _handler = handler;
        var port = LoopbackHttp.Start(_listener);
        Endpoint = new Uri($"http://127.0.0.1:{port}/v1");
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The endpoint, ending in /v1.</summary>
    public Uri Endpoint { get; }

    public int Requests => Volatile.Read(ref _requests);

    public Task FirstRequest => _first.Task;

    public static LoopbackModel Start(Func<HttpListenerContext, Task> handler) => new(handler);

    public static async Task ReplyAsync(HttpListenerContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body);
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _requests);
            _first.TrySetResult();
            _ = Task.Run(async () =>
            {
                try
                {
                    await _handler(context);
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    // The client went away.
                }
            });
        }
    }
}
