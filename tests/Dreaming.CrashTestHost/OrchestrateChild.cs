using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.CrashTestHost;

/// <summary>Runs a plan into the SQLite file and is killed in the middle of it: item <c>done</c> has completed, items
/// <c>hang-1</c> and <c>hang-2</c> are running (they never end, ignoring their tokens), and <c>later</c>, behind
/// <c>hang-1</c>, has not started. Once the store holds all of that, it prints <c>ready RUN_SESSION_ID</c>.</summary>
internal static class OrchestrateChild
{
    /// <summary>Runs the plan into the SQLite file <paramref name="database"/>, or, with <paramref name="postgresSchema"/>,
    /// into that schema of the PostgreSQL database whose connection string <paramref name="database"/> is.</summary>
    public static async Task RunAsync(string database, string? postgresSchema = null)
    {
        var services = new ServiceCollection();
        var dreaming = services.AddDreamingAgents();
        (postgresSchema is null ? dreaming.UseSqliteStore(database) : dreaming.UsePostgresStore(database, o => o.Schema = postgresSchema)).AddOrchestrator();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ITraceStore>();
        var hanging = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hangs = 0;
        var agent = new RosterAgent
        {
            Name = "crash-worker",
            Run = async (context, _) =>
            {
                await Task.Yield();
                if (context.Item.Id == "done")
                {
                    return new WorkItemReply("finished before the kill");
                }

                if (Interlocked.Increment(ref hangs) == 2)
                {
                    hanging.SetResult(context.Session.ParentSessionId!);
                }

                await new TaskCompletionSource().Task;
                return new WorkItemReply("never");
            },
        };
        WorkItem Item(string id, params string[] dependsOn) => new() { Id = id, Agent = "crash-worker", Instructions = "do " + id, DependsOn = dependsOn };
        var run = provider.GetRequiredService<IOrchestrator>().RunAsync(new OrchestrationRequest
        {
            Agents = [agent],
            Plan = new OrchestrationPlan { Goal = "a run the process does not survive", Items = [Item("done"), Item("hang-1"), Item("hang-2"), Item("later", "hang-1")] },
        });

        var runId = await hanging.Task;

        // The trace writer stores in the background: wait until the three items' sessions and the completed item's event
        // are in the file, so the kill finds them there.
        while (true)
        {
            var children = (await store.QuerySessionsAsync(new SessionQuery { ParentSessionId = runId })).Items;
            var events = await store.GetEventsAsync(runId);
            if (children.Count == 3 && children.Any(c => c.Status == SessionStatus.Completed) && events.OfType<OrchestrationItemCompletedEvent>().Any())
            {
                break;
            }

            await Task.Delay(20);
        }

        Console.Out.WriteLine("ready " + runId);
        Console.Out.Flush();
        await run;
    }
}
