using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Dreaming;

/// <summary>Refuses to connect to loopback, private, link-local and other internal addresses (server-side request forgery),
/// judged on the addresses the host name resolves to at connection time, so DNS cannot smuggle an internal target in.</summary>
internal static class WebhookTargetGuard
{
    /// <summary>Tells whether an address is internal: loopback, RFC 1918 private, carrier-grade NAT, link-local, unique-local,
    /// unspecified, multicast or broadcast (IPv4-mapped IPv6 addresses are judged as IPv4).</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || b[0] >= 224;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (b[0] & 0xFE) == 0xFC;
        }

        return true;
    }

    /// <summary>Creates the primary handler of the webhook client: no redirects, no cookies, no proxy (a proxy would hide the
    /// real target), and, unless private networks are allowed, a connect step that checks every resolved address.</summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivateNetworks)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (!allowPrivateNetworks)
        {
            handler.ConnectCallback = ConnectPublicOnlyAsync;
        }

        return handler;
    }

    private static async ValueTask<Stream> ConnectPublicOnlyAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var refused = addresses.FirstOrDefault(IsInternal);
        if (refused is not null || addresses.Length == 0)
        {
            throw new WebhookTargetRefusedException(
                $"The webhook target '{host}' resolves to {(refused is null ? "no address" : $"the internal address {refused}")}; set Webhooks:AllowPrivateNetworks to allow internal targets.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
