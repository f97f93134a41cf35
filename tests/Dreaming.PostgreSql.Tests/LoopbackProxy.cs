using System.Net;
using System.Net.Sockets;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A loopback port that refuses connections until <see cref="Start"/>, then forwards each to the test server:
/// a server that is down, then back, at one address.</summary>
internal sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private Task? _accepting;

    public LoopbackProxy(int target)
    {
        _target = target;

        // Take a free port, then release it: until Start nothing listens there, so connections are refused.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    public int Port { get; }

    public void Start()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Stop();
        if (_accepting is not null)
        {
            await _accepting.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            _ = Task.Run(() => ForwardAsync(client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, cancellationToken);
                var a = client.GetStream();
                var b = server.GetStream();
                await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken));
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
            {
                // A side closed, or the proxy stopped: the connection ends.
            }
        }
    }
}
