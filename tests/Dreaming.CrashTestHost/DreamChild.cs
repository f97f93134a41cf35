using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.CrashTestHost;

/// <summary>Dreams over the sessions of agent <c>crash-agent</c> in the SQLite file, or in a PostgreSQL schema through
/// <c>UsePostgresStore</c> as an app registers it, with webhooks on the same store (never dispatched), and stops for good
/// at a point of the dream, printing a line, so the test can kill it there.</summary>
/// <remarks>The points: <c>reflect</c> (the reflector model is called and never answers; the lease is held),
/// <c>commit</c> and <c>commit-approval</c> (the memory version is written, active or proposed, and the run is about to be
/// completed), <c>completed</c> (the run was completed). The PostgreSQL tests also stop it inside a transaction of the
/// store (a trigger of theirs waits on a lock they hold), which the child does not know of: <c>commit</c> then runs on.</remarks>
internal static class DreamChild
{
    /// <summary>Dreams on <paramref name="database"/>, a SQLite file, or a PostgreSQL connection string when
    /// <paramref name="postgresSchema"/> names the schema (and <paramref name="commandTimeout"/>, when given, is its
    /// <c>CommandTimeout</c>).</summary>
    public static async Task RunAsync(string database, string point, string? postgresSchema = null, TimeSpan? commandTimeout = null)
    {
        var services = new ServiceCollection();
        var builder = postgresSchema is null
            ? services.AddDreamingAgents().UseSqliteStore(database)
            : services.AddDreamingAgents().UsePostgresStore(database, o =>
            {
                o.Schema = postgresSchema;
                o.CommandTimeout = commandTimeout ?? o.CommandTimeout;
            });
        if (point == "reflect")
        {
            builder.AddReflector(new SilentModel());
        }
        else
        {
            var store = services.Last(d => d.ServiceType == typeof(IDreamRunStore));
            services.Remove(store);
            services.AddSingleton<IDreamRunStore>(sp => new StoppingRunStore((IDreamRunStore)store.ImplementationFactory!(sp), before: point != "completed"));
        }

        builder.AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            var endpoint = new WebhookEndpoint { Id = "ci", Url = "http://127.0.0.1:9/hooks" };
            endpoint.Secrets.Add(WebhookSecret.Generate());
            options.Endpoints.Add(endpoint);
        });
        await using var provider = services.BuildServiceProvider();
        var request = new DreamRunRequest
        {
            Scope = MemoryScope.Agent("crash-agent"),
            ReviewMode = point == "commit-approval" ? DreamReviewMode.RequireApproval : DreamReviewMode.Auto,
        };
        await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(request, run => Say("started " + run.Id));
        Say("returned");
        await Task.Delay(Timeout.Infinite);
    }

    private static void Say(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }

    /// <summary>A reflector model that never answers.</summary>
    private sealed class SilentModel : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Say("reflecting");
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>Stops for good when the run is completed: before the store is told (<c>completing</c>) or after (<c>completed</c>).</summary>
    private sealed class StoppingRunStore(IDreamRunStore inner, bool before) : ForwardingDreamRunStore(inner)
    {
        public override async Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default)
        {
            if (before)
            {
                Say("completing " + runId);
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var run = await base.CompleteAsync(runId, results, cancellationToken);
            Say("completed " + runId);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return run;
        }
    }
}
