using System.Text;
using System.Text.Json;

namespace Dreaming.Sqlite.Tests;

/// <summary>A log's session id longer than <see cref="SessionRecord.MaxIdLength"/> that a build before the cap imported
/// (so stored whole) is found when this build imports the log again, which stores a new one capped: the session is not
/// added a second time under its capped id.</summary>
public sealed class SqliteLongIdReimportTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_long_id_an_older_build_stored_whole_is_not_imported_again_under_its_capped_id()
    {
        var (older, newer) = ("run-" + new string('o', 300), "run-" + new string('n', 300));
        using var traces = new SqliteTraceStore(_folder.File("traces.db"));
        // As a build before SessionRecord.MaxIdLength imported it: the log's id whole.
        await traces.ImportAsync([new SessionWithEvents(new SessionRecord { Id = older, AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = At, EndedAt = At }, [])]);
        var log = string.Join('\n', new[] { older, newer }.Select(id => JsonSerializer.Serialize(new { id, messages = new[] { new { role = "user", content = "hi" } } })));

        var result = await new SessionImporter(traces).ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "log.jsonl");
        var again = await new SessionImporter(traces).ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "log.jsonl");

        Assert.Equal((2, 1, 1), (result.Sessions, result.Imported, result.SkippedExisting));
        Assert.Equal((2, 0, 2), (again.Sessions, again.Imported, again.SkippedExisting));
        var ids = (await traces.QuerySessionsAsync(new SessionQuery())).Items.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(2, ids.Count);
        Assert.Contains(older, ids);
        Assert.Contains(ids, id => id.Length == SessionRecord.MaxIdLength && id.StartsWith("run-nnn", StringComparison.Ordinal));
    }
}
