using System.Globalization;
using Npgsql;

namespace Dreaming.Cli;

/// <summary>Reads a <c>postgres://</c> or <c>postgresql://</c> URI (the form many hosting services give, often as
/// <c>DATABASE_URL</c>) into Npgsql's settings, which Npgsql does not read itself:
/// <c>postgresql://user:password@host:port/database?sslmode=require&amp;schema=app</c>.</summary>
/// <remarks>The user, password and database are percent-decoded. The query parameters taken are <c>schema</c> (the tool's),
/// <c>sslmode</c>, <c>application_name</c> and <c>connect_timeout</c>; any other is refused naming it, since one ignored
/// could be a security setting. No message repeats the URI, which may hold a password.</remarks>
internal static class PostgresUri
{
    /// <summary>Reads <paramref name="value"/>.</summary>
    /// <returns>Npgsql's settings, and the schema the URI names, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">The URI cannot be read, or has a parameter not taken.</exception>
    public static (NpgsqlConnectionStringBuilder Builder, string? Schema) Read(string value)
    {
        // An '@' after the host part is a password with a '/', '?' or '#' not percent-encoded, which cut it short: the rest
        // would become the port, the database or a parameter, and reach messages. Refused, naming none of it.
        var authority = value.IndexOf("://", StringComparison.Ordinal) + 3;
        var after = value.IndexOfAny(['/', '?', '#'], authority);
        if (after >= 0 && value.IndexOf('@', after) >= 0)
        {
            throw new ArgumentException($"--db (or {CommonOptions.DatabaseVariable}) is a PostgreSQL URI with an '@' after its host: percent-encode '/', '?', '#' and '@' in the user and password (%2F, %3F, %23, %40), and in the parameters.");
        }

        // A port that is not one is refused naming it: Uri reads ':0' as no port at all (the tool then went to 5432), and
        // refuses ':70000' or ':54x' only as a URI it cannot read.
        var hostAndPort = value[authority..(after < 0 ? value.Length : after)];
        hostAndPort = hostAndPort[(hostAndPort.LastIndexOf('@') + 1)..];
        var portAt = hostAndPort.StartsWith('[') ? hostAndPort.IndexOf("]:", StringComparison.Ordinal) + 1 : hostAndPort.LastIndexOf(':');
        if (portAt > 0 && portAt < hostAndPort.Length - 1)
        {
            CliDatabase.ThrowIfNotAPort(hostAndPort[(portAt + 1)..], "port");
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new ArgumentException($"--db (or {CommonOptions.DatabaseVariable}) starts as a PostgreSQL URI but cannot be read as one: write postgresql://user:password@host:port/database (percent-encode special characters in the user and password; several hosts need the keyword form, Host=a,b;...).");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.IdnHost };
        if (!uri.IsDefaultPort && uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } database)
        {
            builder.Database = Uri.UnescapeDataString(database);
        }

        string? schema = null;
        foreach (var part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
            var text = equals < 0 ? string.Empty : Uri.UnescapeDataString(part[(equals + 1)..]);
            switch (name)
            {
                case "schema":
                    schema = text;
                    break;
                case "sslmode":
                    builder.SslMode = Enum.TryParse<SslMode>(text.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var mode)
                        ? mode
                        : throw new ArgumentException($"The PostgreSQL URI's sslmode '{Output.Text.OneLine(text)}' is not one of disable, allow, prefer, require, verify-ca, verify-full.");
                    break;
                case "application_name":
                    builder.ApplicationName = text;
                    break;
                case "connect_timeout":
                    builder.Timeout = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                        ? seconds
                        : throw new ArgumentException($"The PostgreSQL URI's connect_timeout '{Output.Text.OneLine(text)}' is not a number of seconds.");
                    break;
                default:
                    throw new ArgumentException($"The PostgreSQL URI has the parameter '{Output.Text.OneLine(name)}', which the tool does not take (it takes schema, sslmode, application_name and connect_timeout): give the connection string in the keyword form instead (Host=...;Database=...;Username=...).");
            }
        }

        return (builder, schema);
    }

    /// <summary>Whether <paramref name="value"/> starts as a PostgreSQL URI.</summary>
    public static bool IsUri(string value)
    {
        var trimmed = value.TrimStart();
        return trimmed.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);
    }
}
