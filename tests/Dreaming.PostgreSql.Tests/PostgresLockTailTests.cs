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

    [Fact]
    public async Task Each_round_trip_after_the_lock_of_a_change_that_writes_webhook_rows_of_long_texts_is_smaller_than_Npgsqls_write_buffer()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = proxy.Options(Schema);
        options.WriteUnroutedWebhooks = true;
        await using var memory = new PostgresMemoryStore(options);
        await using var runs = new PostgresDreamRunStore(options);
        var scope = MemoryScope.Agent("bot");

        // A reviewer's reason, a dream's note, error or quarantine reason: 100,000 characters each, which their event's body
        // carries cut to MaxPayloadBytes (64 KiB).
        var text = new string('x', 100_000);
        var rejected = await memory.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("alice"), "i1"));
        var bounded = new List<(string Change, long Largest, long Total)>
        {
            await AfterLockAsync(proxy, "reject with a long reason", () => memory.RejectAsync(rejected.Id, MemoryAuthor.Person("bob"), text)),
        };
        var completed = await StartedAsync(runs, scope);
        bounded.Add(await AfterLockAsync(proxy, "complete with a long note and three quarantines with long reasons", () => runs.CompleteAsync(completed.Id, new DreamRunResults
        {
            Note = text,
            Report = new DreamReport { Changes = [.. Enumerable.Range(1, 3).Select(i => new DreamChange { Op = DreamChangeOp.Quarantine, InsightId = $"q{i}", Text = "held back", Reason = text })] },
        })));
        var failed = await StartedAsync(runs, scope);
        bounded.Add(await AfterLockAsync(proxy, "fail with a long error", () => runs.FailAsync(failed.Id, text)));
        var canceled = await StartedAsync(runs, scope);
        await runs.UpdateProgressAsync(canceled.Id, new DreamRunResults { Note = text });
        bounded.Add(await AfterLockAsync(proxy, "cancel of a run whose progress has a long note", () => runs.CancelAsync(canceled.Id)));

        // With full payloads, a version's events carry its insight texts: every change's is made before the lock (a
        // proposal's, an edit's and a rollback's numbered as the scope's next version then), and a rollback's note of
        // any length travels in the round trip that takes the lock.
        memory.Webhooks = new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { IncludeFullPayloads = true }), new InMemoryWebhookOutboxStore(), TimeProvider.System);
        var insights = Proposal(scope, null, MemoryAuthor.Person("alice"), "i1", "i2", "i3");
        var wide = insights with { Insights = [.. insights.Insights.Select(i => i with { Text = new string('t', 30_000) })] };
        MemoryVersion? proposed = null;
        bounded.Add(await AfterLockAsync(proxy, "propose three insights of 30,000 characters, full payloads", async () => proposed = await memory.ProposeAsync(wide)));
        bounded.Add(await AfterLockAsync(proxy, "edit them, full payloads", () => memory.EditAsync(proposed!.Id, new MemoryEdit { Author = MemoryAuthor.Person("bob"), Removals = ["i3"] })));
        bounded.Add(await AfterLockAsync(proxy, "approve them, full payloads", () => memory.ApproveAsync(proposed!.Id, MemoryAuthor.Person("alice"))));
        var next = await memory.ProposeAsync(Proposal(scope, proposed!.Id, MemoryAuthor.Person("alice"), "i4"));
        await memory.ApproveAsync(next.Id, MemoryAuthor.Person("alice"));
        bounded.Add(await AfterLockAsync(proxy, "roll back to them with a note of 100,000 characters, full payloads", () => memory.RollbackAsync(proposed.Id, MemoryAuthor.Person("bob"), text)));

        foreach (var (change, largest, total) in bounded)
        {
            output.WriteLine($"{change}: largest round trip after the lock {largest} bytes, {total} bytes in all after it");
        }

        Assert.All(bounded, figure => Assert.InRange(figure.Largest, 1, WriteBuffer - 1));
    }

    private static async Task<DreamRun> StartedAsync(PostgresDreamRunStore runs, MemoryScope scope)
    {
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
        return await runs.StartAsync(run.Id, "host-a", TimeSpan.FromMinutes(5));
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
