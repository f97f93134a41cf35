using System.CommandLine;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Dreaming.Cli;

/// <summary>Builds the services a command needs on the database named by <c>--db</c>: a SQLite file or a PostgreSQL
/// schema (<see cref="CliDatabase"/>), through the library's own registrations (<c>UseSqliteStore</c>,
/// <c>UsePostgresStore</c>).</summary>
internal static class CliServices
{
    // The components of the PostgreSQL stores, as schema_versions names them (Dreaming.PostgreSql's migrations).
    public const string TracesComponent = "traces";
    public const string MemoryComponent = "memory";
    public const string DreamRunsComponent = "dream_runs";
    public const string WebhooksComponent = "webhooks";

    /// <param name="database">The database.</param>
    /// <param name="agentModel">The agents' model, or <see langword="null"/> for none.</param>
    /// <param name="configure">Sets the library's options.</param>
    /// <param name="reflector">The configured model that writes a dream's lessons, or <see langword="null"/> for lessons by
    /// template (offline).</param>
    /// <param name="customize">Changes the registrations before the provider is built (the import's store capture).</param>
    /// <param name="unroutedWebhooks">Whether memory and dream changes write their webhook events as unrouted events, for
    /// the dispatcher of an app on the same database (<c>SqliteTraceStoreOptions.WriteUnroutedWebhooks</c>,
    /// <c>PostgresStoreOptions.WriteUnroutedWebhooks</c>).</param>
    public static ServiceProvider Build(CliDatabase database, IChatClient? agentModel = null, Action<DreamingOptions>? configure = null, IChatClient? reflector = null, Action<IServiceCollection>? customize = null, bool unroutedWebhooks = false)
    {
        var services = new ServiceCollection();
        var dreaming = database.Use(services.AddDreamingAgents(configure), unroutedWebhooks);
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

    /// <summary>The stores of an existing database, for the commands that read or review (all but demo, import and
    /// orchestrate), which never create a database (<see cref="RequireDatabaseAsync"/>).</summary>
    /// <param name="database">The database.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <param name="unroutedWebhooks">Whether memory and dream changes write their webhook events as unrouted events.</param>
    public static async Task<CliStores> OpenAsync(CliDatabase database, CancellationToken cancellationToken, bool unroutedWebhooks = false)
    {
        var components = await RequireDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
        return new CliStores(Build(database, unroutedWebhooks: unroutedWebhooks, customize: services => ReadMissingAsEmpty(services, components)));
    }

    /// <summary>Replaces, for a command that reads or reviews, each PostgreSQL store whose tables the schema does not hold
    /// (its component has no row in <c>schema_versions</c>: an app that records sessions and has not dreamed yet has no
    /// memory tables) with a stand-in that answers as an empty store. The store itself would create its tables on first
    /// use, as an app's does: a read would then change the schema, and fail for a role that may only read. Such a command
    /// finds nothing in it (no memory versions, no dream runs, no deliveries), and writes nothing to it either: each of its
    /// changes is of something it found first (a version, a session, a delivery), but for the disabling of a webhook
    /// endpoint (the view's), which the outbox stand-in sends to the database. The stand-ins (trace, memory, dream run and
    /// outbox) look for their tables again while they are missing (<see cref="SchemaComponents.RecheckInterval"/>), and go to the
    /// database's store once the app made them, so a view started before the app's first dream shows what it wrote.</summary>
    /// <param name="services">The registrations of <see cref="Build"/>.</param>
    /// <param name="components">The components the schema holds, from <see cref="RequireDatabaseAsync"/>; <see langword="null"/>
    /// for SQLite, whose file has every store's tables.</param>
    public static void ReadMissingAsEmpty(IServiceCollection services, SchemaComponents? components)
    {
        if (components is null)
        {
            return;
        }

        // An app makes the trace tables first (its first session), so a schema without them is rare (its first dream or
        // webhook came before it, or the view disabled an endpoint): read as empty until the app's first session makes them.
        if (!components.Contains(TracesComponent))
        {
            Wrap<ITraceStore>(services, store => new NotYetMadeTraceStore(store, components));
        }

        if (!components.Contains(MemoryComponent))
        {
            Wrap<IMemoryStore>(services, store => new NotYetMadeMemoryStore(store, components));
        }

        // The dream run store migrates the memory tables too: a run writes its version in the same transaction.
        if (!components.Contains(MemoryComponent) || !components.Contains(DreamRunsComponent))
        {
            Wrap<IDreamRunStore>(services, store => new NotYetMadeDreamRunStore(store, components));
        }

        if (!components.Contains(WebhooksComponent))
        {
            Wrap<IWebhookOutboxStore>(services, store => new NotYetMadeOutbox(store, components));
        }
    }

    // The PostgreSQL registration of TStore (a factory), made lazily inside its stand-in.
    private static void Wrap<TStore>(IServiceCollection services, Func<TStore, TStore> standIn)
        where TStore : class
    {
        if (services.LastOrDefault(static d => d.ServiceType == typeof(TStore))?.ImplementationFactory is { } database)
        {
            services.RemoveAll<TStore>();
            services.AddSingleton<TStore>(provider => standIn((TStore)database(provider)));
        }
    }

    public static string FullPath(string databasePath) => Path.GetFullPath(databasePath);

    /// <summary>Throws when <paramref name="path"/>, a file the command reads, names a folder (reading it would otherwise
    /// report 'access denied' or 'does not exist').</summary>
    /// <param name="path">The path given.</param>
    /// <param name="what">What the file is, for the message: "The rubric", "The plan file".</param>
    public static string NotAFolder(string path, string what) =>
        Directory.Exists(path) ? throw new IOException($"{what} '{Path.GetFullPath(path)}' is a folder, not a file.") : path;

    /// <summary>Throws, with the same message from every command, unless <paramref name="database"/> exists: a file, or a
    /// PostgreSQL schema holding the stores' tables. The commands that only read or review (all but demo, import and
    /// orchestrate) never create a database, nor a schema.</summary>
    /// <returns>For PostgreSQL, the components whose tables the schema holds (<see cref="ReadMissingAsEmpty"/>); for SQLite,
    /// <see langword="null"/>.</returns>
    /// <exception cref="IOException">There is no such file or schema.</exception>
    /// <exception cref="TraceStoreException">The PostgreSQL server cannot be reached or refuses the login; the message names
    /// the database as <c>host:port/database/schema</c>, never the password.</exception>
    public static Task<SchemaComponents?> RequireDatabaseAsync(CliDatabase database, CancellationToken cancellationToken)
    {
        if (!database.IsPostgres)
        {
            RequireDatabase(database.Path!);
            return Task.FromResult<SchemaComponents?>(null);
        }

        return RequireSchemaAsync(database, cancellationToken);
    }

    private static async Task<SchemaComponents?> RequireSchemaAsync(CliDatabase database, CancellationToken cancellationToken)
    {
        var (schemaExists, tablesExist, components) = await ReadSchemaAsync(database, cancellationToken).ConfigureAwait(false);
        const string Next = "Run the app (UsePostgresStore) or 'dreaming import' on it first, or pass --schema with the app's schema (the default is 'dreaming'), or pass --db (or set " + CommonOptions.DatabaseVariable + ").";
        if (!schemaExists)
        {
            throw new IOException($"No database at '{database.Display}': the PostgreSQL database has no schema '{database.Schema}'. {Next}");
        }

        if (!tablesExist)
        {
            throw new IOException($"No database at '{database.Display}': the schema '{database.Schema}' holds none of the stores' tables. {Next}");
        }

        return new SchemaComponents(database, components);
    }

    /// <summary>Reads whether the schema exists, whether it holds the stores' tables (<c>schema_versions</c>), and the
    /// components whose tables it holds.</summary>
    /// <exception cref="TraceStoreException">The server cannot be reached or refuses the login, naming the database.</exception>
    public static async Task<(bool SchemaExists, bool TablesExist, IReadOnlySet<string> Components)> ReadSchemaAsync(CliDatabase database, CancellationToken cancellationToken)
    {
        var components = new HashSet<string>(StringComparer.Ordinal);
        // A connection of its own, not pooled: the stores' pool sets the schema as the search path.
        var settings = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false };
        bool schemaExists, tablesExist;
        try
        {
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema), to_regclass(format('%I.schema_versions', @schema::text)) IS NOT NULL",
                connection))
            {
                command.Parameters.AddWithValue("schema", database.Schema!);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                (schemaExists, tablesExist) = (reader.GetBoolean(0), reader.GetBoolean(1));
            }

            // Which stores' tables are there: a command that reads or reviews creates none of the others.
            if (tablesExist)
            {
                // The schema is a plain identifier (CliDatabase checked it), so it can be written in.
                await using var read = new NpgsqlCommand($"SELECT component FROM \"{database.Schema}\".schema_versions", connection);
                await using var rows = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    components.Add(rows.GetString(0));
                }
            }
        }
        catch (NpgsqlException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Npgsql's messages name the host and the user, never the password.
            var reason = exception is PostgresException postgres ? $"{postgres.SqlState}: {postgres.MessageText}" : exception.Message;
            throw new TraceStoreException($"Cannot open the PostgreSQL database at '{database.Display}': {Output.Text.OneLine(reason)}", exception);
        }

        return (schemaExists, tablesExist, components);
    }

    /// <summary>Throws, naming <c>--db</c>, when the folder of <paramref name="databasePath"/>, a SQLite file a command
    /// creates when missing (demo, import, orchestrate), does not exist: the store makes its file, never its folder, and its
    /// own message names <c>SqliteTraceStoreOptions.ConnectionString</c>, which a user of the tool never set.</summary>
    /// <exception cref="IOException">The folder does not exist (or is a file).</exception>
    public static string RequireFolder(string databasePath)
    {
        var folder = Path.GetDirectoryName(FullPath(databasePath));
        return folder is null || Directory.Exists(folder)
            ? databasePath
            : throw new IOException($"The folder '{folder}' of the database '{FullPath(databasePath)}' does not exist: create it first, or pass --db (or set {CommonOptions.DatabaseVariable}) with another path (the tool creates the database file, not its folder).");
    }

    /// <summary>Throws, with the same message from every command, unless <paramref name="databasePath"/> names an existing
    /// file.</summary>
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
