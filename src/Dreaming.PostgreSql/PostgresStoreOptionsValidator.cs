using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>Checks <see cref="PostgresStoreOptions"/>; every message names the setting at fault.</summary>
internal sealed partial class PostgresStoreOptionsValidator : IValidateOptions<PostgresStoreOptions>
{
    public static readonly TimeSpan MinCommandTimeout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxCommandTimeout = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = GetFailures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The problems with <paramref name="options"/>; empty when they are valid.</summary>
    public static List<string> GetFailures(PostgresStoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{nameof(PostgresStoreOptions)}.{nameof(PostgresStoreOptions.ConnectionString)} is required: give an Npgsql connection string such as 'Host=localhost;Database=app;Username=app;Password=...'.");
        }
        else
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    failures.Add($"{nameof(PostgresStoreOptions)}.{nameof(PostgresStoreOptions.ConnectionString)} has no Host: name the server, as in 'Host=localhost;Database=app;Username=app'.");
                }

                // Npgsql reads a host's own port (Host=db:5433) only when the data source is made, and then throws a
                // FormatException naming no setting for 'db:' or 'db:abc'; a Port above 65535 fails only on connecting.
                if (PortProblem(builder) is { } port)
                {
                    failures.Add($"{nameof(PostgresStoreOptions)}.{nameof(PostgresStoreOptions.ConnectionString)} has {port}, which is not a port: give a number from 1 to 65535 (left out, it is 5432).");
                }
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
            {
                // The message of Npgsql names the keyword, never its value, so a password is not repeated.
                failures.Add($"{nameof(PostgresStoreOptions)}.{nameof(PostgresStoreOptions.ConnectionString)} is not a valid Npgsql connection string: {exception.Message}");
            }
        }

        if (options.Schema is null || !SchemaName().IsMatch(options.Schema))
        {
            failures.Add($"{nameof(PostgresStoreOptions)}.{nameof(PostgresStoreOptions.Schema)} '{options.Schema}' is not a plain PostgreSQL identifier: use lower-case letters, digits and underscores, starting with a letter or an underscore, at most 63 characters (the default is '{PostgresStoreOptions.DefaultSchema}').");
        }

        if (options.CommandTimeout < MinCommandTimeout || options.CommandTimeout > MaxCommandTimeout)
        {
            failures.Add($"{nameof(PostgresStoreOptions)}.{nameof(PostgresStoreOptions.CommandTimeout)} must be between 1 second and 1 hour, not {options.CommandTimeout}.");
        }

        return failures;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first problem, for a store constructed directly.</summary>
    public static void ThrowIfInvalid(PostgresStoreOptions options, string paramName)
    {
        ArgumentNullException.ThrowIfNull(options, paramName);
        if (GetFailures(options) is [var first, ..])
        {
            throw new ArgumentException(first, paramName);
        }
    }

    // The first port of the connection string that is not one (a port is no secret), as the message names it.
    private static string? PortProblem(NpgsqlConnectionStringBuilder builder)
    {
        if (builder.Port is < 1 or > 65535)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the Port '{builder.Port}'");
        }

        // Read as Npgsql reads it, so a port it connects with is not refused.
        foreach (var host in (builder.Host ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
        {
            if (PostgresLocation.PortOf(host) is { } own && !PostgresLocation.IsPort(own.Port))
            {
                return $"the port '{Cut(own.Port)}' of the host '{Cut(own.Host)}'";
            }
        }

        return null;

        static string Cut(string text) => text.Length <= 60 ? text : text[..59] + "…";
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
