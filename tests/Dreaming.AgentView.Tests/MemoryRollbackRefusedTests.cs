using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>A rollback the store refuses by the insight id rules (<see cref="MemoryProposal.Validate"/>): an older version
/// holds an id stored before "] " was refused in ids, and the active version no longer holds it.</summary>
public sealed class MemoryRollbackRefusedTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "avrollback-" + Guid.NewGuid().ToString("N") + ".db");

    [Fact]
    public async Task A_rollback_refused_by_the_insight_id_rules_is_a_409_naming_the_reason_and_a_way_the_user_has()
    {
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddDreamingAgents().UseSqliteStore("Data Source=" + _path));
        var v1 = await host.Memory.ProposeAsync(null, MemoryAuthor.Person("bob"), null, TestMemory.Insight("old-id", "Kept from an older build."));
        await host.Memory.ApproveAsync(v1.Id, MemoryAuthor.Person("bob"));
        var v2 = await host.Memory.ProposeAsync(v1.Id, MemoryAuthor.Person("carol"), null, TestMemory.Insight("new-id", "Replaces it."));
        await host.Memory.ApproveAsync(v2.Id, MemoryAuthor.Person("carol"));
        await using (var connection = new SqliteConnection("Data Source=" + _path + ";Pooling=False"))
        {
            // As an older build stored it, before ids holding "] " were refused.
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER memory_insights_immutable; UPDATE memory_insights SET id = 'old] id' WHERE version_id = $v";
            command.Parameters.AddWithValue("$v", v1.Id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        using var response = await host.PostReviewAsync(v1.Id, "rollback", "bring it back");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal($"The rollback to '{v1.Id}' was refused: Insights[0] ('old] id') has an id holding \"] \" at index 3 (the id is shown to the agent as \"- [id] text\", so a logged request could not tell where it ends). The view cannot change a version's insights: edit this version with the dreaming tool to leave that insight out ('dreaming memory edit {v1.Id} --remove ID', with '--add TEXT' to keep its text under a new id), then roll back to the version the edit makes.", await TestWebhooks.ErrorAsync(response));
        Assert.Equal(v2.Id, (await host.Memory.GetActiveVersionAsync(TestMemory.Scope))!.Id);

        // What the message says works (the edit as the tool makes it): the version without the insight, its text under a
        // new id, is rolled back to.
        var edited = await host.Memory.EditAsync(v1.Id, new MemoryEdit { Author = MemoryAuthor.Person("alice"), Removals = ["old] id"], Upserts = [TestMemory.Insight("ins-new", "Kept from an older build.")] });
        using var rolledBack = await host.PostReviewAsync(edited.Id, "rollback", "bring it back");
        Assert.Equal(HttpStatusCode.SeeOther, rolledBack.StatusCode);
        Assert.Equal(["ins-new"], (await host.Memory.GetActiveVersionAsync(TestMemory.Scope))!.Insights.Select(i => i.Id));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_path);
        File.Delete(_path + "-wal");
        File.Delete(_path + "-shm");
    }
}
