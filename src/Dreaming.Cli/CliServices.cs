using Dreaming.Sqlite;
using System.CommandLine;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli;

/// <summary>Builds the services a command needs on the SQLite database named by <c>--db</c>.</summary>
internal static class CliServices
{
    /// <param name="databasePath">The database file.</param>
    /// <param name="agentModel">The agents' model, or <see langword="null"/> for none.</param>
    /// <param name="configure">Sets the library's options.</param>
    /// <param name="reflector">The configured model that writes a dream's lessons, or <see langword="null"/> for lessons by
    /// template (offline).</param>
    /// <param name="customize">Changes the registrations before the provider is built (the import's store capture).</param>
    /// <param name="unroutedWebhooks">Whether memory and dream changes write their webhook events as unrouted events, for
    /// the dispatcher of an app on the same database (<see cref="SqliteTraceStoreOptions.WriteUnroutedWebhooks"/>).</param>
    public static ServiceProvider Build(string databasePath, IChatClient? agentModel = null, Action<DreamingOptions>? configure = null, IChatClient? reflector = null, Action<IServiceCollection>? customize = null, bool unroutedWebhooks = false)
    {
        var services = new ServiceCollection();
        var dreaming = services.AddDreamingAgents(configure).UseSqliteStore(ToConnectionString(databasePath), options => options.WriteUnroutedWebhooks = unroutedWebhooks);
        if (reflector is not null)
        {
            dreaming.AddReflector(reflector);
        }

        if (agentModel is not null)
        {
            services.AddChatClient(agentModel).UseDreaming().UseFunctionInvocation();
        }

        customize?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary>The <c>--no-webhooks</c> option of the commands that change memory (<c>memory approve</c>, <c>reject</c>,
    /// <c>rollback</c>, <c>edit</c>, <c>dream</c>): without it they write their webhook events as unrouted events.</summary>
    public static Option<bool> NoWebhooksOption() => new("--no-webhooks")
    {
        Description = "Raise no webhook: without it, the change's events (memory.version_*, dream.*) are written to the database's outbox and reach the app's receivers when the app's webhook dispatcher next runs on this database.",
    };

    /// <summary>The line that says where the events of a change went: to the outbox, for an app's dispatcher.</summary>
    /// <param name="events">The event types, as text.</param>
    /// <param name="plural">Whether <paramref name="events"/> names several.</param>
    public static string UnroutedNote(string events, bool plural = false) => plural
        ? $"webhooks: {events} written to the outbox; they reach the app's receivers when the app's webhook dispatcher next runs on this database (with no such app they wait, however long, for one added later; 'dreaming webhooks drop-unrouted' drops old ones; --no-webhooks raises none)"
        : $"webhooks: {events} written to the outbox; it reaches the app's receivers when the app's webhook dispatcher next runs on this database (with no such app it waits, however long, for one added later; 'dreaming webhooks drop-unrouted' drops old ones; --no-webhooks raises none)";

    public static SqliteTraceStore OpenStore(string databasePath) =>
        new(new SqliteTraceStoreOptions { ConnectionString = ToConnectionString(databasePath) });

    public static string FullPath(string databasePath) => Path.GetFullPath(databasePath);

    /// <summary>Throws when <paramref name="path"/>, a file the command reads, names a folder (reading it would otherwise
    /// report 'access denied' or 'does not exist').</summary>
    /// <param name="path">The path given.</param>
    /// <param name="what">What the file is, for the message: "The rubric", "The plan file".</param>
    public static string NotAFolder(string path, string what) =>
        Directory.Exists(path) ? throw new IOException($"{what} '{Path.GetFullPath(path)}' is a folder, not a file.") : path;

    /// <summary>Throws, with the same message from every command, unless <paramref name="databasePath"/> names an existing
    /// file: the commands that only read or review (all but demo, import and orchestrate) never create a database.</summary>
    public static string RequireDatabase(string databasePath)
    {
        if (Directory.Exists(databasePath))
        {
            throw new IOException($"'{FullPath(databasePath)}' is a folder, not a database file; pass --db (or set {CommonOptions.DatabaseVariable}) with the path of the database file.");
        }

        return File.Exists(databasePath)
            ? databasePath
            : throw new IOException($"No database at '{FullPath(databasePath)}'. Run 'dreaming demo' or 'dreaming import' first, or pass --db (or set {CommonOptions.DatabaseVariable}).");
    }

    // Built, not concatenated: a path may hold ';' or '=' that would otherwise read as connection-string syntax.
    public static string ToConnectionString(string databasePath) =>
        new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(databasePath) }.ToString();
}
