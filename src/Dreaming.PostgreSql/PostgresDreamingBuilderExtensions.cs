using Dreaming;
using Dreaming.PostgreSql;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL stores: the <see cref="PostgresWebhookOutboxStore"/> and the other stores on the same database.</summary>
public static class PostgresDreamingBuilderExtensions
{
    /// <summary>Uses PostgreSQL for the stores, replacing any registered before: one database that several instances of
    /// an application share.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Changes further settings, applied after the connection string.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="connectionString"/> is
    /// <see langword="null"/> (as <c>configuration.GetConnectionString(name)</c> is for a key not set).</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or white space.</exception>
    /// <remarks>The settings are validated when the host starts; an invalid one fails the start with a message naming it.
    /// The stores share one connection pool, and create their schema and tables on first use. The webhook outbox is a
    /// <see cref="PostgresWebhookOutboxStore"/> (used once <c>AddWebhooks</c> is called), so the dispatchers of every
    /// instance share its deliveries. The memory store is a <see cref="PostgresMemoryStore"/> and the dream run store a
    /// <see cref="PostgresDreamRunStore"/>; with <c>AddWebhooks</c> they write their events in the transaction of each
    /// change.</remarks>
    public static IDreamingBuilder UsePostgresStore(
        this IDreamingBuilder builder,
        string connectionString,
        Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (connectionString is null)
        {
            // Most often configuration.GetConnectionString(name) of a name not set: this method cannot know the name.
            throw new ArgumentNullException(nameof(connectionString), "UsePostgresStore was given no connection string (null). configuration.GetConnectionString(\"name\") returns null when ConnectionStrings:name is not set (appsettings.json, or the ConnectionStrings__name environment variable): check it where you read it, naming the key.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        builder.Services
            .AddOptions<PostgresStoreOptions>()
            .Configure(options =>
            {
                options.ConnectionString = connectionString;
                configure?.Invoke(options);
            })
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresStoreOptions>, PostgresStoreOptionsValidator>());
        builder.Services.TryAddSingleton(static services => new PostgresDatabase(services.GetRequiredService<IOptions<PostgresStoreOptions>>().Value));

        // Each store is registered below, as a singleton on the shared PostgresDatabase.
        builder.Services.RemoveAll<ITraceStore>();
        builder.Services.AddSingleton<ITraceStore>(static services =>
        {
            var database = services.GetRequiredService<PostgresDatabase>();

            // Session ends write their webhook rows in their own transaction when the outbox is here.
            return new PostgresTraceStore(database, services.GetService<TimeProvider>()) { Webhooks = SameDatabaseWebhooks(services, database) };
        });
        builder.Services.RemoveAll<IWebhookOutboxStore>();
        builder.Services.AddSingleton<IWebhookOutboxStore>(static services => new PostgresWebhookOutboxStore(
            services.GetRequiredService<PostgresDatabase>(),
            services.GetService<TimeProvider>()));
        builder.Services.RemoveAll<IMemoryStore>();
        builder.Services.AddSingleton<IMemoryStore>(static services =>
        {
            var database = services.GetRequiredService<PostgresDatabase>();

            // Proposals, approvals and rollbacks write their webhook rows in their own transaction when the outbox is here.
            return new PostgresMemoryStore(database, services.GetService<TimeProvider>()) { Webhooks = ChangeWebhooks(services, database) };
        });
        builder.Services.RemoveAll<IDreamRunStore>();
        builder.Services.AddSingleton<IDreamRunStore>(static services =>
        {
            var database = services.GetRequiredService<PostgresDatabase>();

            // A run's end writes its webhook rows in its own transaction likewise.
            return new PostgresDreamRunStore(database, services.GetService<TimeProvider>()) { Webhooks = ChangeWebhooks(services, database) };
        });
        return builder;
    }

    /// <summary>Whether the process has webhook endpoints, whose publisher announces the stores' changes (itself, or through
    /// the store's transaction): a store then writes no unrouted events as well.</summary>
    /// <param name="services">The provider.</param>
    /// <returns><see langword="true"/> when <c>AddWebhooks</c> configured at least one endpoint.</returns>
    internal static bool HasWebhookEndpoints(IServiceProvider services) => services.GetService<WebhookPublisher>() is { IsEnabled: true };

    /// <summary>The publisher the memory and dream run stores write their webhook rows through: the process's
    /// (<see cref="SameDatabaseWebhooks"/>), or, in a process without endpoints whose options ask for it
    /// (<see cref="PostgresStoreOptions.WriteUnroutedWebhooks"/>), one that writes them as unrouted events.</summary>
    /// <param name="services">The provider.</param>
    /// <param name="database">The database the store is on.</param>
    /// <returns>The publisher, or <see langword="null"/> for none.</returns>
    internal static WebhookPublisher? ChangeWebhooks(IServiceProvider services, PostgresDatabase database) =>
        SameDatabaseWebhooks(services, database)
        ?? (database.WriteUnroutedWebhooks && !HasWebhookEndpoints(services)
            ? PostgresStoreWebhooks.Unrouted(services.GetService<TimeProvider>() ?? TimeProvider.System)
            : null);

    /// <summary>The publisher a store on <paramref name="database"/> writes its webhook rows through
    /// (<see cref="PostgresStoreWebhooks"/>): only when webhooks have endpoints and their outbox is the PostgreSQL outbox on
    /// the same database and schema, so the rows can share the change's transaction; otherwise <see langword="null"/>, and
    /// the <c>AddWebhooks</c> wrappers publish after the change.</summary>
    /// <param name="services">The provider.</param>
    /// <param name="database">The database the store is on.</param>
    /// <returns>The publisher, or <see langword="null"/>.</returns>
    internal static WebhookPublisher? SameDatabaseWebhooks(IServiceProvider services, PostgresDatabase database) =>
        services.GetService<WebhookPublisher>() is { IsEnabled: true, Outbox: PostgresWebhookOutboxStore outbox } publisher
        && string.Equals(outbox.Location, database.Location, StringComparison.Ordinal)
            ? publisher
            : null;
}
