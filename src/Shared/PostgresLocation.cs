using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Dreaming;

/// <summary>Names a PostgreSQL schema as <c>host:port/database/schema</c>, never with a password: the PostgreSQL stores'
/// <c>Location</c> and the <c>dreaming</c> tool's name of its database, the same for one connection string.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each). Each host of <c>Host</c> (several
/// are separated by commas) is shown with the port it is reached on: its own when it gives one (<c>db:5433</c>), else
/// <c>Port</c>; an IPv6 address in brackets (<c>[::1]:5432</c>), so that the port cannot be read as part of it. A port of its
/// own that is not one (<c>db:</c>, <c>db:abc</c>) is shown as written, not followed by <c>Port</c>.</remarks>
internal static class PostgresLocation
{
    /// <summary>Returns where <paramref name="settings"/> and <paramref name="schema"/> name the tables.</summary>
    /// <param name="settings">The connection settings.</param>
    /// <param name="schema">The schema.</param>
    /// <returns><c>host:port/database/schema</c>, the database being the user's name when none is given, as PostgreSQL takes it.</returns>
    public static string Of(NpgsqlConnectionStringBuilder settings, string schema)
    {
        var hosts = (settings.Host ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
        return $"{string.Join(',', hosts.Select(host => HostAndPort(host, settings.Port)))}/{settings.Database ?? settings.Username}/{schema}";
    }

    /// <summary>Tells whether <paramref name="text"/>, a port as written, is one Npgsql connects with: a number from 1 to
    /// 65535, read as Npgsql reads it (<see cref="int.Parse(string)"/>: white space and a sign allowed). The store's options
    /// validation and the <c>dreaming</c> tool refuse the same ports with it.</summary>
    /// <param name="text">The port as written.</param>
    /// <returns><see langword="true"/> for a port.</returns>
    public static bool IsPort(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535;

    /// <summary>Splits a host of <c>Host</c> from the port it gives, as Npgsql splits it: after its last ':', unless that
    /// ':' is inside an IPv6 address not in brackets (<c>::1</c>).</summary>
    /// <param name="host">One host, as written.</param>
    /// <returns>The host and its port as written (maybe not a number), or <see langword="null"/> when it gives none.</returns>
    public static (string Host, string Port)? PortOf(string host)
    {
        var separator = host.LastIndexOf(':');
        if (separator < 0)
        {
            return null;
        }

        var otherColon = separator == 0 ? -1 : host.LastIndexOf(':', separator - 1);
        var ipv6End = host.LastIndexOf(']');
        return otherColon < 0 || (separator > ipv6End && otherColon < ipv6End)
            ? (host[..separator], host[(separator + 1)..])
            : null;
    }

    private static string HostAndPort(string host, int port)
    {
        if (host.StartsWith('['))
        {
            return host.Contains("]:", StringComparison.Ordinal) ? host : string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
        }

        if (IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return string.Create(CultureInfo.InvariantCulture, $"[{host}]:{port}");
        }

        // A host that gives a port of its own is shown as written, even one that is not a port (empty, as in "db:", or
        // not a number: Npgsql refuses it on connecting): followed by Port it read as a second port ("db::5432").
        return PortOf(host) is not null ? host : string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
    }
}
