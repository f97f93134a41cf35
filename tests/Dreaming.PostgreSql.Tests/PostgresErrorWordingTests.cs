using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The same failures (an unknown version or run, a change in the wrong state, a lease held by another host) on
/// the PostgreSQL and the SQLite memory and dream run stores: the same exception with the same words, so a host, a log
/// search or the dreaming tool reads them alike whichever store it runs on.</summary>
public sealed class PostgresErrorWordingTests : PostgresStoreFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private readonly string _folder = Directory.CreateTempSubdirectory("dreaming-wording-").FullName;

    public override async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Each_failure_has_the_same_exception_and_message_as_with_SQLite()
    {
        List<string> sqlite;
        var clock = new FakeTimeProvider(BaseTime);
        var file = new SqliteTraceStoreOptions { ConnectionString = "Data Source=" + Path.Combine(_folder, "wording.db") };
        using (var memory = new SqliteMemoryStore(file, clock))
        using (var runs = new SqliteDreamRunStore(file, clock))
        {
            sqlite = await FailuresAsync(memory, runs, clock);
        }

        clock = new FakeTimeProvider(BaseTime);
        await using var pgMemory = new PostgresMemoryStore(Options, clock);
        await using var pgRuns = new PostgresDreamRunStore(Options, clock);
        var postgres = await FailuresAsync(pgMemory, pgRuns, clock);

        Assert.DoesNotContain(sqlite, failure => failure.EndsWith(": no exception", StringComparison.Ordinal));
        Assert.Equal(sqlite.Count, postgres.Count);
        for (var i = 0; i < sqlite.Count; i++)
        {
            Assert.Equal(sqlite[i], postgres[i]);
        }
    }

    // Makes the same versions and runs in a store and fails each change once; returns each failure as "what: exception
    // type: message", the ids of the versions and runs written as their names here.
    private static async Task<List<string>> FailuresAsync(IMemoryStore memory, IDreamRunStore runs, FakeTimeProvider clock)
    {
        var active = await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1"));
        active = await memory.ApproveAsync(active.Id, MemoryAuthor.Person("alice"));
        var rejected = await memory.ProposeAsync(Proposal(Bot, active.Id, MemoryAuthor.Person("alice"), "i2"));
        rejected = await memory.RejectAsync(rejected.Id, MemoryAuthor.Person("bob"), "no");
        var proposed = await memory.ProposeAsync(Proposal(Bot, active.Id, MemoryAuthor.Person("alice"), "i3"));
        var running = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        running = await runs.StartAsync(running.Id, "host-1", TimeSpan.FromMinutes(5));
        var pending = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        var other = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("other") });
        var canceled = await runs.CancelAsync(other.Id);
        clock.Advance(TimeSpan.FromSeconds(1));

        var names = new (string Id, string Name)[]
        {
            (active.Id, "ACTIVE"), (rejected.Id, "REJECTED"), (proposed.Id, "PROPOSED"),
            (running.Id, "RUNNING"), (pending.Id, "PENDING"), (canceled.Id, "CANCELED"),
        };
        var failures = new List<string>();
        async Task Fails(string what, Func<Task> change)
        {
            try
            {
                await change();
                failures.Add(what + ": no exception");
            }
            catch (Exception exception)
            {
                var message = names.Aggregate(exception.Message, (text, id) => text.Replace(id.Id, id.Name, StringComparison.Ordinal));
                failures.Add($"{what}: {exception.GetType().Name}: {message}");
            }
        }

        await Fails("approve unknown", () => memory.ApproveAsync("mv_unknown", MemoryAuthor.Person("alice")));
        await Fails("reject unknown", () => memory.RejectAsync("mv_unknown", MemoryAuthor.Person("alice")));
        await Fails("edit unknown", () => memory.EditAsync("mv_unknown", new MemoryEdit { Author = MemoryAuthor.Person("alice") }));
        await Fails("rollback unknown", () => memory.RollbackAsync("mv_unknown", MemoryAuthor.Person("alice")));
        await Fails("diff unknown", () => memory.DiffAsync(active.Id, "mv_unknown"));
        await Fails("approve active", () => memory.ApproveAsync(active.Id, MemoryAuthor.Person("alice")));
        await Fails("approve rejected", () => memory.ApproveAsync(rejected.Id, MemoryAuthor.Person("alice")));
        await Fails("reject active", () => memory.RejectAsync(active.Id, MemoryAuthor.Person("alice")));
        await Fails("reject rejected", () => memory.RejectAsync(rejected.Id, MemoryAuthor.Person("alice")));
        await Fails("edit rejected", () => memory.EditAsync(rejected.Id, new MemoryEdit { Author = MemoryAuthor.Person("alice") }));
        await Fails("start unknown", () => runs.StartAsync("dr_unknown", "host-2", TimeSpan.FromMinutes(5)));
        await Fails("complete unknown", () => runs.CompleteAsync("dr_unknown", DreamRunResults.Empty));
        await Fails("start running", () => runs.StartAsync(running.Id, "host-2", TimeSpan.FromMinutes(5)));
        await Fails("start while the lease is held", () => runs.StartAsync(pending.Id, "host-2", TimeSpan.FromMinutes(5)));
        await Fails("renew by another holder", () => runs.RenewLeaseAsync(running.Id, "host-2", TimeSpan.FromMinutes(5)));
        await Fails("renew pending", () => runs.RenewLeaseAsync(pending.Id, "host-1", TimeSpan.FromMinutes(5)));
        await Fails("complete pending", () => runs.CompleteAsync(pending.Id, DreamRunResults.Empty));
        await Fails("progress of pending", () => runs.UpdateProgressAsync(pending.Id, DreamRunResults.Empty));
        await Fails("cancel canceled", () => runs.CancelAsync(canceled.Id));
        await Fails("fail canceled", () => runs.FailAsync(canceled.Id, "boom"));
        await Fails("start canceled", () => runs.StartAsync(canceled.Id, "host-2", TimeSpan.FromMinutes(5)));
        return failures;
    }
}
