using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A loopback TCP forwarder in front of the test server, which a test takes down (every open connection cut,
/// new ones refused) and brings back on the same port: the database server going away and coming back, without touching
/// the server the other tests share; or that stops passing bytes on while keeping every connection open
/// (<see cref="Freeze"/>): a client host frozen or cut off, whose sockets the server still sees open.</summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    /// <summary>The password <see cref="Options"/> puts in the connection string, which no message may repeat.</summary>
    public const string Password = "hunter2-secret";

    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private Socket? _listener;
    private bool _listening;
    private CancellationTokenSource? _stop;
    private TaskCompletionSource _flowing = Completed();
    private TaskCompletionSource _replying = Completed();
    private TaskCompletionSource _requesting = Completed();
    private long _replyAllowance;
    private long _requestAllowance;
    private long _requestBytes;

    private TcpProxy(IPEndPoint target) => _target = target;

    /// <summary>Gets the port the proxy listens on, the same across <see cref="Down"/> and <see cref="UpAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>Gets how many bytes of requests the proxy has passed on to the server, over every connection: those of a
    /// request whose reply the client has are counted.</summary>
    public long RequestBytes => Interlocked.Read(ref _requestBytes);

    /// <summary>Starts a proxy to the server of <see cref="PostgresTestServer.ConnectionString"/>; with
    /// <paramref name="down"/>, the port is taken and then refused (<see cref="Down"/>) until <see cref="UpAsync"/>: a
    /// server that is down from the start.</summary>
    public static async Task<TcpProxy> StartAsync(bool down = false)
    {
        var server = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString);
        var addresses = await Dns.GetHostAddressesAsync(server.Host!);
        var proxy = new TcpProxy(new IPEndPoint(addresses.First(a => a.AddressFamily == AddressFamily.InterNetwork), server.Port));
        proxy.Listen(0);
        if (down)
        {
            proxy.Down();
        }

        return proxy;
    }

    /// <summary>Options for a store that connects through the proxy, on <paramref name="schema"/>, with
    /// <see cref="Password"/> in the connection string (trust authentication ignores it).</summary>
    public PostgresStoreOptions Options(string schema) => new()
    {
        ConnectionString = Through(PostgresTestServer.ConnectionString!),
        Schema = schema,
    };

    /// <summary><paramref name="connectionString"/> through the proxy, with <see cref="Password"/> and a connection
    /// timeout of 2 s.</summary>
    public string Through(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString)
        {
            Host = "127.0.0.1",
            Port = Port,
            Password = Password,
            Timeout = 2,
        }.ConnectionString;

    /// <summary>Cuts every open connection and refuses new ones.</summary>
    public void Down()
    {
        lock (_gate)
        {
            _stop?.Cancel();
            StopListening();
            foreach (var client in _open)
            {
                // A reset, as a server that went away leaves its clients; the pumps may have disposed it already.
                client.Client?.Close(0);
                client.Dispose();
            }

            _open.Clear();
            _flowing.TrySetResult();
            _replying.TrySetResult();
            _requesting.TrySetResult();
        }
    }

    /// <summary>Stops passing bytes on, in both directions, on every connection (a closed side is not passed on either),
    /// until <see cref="Thaw"/> or <see cref="Down"/>: the server sees the connections open and silent, as those of a
    /// frozen client or one behind a cut network.</summary>
    public void Freeze()
    {
        lock (_gate)
        {
            if (_flowing.Task.IsCompleted)
            {
                _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Stops passing the server's bytes on (and any close), on every connection, until <see cref="Thaw"/> or
    /// <see cref="Down"/>, while the client's requests still reach the server: a client host that stops as soon as it has
    /// sent its request. The server, sending it a result larger than the sockets' buffers, blocks on the send (the proxy's
    /// socket, not read, advertises a zero window, as a stopped process's kernel does).</summary>
    /// <param name="afterBytes">How many bytes of replies still pass first (the small replies of a transaction's first
    /// statements), counted over every connection; a read that would pass beyond them is held whole.</param>
    public void FreezeReplies(long afterBytes = 0)
    {
        lock (_gate)
        {
            if (_replying.Task.IsCompleted)
            {
                _replying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _replyAllowance = afterBytes;
        }
    }

    /// <summary>Stops passing the client's bytes on (and any close), on every connection, until <see cref="Thaw"/> or
    /// <see cref="Down"/>, once <paramref name="afterBytes"/> more have passed: a client host that stops partway through
    /// sending a large statement. The server, reading it, waits for the rest ("active", on <c>ClientRead</c>).</summary>
    /// <param name="afterBytes">How many bytes of requests still pass first, counted over every connection; a read that
    /// would pass beyond them is held whole.</param>
    public void FreezeRequests(long afterBytes)
    {
        lock (_gate)
        {
            if (_requesting.Task.IsCompleted)
            {
                _requesting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _requestAllowance = afterBytes;
        }
    }

    /// <summary>Passes bytes on again, those held while frozen first.</summary>
    public void Thaw()
    {
        lock (_gate)
        {
            _flowing.TrySetResult();
            _replying.TrySetResult();
            _requesting.TrySetResult();
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public async Task UpAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Listen(Port);
                return;
            }
            catch (SocketException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Down();
        lock (_gate)
        {
            _listener?.Dispose();
            _listener = null;
        }

        return ValueTask.CompletedTask;
    }

    // On Linux, SO_REUSEADDR alone (which .NET's Bind sets on every TCP socket anyway): .NET's ReuseAddress also sets
    // SO_REUSEPORT, with which another listener of the same user (another test's proxy) could bind the same port, and the
    // kernel would then spread this proxy's connections over both.
    private static void ReuseAddress(Socket socket, bool reuse = true)
    {
        if (OperatingSystem.IsLinux())
        {
            const int SolSocket = 1;
            const int SoReuseAddr = 2;
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(reuse ? 1 : 0));
        }
        else
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, reuse);
        }
    }

    private static Socket Bound(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            ReuseAddress(socket);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Down keeps the port: on Linux the listening socket stops listening (shutdown of its receiving side: connections
    // are refused) and stays bound, without SO_REUSEADDR, so that no other socket (another test's proxy, a connection's
    // local port) takes the port before UpAsync listens on it again, with SO_REUSEADDR again (the port's connections the
    // proxy closed first are in TIME_WAIT). A port bound explicitly stays bound when its socket stops listening (one
    // bound to port 0 would not): a first socket finds a free port and holds it while the listener binds it too.
    private void Listen(int port)
    {
        Socket? listener;
        lock (_gate)
        {
            listener = _listener;
        }

        if (listener is null)
        {
            if (port == 0 && OperatingSystem.IsLinux())
            {
                using var probe = Bound(0);
                listener = Bound(((IPEndPoint)probe.LocalEndPoint!).Port);
            }
            else
            {
                listener = Bound(port);
            }
        }
        else
        {
            ReuseAddress(listener);
        }

        listener.Listen();
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var stop = new CancellationTokenSource();
        lock (_gate)
        {
            _listener = listener;
            _listening = true;
            _stop = stop;
        }

        _ = AcceptAsync(listener, stop.Token);
    }

    private void StopListening()
    {
        if (_listener is null || !_listening)
        {
            return;
        }

        _listening = false;
        if (OperatingSystem.IsLinux())
        {
            _listener.Shutdown(SocketShutdown.Receive);
            ReuseAddress(_listener, reuse: false);
        }
        else
        {
            _listener.Dispose();
            _listener = null;
        }
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = new TcpClient { Client = await listener.AcceptAsync(stop) };
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(_target, stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }

            lock (_gate)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound, reply: false, stop);
            _ = PumpAsync(outbound, inbound, reply: true, stop);
        }
    }

    private static TaskCompletionSource Completed()
    {
        var completed = new TaskCompletionSource();
        completed.SetResult();
        return completed;
    }

    // Copies as CopyToAsync would, waiting while frozen before each write and before passing a close on; the server's
    // bytes (a reply) also while its replies are frozen, and a close either way too (a frozen host closes nothing).
    private async Task PumpAsync(TcpClient from, TcpClient to, bool reply, CancellationToken stop)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer, stop)) > 0)
            {
                await FlowingAsync(reply, read);

                // Counted before they are passed on: a reply, which follows them, finds them counted.
                if (!reply)
                {
                    Interlocked.Add(ref _requestBytes, read);
                }

                await target.WriteAsync(buffer.AsMemory(0, read), stop);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }

        await ClosingAsync();
        from.Dispose();
        to.Dispose();
    }

    private Task FlowingAsync(bool reply, int bytes)
    {
        lock (_gate)
        {
            var held = reply ? _replying : _requesting;
            if (held.Task.IsCompleted)
            {
                return _flowing.Task;
            }

            ref var allowance = ref reply ? ref _replyAllowance : ref _requestAllowance;
            if (allowance >= bytes)
            {
                allowance -= bytes;
                return _flowing.Task;
            }

            return Task.WhenAll(_flowing.Task, held.Task);
        }
    }

    private Task ClosingAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_flowing.Task, _replying.Task, _requesting.Task);
        }
    }
}
