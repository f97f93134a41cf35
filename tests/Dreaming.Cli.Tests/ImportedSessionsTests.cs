using Dreaming.Cli.Commands;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Tests;

/// <summary>What the import notes to read back when --agent or --scope is given: only the sessions of a store call that
/// left some as they were.</summary>
public class ImportedSessionsTests
{
    [Fact]
    public async Task A_file_imported_whole_is_neither_held_nor_read_back_only_a_file_with_sessions_already_there_is()
    {
        // Every session handed to the store was noted and read back by id whenever any file had one already there, so a
        // new file of 100,000 sessions beside a re-imported one cost 100,000 reads and kept every id until the end.
        var imported = new ImportedSessions();
        var services = new ServiceCollection();
        services.AddSingleton<ITraceStore, InMemoryTraceStore>();
        imported.Capture(services);
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ITraceStore>();

        Assert.Equal(2, await store.ImportAsync([Ended("a", "billing"), Ended("b", "billing")]));
        Assert.Empty(imported.Sessions);

        Assert.Equal(1, await store.ImportAsync([Ended("b", "support"), Ended("c", "support")]));
        Assert.Equal(["b", "c"], imported.Sessions.Select(s => s.Id));
        Assert.Equal(1, await imported.CountDifferingAsync(store, agentId: null, scope: "support", CancellationToken.None));
    }

    private static SessionWithEvents Ended(string id, string scope) => new(
        new SessionRecord
        {
            Id = id,
            AgentId = "legacy",
            Task = "task " + id,
            Scope = scope,
            Status = SessionStatus.Completed,
            StartedAt = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero),
            EndedAt = new DateTimeOffset(2026, 3, 1, 9, 1, 0, TimeSpan.Zero),
        },
        []);
}
