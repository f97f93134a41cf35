using Dreaming;
using Dreaming.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="SqliteTraceStore"/>, the <see cref="SqliteMemoryStore"/>, the <see cref="SqliteDreamRunStore"/> and the <see cref="SqliteWebhookOutboxStore"/>.</summary>
public static class SqliteDreamingBuilderExtensions
{
    /// <summary>Uses a singleton <see cref="SqliteTraceStore"/> as the trace store, and a singleton <see cref="SqliteMemoryStore"/>
    /// and <see cref="SqliteDreamRunStore"/> on the same file as the memory and dream run stores, and a <see cref="SqliteWebhookOutboxStore"/>
    /// as the webhook outbox (used once <c>AddWebhooks</c> is called), replacing any stores registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, or the path of the database file.</param>
    /// <param name="configure">Changes further settings, applied after the connection string.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>The settings are validated when the host starts; an invalid one fails the start with a message naming it.
    /// The start also fails, with an <see cref="OptionsValidationException"/> naming the path, when the database file's
    /// folder does not exist or the path is a folder: the store creates the file, never its folder. It fails the same way,
    /// with the message the store's first use would give, for an existing file whose header (its first 100 bytes, read
    /// without opening the database) says no store can use it: UTF-16 text, or a schema a newer build migrated. Without a
    /// host these are thrown when the options are first resolved, so by <c>GetRequiredService&lt;ITraceStore&gt;()</c>
    /// (and the other stores), not by the store's first call.</remarks>
    public static IDreamingBuilder UseSqliteStore(
        this IDreamingBuilder builder,
        string connectionString = SqliteTraceStoreOptions.DefaultConnectionString,
        Action<SqliteTraceStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connectionString);

        builder.Services
            .AddOptions<SqliteTraceStoreOptions>()
            .Configure(options =>
            {
                options.ConnectionString = connectionString;
                configure?.Invoke(options);
            })
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteTraceStoreOptions>, SqliteTraceStoreOptionsValidator>());
        builder.Services.RemoveAll<ITraceStore>();
        builder.Services.AddSingleton<ITraceStore>(static services =>
        {
            var store = new SqliteTraceStore(services.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value);

            // Session ends write their webhook rows in their own transaction only when the outbox is on the same file.
            store.Webhooks = SameFileWebhooks(services, store.Location);
            return store;
        });
        builder.Services.RemoveAll<IMemoryStore>();
        builder.Services.AddSingleton<IMemoryStore>(static services =>
        {
            var store = new SqliteMemoryStore(services.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value, services.GetService<TimeProvider>());

            // Proposals, approvals and rollbacks write their webhook rows in their own transaction likewise.
            store.Webhooks = SameFileWebhooks(services, store.Location);
            store.UnroutedWebhooks = HasEndpoints(services) ? null : store.UnroutedWebhooks;
            return store;
        });
        builder.Services.RemoveAll<IWebhookOutboxStore>();
        builder.Services.AddSingleton<IWebhookOutboxStore>(services => new SqliteWebhookOutboxStore(
            services.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value,
            services.GetService<TimeProvider>()));
        builder.Services.RemoveAll<IDreamRunStore>();
        builder.Services.AddSingleton<IDreamRunStore>(static services =>
        {
            var store = new SqliteDreamRunStore(services.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value, services.GetService<TimeProvider>());

            // A run's end writes its webhook rows in its own transaction likewise.
            store.Webhooks = SameFileWebhooks(services, store.Location);
            store.UnroutedWebhooks = HasEndpoints(services) ? null : store.UnroutedWebhooks;
            return store;
        });
        return builder;
    }

    /// <summary>Whether the process has webhook endpoints, whose publisher announces the stores' changes (itself, or through
    /// the store's transaction): unrouted events are then not written as well.</summary>
    private static bool HasEndpoints(IServiceProvider services) => services.GetService<WebhookPublisher>() is { IsEnabled: true };

    /// <summary>The publisher a store on <paramref name="location"/> writes its webhook rows through: only when webhooks
    /// have endpoints and their outbox is the SQLite outbox on the same file, so the rows can share the change's transaction.</summary>
    private static WebhookPublisher? SameFileWebhooks(IServiceProvider services, string location) =>
        services.GetService<WebhookPublisher>() is { IsEnabled: true, Outbox: SqliteWebhookOutboxStore outbox } publisher
        && string.Equals(outbox.Location, location, StringComparison.Ordinal)
            ? publisher
            : null;
}
