using Dreaming;
using Dreaming.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="SqliteTraceStore"/>, the <see cref="SqliteMemoryStore"/> and the <see cref="SqliteDreamRunStore"/>.</summary>
public static class SqliteDreamingBuilderExtensions
{
    /// <summary>Uses a singleton <see cref="SqliteTraceStore"/> as the trace store, and a singleton <see cref="SqliteMemoryStore"/>
    /// and <see cref="SqliteDreamRunStore"/> on the same file as the memory and dream run stores, replacing any stores registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, or the path of the database file.</param>
    /// <param name="configure">Changes further settings, applied after the connection string.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>The settings are validated when the host starts; an invalid one fails the start with a message naming it.</remarks>
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
        builder.Services.AddSingleton<ITraceStore>(services => new SqliteTraceStore(services.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value));
        builder.Services.RemoveAll<IMemoryStore>();
        builder.Services.AddSingleton<IMemoryStore>(services => new SqliteMemoryStore(
            services.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value,
            services.GetService<TimeProvider>()));
        builder.Services.RemoveAll<IDreamRunStore>();
        builder.Services.AddSingleton<IDreamRunStore>(services => new SqliteDreamRunStore(
            services.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value,
            services.GetService<TimeProvider>()));
        return builder;
    }
}
