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
/// each key of letters, digits and spaces) with a <c>Host</c>, <c>Server</c> or <c>Password</c> key (a value with a
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
        return new CliDatabase(null, builder.ConnectionString, name, $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}/{name}");
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

        // key=value pairs separated by ';' (outside quoted values), each key of letters, digits and spaces, as Npgsql's
        // keywords are ("SSL Mode"): "/data/x;Host=y.db" and "data/a=b.db" are paths.
        var named = false;
        var start = 0;
        var quote = '\0';
        for (var i = 0; i <= value.Length; i++)
        {
            if (i < value.Length)
            {
                var c = value[i];
                if (quote != '\0')
                {
                    quote = c == quote ? '\0' : quote;
                    continue;
                }

                if (c is '\'' or '"')
                {
                    quote = c;
                }

                if (c != ';')
                {
                    continue;
                }
            }

            var part = value[start..i];
            start = i + 1;
            if (string.IsNullOrWhiteSpace(part))
            {
                continue;
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? string.Empty : part[..equals].Trim();
            if (key.Length == 0 || !key.All(static c => char.IsAsciiLetterOrDigit(c) || c == ' '))
            {
                return false;
            }

            named |= key.Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Equals("Server", StringComparison.OrdinalIgnoreCase) || key.Equals("Password", StringComparison.OrdinalIgnoreCase);
        }

        return named && quote == '\0';
    }

    /// <summary>Registers the stores on this database: <c>UseSqliteStore</c> or <c>UsePostgresStore</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="unroutedWebhooks">Whether memory and dream changes write their webhook events as unrouted events, for
    /// the dispatcher of an app on the same database.</param>
    /// <returns>The same builder.</returns>
    public IDreamingBuilder Use(IDreamingBuilder builder, bool unroutedWebhooks = false) => IsPostgres
        ? builder.UsePostgresStore(ConnectionString, options =>
        {
            options.Schema = Schema!;
            options.WriteUnroutedWebhooks = unroutedWebhooks;
        })
        : builder.UseSqliteStore(ConnectionString, options => options.WriteUnroutedWebhooks = unroutedWebhooks);

    private static (NpgsqlConnectionStringBuilder Builder, string? Schema) ReadKeywords(string value)
    {
        var pairs = new DbConnectionStringBuilder { ConnectionString = value };
        string? schema = null;
        if (pairs.TryGetValue(SchemaKeyword, out var named))
        {
            schema = Convert.ToString(named, System.Globalization.CultureInfo.InvariantCulture);
            pairs.Remove(SchemaKeyword);
        }

        try
        {
            return (new NpgsqlConnectionStringBuilder(pairs.ConnectionString), schema);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
        {
            // Npgsql's message names the keyword, never its value, so a password is not repeated.
            throw new ArgumentException($"--db (or {CommonOptions.DatabaseVariable}) is not a valid PostgreSQL connection string: {exception.Message}");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
