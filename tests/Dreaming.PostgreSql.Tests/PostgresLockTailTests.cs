using System.Diagnostics;
using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests;

/// <summary>What the small scope changes send after the round trip that takes their scope's lock. Between two round trips
/// the server is idle in the transaction, which its idle limit bounds; only a round trip cut partway through its sending
/// holds the lock unbounded, and a stopped process can cut only one it writes in several calls: more than Npgsql's write
/// buffer (8 KB).</summary>
public sealed class PostgresLockTailTests(ITestOutputHelper output) : PostgresStoreFixture
{
    private const int WriteBuffer = 8192;

    [Fact]
    public async Task Each_round_trip_of_a_small_scope_change_after_its_lock_is_smaller_than_Npgsqls_write_buffer()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = proxy.Options(Schema);
        await using var memory = new PostgresMemoryStore(options);
        await using var runs = new PostgresDreamRunStore(options);
        var scope = MemoryScope.Agent("bot");
        var first = await memory.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("alice"), "i1"));
        var figures = new List<(string Change, long Largest, long Total)>
        {
            await AfterLockAsync(proxy, "approve", () => memory.ApproveAsync(first.Id, MemoryAuthor.Person("alice"))),
        };
        var second = await memory.ProposeAsync(Proposal(scope, first.Id, MemoryAuthor.Person("alice"), "i1", "i2"));
        await memory.ApproveAsync(second.Id, MemoryAuthor.Person("alice"));
        figures.Add(await AfterLockAsync(proxy, "rollback with a note of a line", () => memory.RollbackAsync(first.Id, MemoryAuthor.Person("bob"), "i2 misled the agent on deploys")));
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
        figures.Add(await AfterLockAsync(proxy, "start", () => runs.StartAsync(run.Id, "host-a", TimeSpan.FromMinutes(5))));
        figures.Add(await AfterLockAsync(proxy, "renew", () => runs.RenewLeaseAsync(run.Id, "host-a", TimeSpan.FromMinutes(10))));
        figures.Add(await AfterLockAsync(proxy, "cancel", () => runs.CancelAsync(run.Id)));

        foreach (var (change, largest, total) in figures)
        {
            output.WriteLine($"{change}: largest round trip after the lock {largest} bytes, {total} bytes in all after it");
        }

        Assert.All(figures, figure => Assert.InRange(figure.Largest, 1, WriteBuffer - 1));
    }

    /// <summary>The largest round trip (request bytes) <paramref name="call"/> sends after the one that takes a scope's
    /// lock, and all it sends after that one (its commit too).</summary>
    private static async Task<(string Change, long Largest, long Total)> AfterLockAsync<T>(TcpProxy proxy, string change, Func<Task<T>> call)
    {
        using var source = new ActivitySource("Dreaming.PostgreSql.Tests.LockTail");
        var stops = new List<(bool Lock, long Bytes)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Npgsql" || s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        using (var test = source.StartActivity("call")!)
        {
            var parent = test.Id;
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
            await call();
        }

        // The commit is no activity: what passed after the last one is the commit's.
        await Task.Delay(200);
        var end = proxy.RequestBytes;
        lock (stops)
        {
            var locked = stops.FindIndex(stop => stop.Lock);
            Assert.True(locked >= 0, $"{change}: no round trip took a scope's lock");
            var after = stops.Skip(locked).Select(stop => stop.Bytes).Append(end).ToList();
            var trips = after.Zip(after.Skip(1), (before, next) => next - before).ToList();
            return (change, trips.Max(), end - stops[locked].Bytes);
        }
    }
}
