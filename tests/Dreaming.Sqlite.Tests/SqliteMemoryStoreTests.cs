using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Sqlite.Tests;

public sealed class SqliteMemoryStoreTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly MemoryAuthor Alice = MemoryAuthor.Person("alice");
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Approvals_racing_from_several_stores_on_one_file_leave_exactly_one_active_version()
    {
        var path = _folder.File("race.db");
        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteMemoryStore(path)).ToList();
        try
        {
            var v1 = await stores[0].ProposeAsync(Proposal(null, "base"));
            await stores[0].ApproveAsync(v1.Id, Alice);
            var proposals = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
                Task.Run(() => stores[i % stores.Count].ProposeAsync(Proposal(v1.Id, "base", "p" + i)))));

            var outcomes = await Task.WhenAll(proposals.Select((proposal, i) => Task.Run(async () =>
            {
                try
                {
                    await stores[i % stores.Count].ApproveAsync(proposal.Id, Alice);
                    return true;
                }
                catch (MemoryStateException)
                {
                    return false;
                }
            })));

            Assert.Equal(Enumerable.Range(2, 12), proposals.Select(version => version.Number).Order());
            Assert.Single(outcomes, approved => approved);
            Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM memory_versions WHERE state = 'active'"));
            Assert.Equal(11, SqliteFiles.Long(path, "SELECT count(*) FROM memory_versions WHERE state = 'proposed'"));
        }
        finally
        {
            stores.ForEach(store => store.Dispose());
        }
    }

    [Fact]
    public async Task The_file_itself_refuses_deletes_content_changes_and_a_second_active_version()
    {
        var path = _folder.File("guards.db");
        using var store = new SqliteMemoryStore(path);
        var v1 = await store.ProposeAsync(Proposal(null, "a"));
        await store.ApproveAsync(v1.Id, Alice);
        await store.ProposeAsync(Proposal(v1.Id, "a", "b"));

        string[] refused =
        [
            "DELETE FROM memory_versions",
            "DELETE FROM memory_insights",
            "UPDATE memory_insights SET text = 'rewritten'",
            "UPDATE memory_versions SET note = 'rewritten'",
            "UPDATE memory_versions SET state = 'active'",
        ];
        foreach (var sql in refused)
        {
            Assert.Throws<SqliteException>(() => SqliteFiles.Execute(path, sql));
        }

        Assert.Equal(2, SqliteFiles.Long(path, "SELECT count(*) FROM memory_versions"));
        Assert.Equal("lesson a", SqliteFiles.Scalar(path, "SELECT text FROM memory_insights WHERE version_id = '" + v1.Id + "'"));
        Assert.Equal(v1.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    [Fact]
    public async Task Versions_survive_reopening_and_times_come_from_the_time_provider()
    {
        var path = _folder.File("reopen.db");
        var clock = new FakeTimeProvider(BaseTime.AddTicks(4321));
        string id;
        using (var store = new SqliteMemoryStore(new SqliteTraceStoreOptions { ConnectionString = path }, clock))
        {
            id = (await store.ProposeAsync(Proposal(null, "a", "b"))).Id;
            clock.Advance(TimeSpan.FromMinutes(5));
            await store.ApproveAsync(id, Alice);
        }

        using var reopened = new SqliteMemoryStore(path);
        var version = (await reopened.GetActiveVersionAsync(Bot))!;
        Assert.Equal(id, version.Id);
        Assert.Equal(BaseTime, version.CreatedAt);
        Assert.Equal(BaseTime.AddMinutes(5), version.ReviewedAt);
        Assert.Equal(["a", "b"], version.Insights.Select(insight => insight.Id));
    }

    [Fact]
    public async Task A_value_written_by_a_newer_library_is_reported_naming_the_version()
    {
        var path = _folder.File("newer.db");
        using var store = new SqliteMemoryStore(path);
        var version = await store.ProposeAsync(Proposal(null, "a"));
        SqliteFiles.Execute(path, "UPDATE memory_versions SET state = 'paused'");

        var error = await Assert.ThrowsAsync<TraceStoreException>(() => store.GetVersionAsync(version.Id));

        Assert.Contains(version.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains("'paused'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_refused_and_left_unchanged()
    {
        var path = _folder.File("notes.txt");
        var before = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("These are my notes, not a database. ", 20)));
        await File.WriteAllBytesAsync(path, before);

        using var store = new SqliteMemoryStore(path);
        var error = await Assert.ThrowsAsync<TraceStoreException>(() => store.ProposeAsync(Proposal(null, "a")));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_disposed_store_throws_ObjectDisposedException()
    {
        var store = new SqliteMemoryStore(_folder.File("disposed.db"));
        await store.InitializeAsync();
        store.Dispose();
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ProposeAsync(Proposal(null, "a")));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetVersionAsync("v"));
    }

    [Fact]
    public async Task UseSqliteStore_puts_traces_and_memory_in_the_same_file()
    {
        var path = _folder.File("di.db");
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(path);

        await using (var provider = services.BuildServiceProvider())
        {
            var memory = Assert.IsType<SqliteMemoryStore>(provider.GetRequiredService<IMemoryStore>());
            Assert.Same(memory, provider.GetRequiredService<IMemoryStore>());
            Assert.Equal(path, memory.Location);
            Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IMemoryStore));
            var traces = provider.GetRequiredService<ITraceStore>();
            await Task.WhenAll(
                traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "s1", AgentId = "bot", Task = "t", StartedAt = BaseTime }], [])),
                memory.ProposeAsync(Proposal(null, "a")));
        }

        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sessions"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM memory_versions"));
    }

    [Fact]
    public async Task Long_free_text_with_a_NUL_comes_back_whole()
    {
        // Microsoft.Data.Sqlite binds a long string (600 characters and more, measured) as a NUL-terminated C string.
        var text = "h\0" + new string('x', 2_000);
        var path = _folder.File("nul.db");
        using var memory = new SqliteMemoryStore(path);
        var proposal = Proposal(null, "i1");
        var version = await memory.ProposeAsync(proposal with { Note = text, Insights = [proposal.Insights[0] with { Text = text }] });
        await memory.RejectAsync(version.Id, Alice, text);
        var stored = await memory.GetVersionAsync(version.Id);
        Assert.Equal(text, Assert.Single(stored!.Insights).Text);
        Assert.Equal(text, stored.Note);
        Assert.Equal(text, stored.ReviewNote);

        using var runs = new SqliteDreamRunStore(path);
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot, Instructions = text });
        await runs.FailAsync(run.Id, text);
        var failed = await runs.GetAsync(run.Id);
        Assert.Equal(text, failed!.Request.Instructions);
        Assert.Equal(text, failed.Error);
    }

    private static MemoryProposal Proposal(string? parentVersionId, params string[] insightIds) =>
        TestProposals.Mined(Bot, BaseTime, parentVersionId, insightIds);
}
