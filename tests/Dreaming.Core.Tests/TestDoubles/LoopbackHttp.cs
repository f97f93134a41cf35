using System.Net;
using System.Net.Sockets;

namespace Dreaming.Tests;

/// <summary>Starts an <see cref="HttpListener"/> on a free 127.0.0.1 port. The port is found by binding port 0 and
/// releasing it, so another process can take it before the listener starts: that port is given up and another tried.</summary>
internal static class LoopbackHttp
{
    /// <summary>Adds a 127.0.0.1 prefix on a free port to <paramref name="listener"/> and starts it.</summary>
    /// <param name="listener">A listener with no prefixes, not started.</param>
    /// <returns>The port it listens on.</returns>
    public static int Start(HttpListener listener)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return port;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Prefixes.Clear();
            }
        }
    }

    /// <summary>Gets a 127.0.0.1 port nothing listens on at the moment of the call (for a connection that must be refused).</summary>
    /// <returns>The port.</returns>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
