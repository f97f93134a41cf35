using System.Net;
using System.Net.Sockets;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A loopback TCP proxy in front of the test server, so a test can make the server "go away" (every connection
/// cut, new ones refused) and come back on the same port, without touching the shared server.</summary>
public sealed class PostgresTcpProxy : IAsyncDisposable
{
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly List<TcpClient> _clients = [];
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stopping;

    private PostgresTcpProxy(string upstreamHost, int upstreamPort, int port)
    {
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        Port = port;
    }

    /// <summary>Gets the loopback port the proxy listens on.</summary>
    public int Port { get; }

    /// <summary>Starts a proxy on a free loopback port in front of the server of <paramref name="connectionString"/>.</summary>
    public static PostgresTcpProxy Start(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var proxy = new PostgresTcpProxy(builder.Host!, builder.Port, port);
        proxy.Resume();
        return proxy;
    }

    /// <summary>The connection string of <paramref name="connectionString"/> through this proxy.</summary>
    public string Through(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    /// <summary>Listens again (after <see cref="Cut"/>).</summary>
    public void Resume()
    {
        _stopping = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptAsync(_listener, _stopping.Token);
    }

    /// <summary>Stops listening and cuts every open connection, as a server that went away.</summary>
    public void Cut()
    {
        _stopping?.Cancel();
        _listener?.Stop();
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                try
                {
                    // A reset, not a graceful close: the connection is gone, as when a server dies.
                    client.Client?.LingerState = new LingerOption(true, 0);
                }
                catch (ObjectDisposedException)
                {
                }

                client.Dispose();
            }

            _clients.Clear();
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_gate)
            {
                _clients.Add(client);
                _clients.Add(upstream);
            }

            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
