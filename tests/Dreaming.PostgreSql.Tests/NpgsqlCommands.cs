using System.Diagnostics;

namespace Dreaming.PostgreSql.Tests;

/// <summary>Counts the commands (round trips, a batch being one) a store sends to the server during a call.</summary>
internal static class NpgsqlCommands
{
    // The commands Npgsql sends during `read` (its activities, under an activity of the test's own, so those of tests
    // running at the same time are not counted), by their names.
    public static async Task<(T Result, List<string> Commands)> OfAsync<T>(Func<Task<T>> read)
    {
        using var source = new ActivitySource("Dreaming.PostgreSql.Tests.RoundTrips");
        var commands = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Npgsql" || s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        T result;
        string parent;
        using (var test = source.StartActivity("read")!)
        {
            parent = test.Id!;
            listener.ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.ParentId == parent)
                {
                    lock (commands)
                    {
                        commands.Add(activity.DisplayName + ": " + activity.GetTagItem("db.query.text"));
                    }
                }
            };
            result = await read();
        }

        lock (commands)
        {
            return (result, [.. commands]);
        }
    }

    /// <summary>Runs <paramref name="call"/>, and <paramref name="meanwhile"/> (synchronously, on the thread about to send
    /// it) when the call starts its command number <paramref name="command"/> (from 1; a commit or a rollback is none):
    /// another instance's change made between two round trips of the call. Commands of tests running at the same time are
    /// not counted.</summary>
    /// <returns>What <paramref name="call"/> returned, and the commands it sent (their texts).</returns>
    public static Task<(T Result, List<string> Commands)> BeforeAsync<T>(int command, Action meanwhile, Func<Task<T>> call) =>
        MeanwhileAsync(command, meanwhile, call, after: false);

    /// <summary>Runs <paramref name="call"/>, and <paramref name="meanwhile"/> (synchronously, on the thread that read its
    /// answer) when the call's command number <paramref name="command"/> (from 1) has ended, before the call goes on with
    /// what it read: another instance's change, or another caller, between the server's answer and its use.</summary>
    /// <returns>What <paramref name="call"/> returned, and the commands it sent (their texts).</returns>
    public static Task<(T Result, List<string> Commands)> AfterAsync<T>(int command, Action meanwhile, Func<Task<T>> call) =>
        MeanwhileAsync(command, meanwhile, call, after: true);

    private static async Task<(T Result, List<string> Commands)> MeanwhileAsync<T>(int command, Action meanwhile, Func<Task<T>> call, bool after)
    {
        using var source = new ActivitySource("Dreaming.PostgreSql.Tests.Meanwhile");
        var commands = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Npgsql" || s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        var started = 0;
        T result;
        using (var test = source.StartActivity("call")!)
        {
            var parent = test.Id;
            listener.ActivityStarted = activity =>
            {
                if (!after && activity.Source.Name == "Npgsql" && activity.ParentId == parent && Interlocked.Increment(ref started) == command)
                {
                    meanwhile();
                }
            };
            listener.ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.ParentId == parent)
                {
                    int count;
                    lock (commands)
                    {
                        commands.Add(activity.GetTagItem("db.query.text") as string ?? activity.DisplayName);
                        count = commands.Count;
                    }

                    if (after && count == command)
                    {
                        meanwhile();
                    }
                }
            };
            result = await call();
        }

        lock (commands)
        {
            return (result, [.. commands]);
        }
    }
}
