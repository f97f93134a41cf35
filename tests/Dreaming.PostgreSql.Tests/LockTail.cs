using System.Diagnostics;

namespace Dreaming.PostgreSql.Tests;

/// <summary>Measures what a call sends after the round trip that takes a scope's lock, through a <see cref="TcpProxy"/>:
/// between two round trips the server is idle in the transaction, which its idle limit bounds, so what counts is the
/// largest round trip after the lock (a stopped process cuts only one it writes in several calls, more than Npgsql's
/// 8 KB write buffer).</summary>
internal static class LockTail
{
    /// <summary>Npgsql's write buffer: a round trip smaller is written in one call.</summary>
    public const int WriteBuffer = 8192;

    /// <summary>Runs <paramref name="call"/>, and <paramref name="meanwhile"/> (when given) as it starts its command number
    /// <paramref name="command"/> (from 1; a commit is none): another instance's change between two of its round trips.</summary>
    /// <returns>What <paramref name="call"/> returned, the largest round trip (request bytes through the proxy) it sent
    /// after the one that took a scope's lock, and all it sent after that one but its commit.</returns>
    public static async Task<(T Result, long Largest, long Total)> AfterLockAsync<T>(TcpProxy proxy, Func<Task<T>> call, int command = 0, Action? meanwhile = null)
    {
        using var source = new ActivitySource("Dreaming.PostgreSql.Tests.LockTail.Meter");
        var stops = new List<(bool Lock, long Bytes)>();
        var started = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Npgsql" || s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        T result;
        using (var test = source.StartActivity("call")!)
        {
            var parent = test.Id;
            listener.ActivityStarted = activity =>
            {
                if (meanwhile is not null && activity.Source.Name == "Npgsql" && activity.ParentId == parent && Interlocked.Increment(ref started) == command)
                {
                    meanwhile();
                }
            };
            listener.ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.ParentId == parent)
                {
                    lock (stops)
                    {
                        stops.Add(((activity.GetTagItem("db.query.text") as string ?? string.Empty).Contains("pg_advisory_xact_lock", StringComparison.Ordinal), proxy.RequestBytes));
                    }
                }
            };
            result = await call();
        }

        lock (stops)
        {
            var locked = stops.FindIndex(stop => stop.Lock);
            Assert.True(locked >= 0, "no round trip took a scope's lock");
            var after = stops.Skip(locked).Select(stop => stop.Bytes).ToList();
            var trips = after.Zip(after.Skip(1), (before, next) => next - before).ToList();
            Assert.NotEmpty(trips);
            return (result, trips.Max(), after[^1] - after[0]);
        }
    }
}
