using Dreaming;
using Dreaming.PostgreSql;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL stores.</summary>
public static class PostgresDreamingBuilderExtensions
{
    /// <summary>Uses PostgreSQL for the stores, replacing any registered before: one database that several instances of
    /// an application share.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Changes further settings, applied after the connection string.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>The settings are validated when the host starts; an invalid one fails the start with a message naming it.
    /// The stores share one connection pool, and create their schema and tables on first use.</remarks>
    public static IDreamingBuilder UsePostgresStore(
        this IDreamingBuilder builder,
        string connectionString,
        Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
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
        builder.Services.RemoveAll<IMemoryStore>();
        builder.Services.AddSingleton<IMemoryStore>(static services => new PostgresMemoryStore(services.GetRequiredService<PostgresDatabase>(), services.GetService<TimeProvider>()));
        builder.Services.RemoveAll<IDreamRunStore>();
        builder.Services.AddSingleton<IDreamRunStore>(static services => new PostgresDreamRunStore(services.GetRequiredService<PostgresDatabase>(), services.GetService<TimeProvider>()));
        return builder;
    }
}
