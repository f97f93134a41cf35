using System.Data.Common;
using System.Text.RegularExpressions;
using Dreaming.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dreaming.Cli;

/// <summary>The database a command works on, as <c>--db</c> (or <c>DREAMING_DB</c>) and <c>--schema</c> name it: a SQLite
/// file, or a schema of a PostgreSQL database. The one place that tells them apart; commands use the stores it registers.</summary>
/// <remarks>
/// <para>The rule: a value is a PostgreSQL connection string when it starts with <c>postgres://</c> or
/// <c>postgresql://</c> (a URI), or when it reads as a connection string (<c>key=value</c> pairs separated by <c>;</c>,
/// each key of letters, digits and spaces, split as ADO.NET splits them) with a <c>Host</c> or <c>Server</c> key, or when
/// any of its parts is a <c>Password</c> (<c>Pwd</c>, <c>Psw</c>) pair however the rest is written (a value with a
/// password is never taken as a file name, which messages would show). Anything else is the path of a SQLite file,
/// whatever it holds: a path with <c>=</c> or <c>;</c> in it is still a path unless it reads as such pairs with one of
/// those keys, and a relative one that would (a file named <c>Host=a</c>) is given as <c>./Host=a</c>.</para>
/// <para>The password is never shown: <see cref="Display"/> and every message name the database as
/// <c>host:port/database/schema</c>, as the PostgreSQL stores do.</para>
/// </remarks>
internal sealed partial class CliDatabase
{
    /// <summary>The keyword of a keyword connection string, or the query parameter of a URI, that names the schema (a
    /// keyword of the tool's own, taken out before Npgsql reads the rest).</summary>
    public const string SchemaKeyword = "Schema";

    private CliDatabase(string? path, string connectionString, string? schema, string display)
    {
        Path = path;
        ConnectionString = connectionString;
        Schema = schema;
        Display = display;
    }

    /// <summary>Gets the SQLite file as given, or <see langword="null"/> for PostgreSQL.</summary>
    public string? Path { get; }

    /// <summary>Gets whether the database is PostgreSQL.</summary>
    public bool IsPostgres => Path is null;

    /// <summary>Gets the connection string: Microsoft.Data.Sqlite's, or Npgsql's without a schema.</summary>
    public string ConnectionString { get; }

    /// <summary>Gets the PostgreSQL schema, or <see langword="null"/> for SQLite.</summary>
    public string? Schema { get; }

    /// <summary>Gets the database as messages name it: the file's full path, or <c>host:port/database/schema</c> (never a
    /// password).</summary>
    public string Display { get; }

    /// <summary>Reads <c>--db</c> and <c>--schema</c>.</summary>
    /// <param name="value">The value of <c>--db</c> or <c>DREAMING_DB</c>.</param>
    /// <param name="schema">The value of <c>--schema</c>, or <see langword="null"/> when it was not given.</param>
    /// <exception cref="ArgumentException">The value is a PostgreSQL connection string Npgsql cannot read, or names no host;
    /// the schema is not a plain identifier; <c>--schema</c> is given with a SQLite file, or differs from the connection
    /// string's. The message names the option and never the password.</exception>
    public static CliDatabase Parse(string value, string? schema)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!IsConnectionString(value))
        {
            return schema is null
                ? new CliDatabase(value, CliServices.ToConnectionString(value), null, System.IO.Path.GetFullPath(value))
                : throw new ArgumentException($"--schema names a PostgreSQL schema, but --db (or {CommonOptions.DatabaseVariable}) names a SQLite file, '{System.IO.Path.GetFullPath(value)}'; leave out --schema.");
        }

        var (builder, given) = PostgresUri.IsUri(value) ? PostgresUri.Read(value) : ReadKeywords(value);
        if (schema is not null && given is not null && !string.Equals(schema, given, StringComparison.Ordinal))
        {
            throw new ArgumentException($"--schema '{schema}' and the connection string's {SchemaKeyword} '{given}' differ: give the schema once.");
        }

        var name = schema ?? given ?? PostgresStoreOptions.DefaultSchema;
        if (!SchemaName().IsMatch(name))
        {
            throw new ArgumentException($"The schema '{Output.Text.OneLine(name)}' (--schema, or {SchemaKeyword} in the connection string) is not a plain PostgreSQL identifier: use lower-case letters, digits and underscores, starting with a letter or an underscore, at most 63 characters (the default is '{PostgresStoreOptions.DefaultSchema}').");
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException("The PostgreSQL connection string of --db (or " + CommonOptions.DatabaseVariable + ") has no Host: name the server, as in 'Host=localhost;Database=app;Username=app'.");
        }

        // A Search Path is replaced by the schema, as UsePostgresStore replaces it: the tool finds the tables where the app
        // put them given the same connection string.
        builder.SearchPath = null;
        return new CliDatabase(null, builder.ConnectionString, name, PostgresLocation.Of(builder, name));
    }

    /// <summary>Whether <paramref name="value"/> names a PostgreSQL database rather than a SQLite file (see the rule in the
    /// remarks of <see cref="CliDatabase"/>).</summary>
    public static bool IsConnectionString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (PostgresUri.IsUri(value))
        {
            return true;
        }

        // key=value pairs separated by ';', each key of letters, digits and spaces, as Npgsql's keywords are ("SSL Mode"):
        // "/data/x;Host=y.db" and "data/a=b.db" are paths. A Password (Pwd, Psw) key anywhere makes it a connection string
        // however malformed the rest is, so that Npgsql refuses it naming a keyword or a position, never the value.
        var named = false;
        var wellFormed = true;
        foreach (var (key, plain, whole) in Pairs(value))
        {
            if (plain && (key.Equals("Password", StringComparison.OrdinalIgnoreCase) || key.Equals("Pwd", StringComparison.OrdinalIgnoreCase) || key.Equals("Psw", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }

            wellFormed &= plain && whole;
            named |= plain && (key.Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Equals("Server", StringComparison.OrdinalIgnoreCase));
        }

        return named && wellFormed;
    }

    // The pairs of a keyword connection string as ADO.NET (so Npgsql) splits them: a value that starts with a quote runs to
    // its closing quote (doubled inside it), any other to the next ';', quotes in it included. Plain is whether the key is
    // letters, digits and spaces, Whole whether the value is well formed (a quoted one closed, nothing after it).
    private static IEnumerable<(string Key, bool Plain, bool Whole)> Pairs(string value)
    {
        var i = 0;
        while (i < value.Length)
        {
            var end = value.IndexOf(';', i);
            var equals = value.IndexOf('=', i);
            if (end < 0)
            {
                end = value.Length;
            }

            if (string.IsNullOrWhiteSpace(value[i..end]))
            {
                i = end + 1;
                continue;
            }

            if (equals < 0 || equals > end)
            {
                yield return (string.Empty, false, false);
                i = end + 1;
                continue;
            }

            var key = value[i..equals].Trim();
            var plain = key.Length > 0 && key.All(static c => char.IsAsciiLetterOrDigit(c) || c == ' ');
            var whole = true;
            var start = equals + 1;
            while (start < value.Length && value[start] is ' ' or '\t')
            {
                start++;
            }

            if (start < value.Length && value[start] is '\'' or '"')
            {
                var quote = value[start];
                var at = start + 1;
                while (true)
                {
                    at = value.IndexOf(quote, at);
                    if (at < 0 || at + 1 >= value.Length || value[at + 1] != quote)
                    {
                        break;
                    }

                    at += 2;
                }

                end = at < 0 ? value.Length : value.IndexOf(';', at);
                end = end < 0 ? value.Length : end;
                whole = at >= 0 && string.IsNullOrWhiteSpace(value[(at + 1)..end]);
            }

            yield return (key, plain, whole);
            i = end + 1;
        }
    }

    /// <summary>Registers the stores on this database: <c>UseSqliteStore</c> or <c>UsePostgresStore</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="unroutedWebhooks">Whether memory and dream changes write their webhook events as unrouted events, for
    /// the dispatcher of an app on the same database.</param>
    /// <returns>The same builder.</returns>
    public IDreamingBuilder Use(IDreamingBuilder builder, bool unroutedWebhooks = false)
    {
        if (IsPostgres)
        {
            return builder.UsePostgresStore(ConnectionString, options =>
            {
                options.Schema = Schema!;
                options.WriteUnroutedWebhooks = unroutedWebhooks;
            });
        }

        // The commands that create the file (import, orchestrate) name --db for a folder that is not there, not the store's option.
        CliServices.RequireFolder(Path!);
        return builder.UseSqliteStore(ConnectionString, options => options.WriteUnroutedWebhooks = unroutedWebhooks);
    }

    private static (NpgsqlConnectionStringBuilder Builder, string? Schema) ReadKeywords(string value)
    {
        DbConnectionStringBuilder pairs;
        try
        {
            // ADO.NET's message names a position, never the value.
            pairs = new DbConnectionStringBuilder { ConnectionString = value };
        }
        catch (ArgumentException exception)
        {
            throw NotValid(exception);
        }

        // Checked out of the try: its message is the one line the docs quote, not wrapped in "is not a valid ...".
        if (pairs.TryGetValue("Port", out var port))
        {
            ThrowIfNotAPort(Convert.ToString(port, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, "Port");
        }

        string? schema = null;
        NpgsqlConnectionStringBuilder builder;
        try
        {
            if (pairs.TryGetValue(SchemaKeyword, out var named))
            {
                schema = Convert.ToString(named, System.Globalization.CultureInfo.InvariantCulture);
                pairs.Remove(SchemaKeyword);
            }

            builder = new NpgsqlConnectionStringBuilder(pairs.ConnectionString);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
        {
            throw NotValid(exception);
        }

        // A host's own port (Host=db:5433, or Server=...) is read by Npgsql only when it connects: ':0' was refused as
        // "value ('0') must be a non-negative and non-zero value", ':abc' or a trailing ':' crashed with a stack trace.
        foreach (var host in (builder.Host ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
        {
            if (PostgresLocation.PortOf(host) is { } own)
            {
                ThrowIfNotAPort(own.Port, "port", own.Host);
            }
        }

        return (builder, schema);
    }

    // Npgsql's message names the keyword, never its value, so a password is not repeated.
    private static ArgumentException NotValid(Exception exception) =>
        new($"--db (or {CommonOptions.DatabaseVariable}) is not a valid PostgreSQL connection string: {exception.Message}");

    /// <summary>Throws unless <paramref name="text"/>, a connection string's port as written, is a number from 1 to 65535
    /// (read as Npgsql reads it, <see cref="PostgresLocation.IsPort"/>, as the store's options validation does): Npgsql refuses 0 only as "Couldn't set port" and takes 70000 until the connection fails, and a URI's <c>:0</c> would
    /// be read as no port (5432).</summary>
    /// <param name="text">The port as written.</param>
    /// <param name="name">What the connection string calls it: <c>Port</c>, or a URI's or a host's <c>port</c>.</param>
    /// <param name="host">The host that gives it (<c>Host=db:0</c>), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">It is not a port; the message names it as written (a port is no secret).</exception>
    internal static void ThrowIfNotAPort(string text, string name, string? host = null)
    {
        if (!PostgresLocation.IsPort(text))
        {
            var of = host is null ? string.Empty : $" of the host '{Output.Text.Cut(Output.Text.OneLine(host), 60)}'";
            throw new ArgumentException($"--db (or {CommonOptions.DatabaseVariable}) has the {name} '{Output.Text.Cut(Output.Text.OneLine(text), 20)}'{of}, which is not a port: give a number from 1 to 65535 (left out, it is 5432).");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
