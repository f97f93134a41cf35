using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli;

/// <summary>Builds the services a command needs on the SQLite database named by <c>--db</c>.</summary>
internal static class CliServices
{
    public static ServiceProvider Build(string databasePath, IChatClient? agentModel = null, Action<DreamingOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(configure).UseSqliteStore(ToConnectionString(databasePath));
        if (agentModel is not null)
        {
            services.AddChatClient(agentModel).UseDreaming().UseFunctionInvocation();
        }

        return services.BuildServiceProvider();
    }

    public static SqliteTraceStore OpenStore(string databasePath) =>
        new(new SqliteTraceStoreOptions { ConnectionString = ToConnectionString(databasePath) });

    public static string FullPath(string databasePath) => Path.GetFullPath(databasePath);

    // Built, not concatenated: a path may hold ';' or '=' that would otherwise read as connection-string syntax.
    public static string ToConnectionString(string databasePath) =>
        new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(databasePath) }.ToString();
}
