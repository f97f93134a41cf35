using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Sqlite.Tests;

/// <summary>Several processes on one file ending the same killed dream at once, with its memory version written.</summary>
public sealed class SqliteDreamRunRecoveryRaceTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Recoveries_and_starts_racing_on_one_file_end_a_killed_run_whose_version_was_written_once_completed()
    {
        var path = _folder.File("recovery-race.db");
        var clock = new FakeTimeProvider(BaseTime);
        var options = new SqliteTraceStoreOptions { ConnectionString = path };
        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteDreamRunStore(options, clock)).ToList();
        using var memory = new SqliteMemoryStore(options, clock);
        try
        {
            var killed = await stores[0].CreateAsync(new DreamRunRequest { Scope = Bot });
            await stores[0].StartAsync(killed.Id, "dead", Lease);
            var version = await memory.ProposeAsync(TestProposals.Mined(Bot, BaseTime, null, "i1") with { Author = MemoryAuthor.DreamRun(killed.Id) });
            await stores[0].UpdateProgressAsync(killed.Id, new DreamRunResults { SessionIds = ["s1"], Cursor = new DreamCursor(BaseTime, "s1"), OutputVersionId = version.Id });
            await memory.ApproveAsync(version.Id, MemoryAuthor.DreamRun(killed.Id));
            var waiting = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => stores[1].CreateAsync(new DreamRunRequest { Scope = Bot })));
            clock.Advance(Lease + TimeSpan.FromSeconds(1));

            // Two hosts recover at start-up while two others start a dream of the scope.
            var recoveries = Enumerable.Range(0, 2).Select(i => Task.Run(() => stores[i].RecoverAbandonedAsync())).ToList();
            var starts = waiting.Select((run, i) => Task.Run(async () =>
            {
                try
                {
                    return (await stores[2 + i].StartAsync(run.Id, "host-" + i, Lease)).Id;
                }
                catch (DreamConflictException)
                {
                    return null;
                }
            })).ToList();
            var recovered = (await Task.WhenAll(recoveries)).SelectMany(r => r).ToList();
            var started = (await Task.WhenAll(starts)).Where(id => id is not null).ToList();

            Assert.Single(started);
            Assert.True(recovered.Count <= 1, "the run was ended by more than one recovery");
            var ended = (await stores[3].GetAsync(killed.Id))!;
            Assert.Equal((DreamRunStatus.Completed, version.Id), (ended.Status, ended.Results.OutputVersionId));
            Assert.Equal(SqliteDreamRunWriter.RecoveredNote, ended.Results.Note);
            Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM dream_runs WHERE status = 'running'"));
        }
        finally
        {
            stores.ForEach(store => store.Dispose());
        }
    }
}
