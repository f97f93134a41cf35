using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Dreaming;

/// <summary>Refuses to connect to loopback, private, link-local and other internal addresses (server-side request forgery),
/// judged on the addresses the host name resolves to at connection time, so DNS cannot smuggle an internal target in.</summary>
internal static class WebhookTargetGuard
{
    /// <summary>Tells whether an address is internal: loopback, RFC 1918 private, carrier-grade NAT, link-local, unique-local,
    /// benchmarking (198.18.0.0/15), IETF protocol assignments (192.0.0.0/24), documentation ranges (including IPv6
    /// 2001:db8::/32 and 3fff::/20), unspecified, multicast or broadcast. IPv6 addresses that carry an IPv4 address
    /// (IPv4-mapped, IPv4-translated ::ffff:0:0/96, IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that
    /// IPv4 address; local-use NAT64 (64:ff9b:1::/48) and Teredo (2001::/32), whose real target
    /// cannot be judged, count as internal.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedIPv4(address) is { } embedded)
        {
            address = embedded;
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
                || (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2))
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)
                || b[0] >= 224;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6Teredo
                || (b[0] & 0xFE) == 0xFC
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)
                || (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0)
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4] == 0x00 && b[5] == 0x01);
        }

        return true;
    }

    // The IPv4 address an IPv6 address carries, when it carries one by a well-known translation.
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        var firstTwelveZero = b[..12].IndexOfAnyExcept((byte)0) < 0;
        if (firstTwelveZero && (b[12] | b[13] | b[14] | b[15]) != 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] == 1))
        {
            return new IPAddress(b[12..]); // IPv4-compatible ::a.b.c.d (deprecated, still routable by some stacks)
        }

        if (b[..8].IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0)
        {
            return new IPAddress(b[12..]); // IPv4-translated ::ffff:0:a.b.c.d (SIIT)
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(b[12..]); // NAT64 well-known prefix 64:ff9b::/96
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b[2..6]); // 6to4 2002:aabb:ccdd::/48
        }

        return null;
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
                $"The webhook target '{host}' resolves to {(refused is null ? "no address" : $"the internal address {refused}")}; set WebhookOptions.AllowPrivateNetworks (the 'AllowPrivateNetworks' key of the configuration section bound to WebhookOptions) to allow internal targets.");
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
