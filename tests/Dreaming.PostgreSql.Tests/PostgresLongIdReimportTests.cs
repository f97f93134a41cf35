using System.Text;
using System.Text.Json;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A log's session id longer than <see cref="SessionRecord.MaxIdLength"/> that a build before the cap imported
/// (so stored whole) is found when this build imports the log again, which stores a new one capped, as in SQLite
/// (Dreaming.Sqlite.Tests' SqliteLongIdReimportTests).</summary>
public sealed class PostgresLongIdReimportTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_long_id_an_older_build_stored_whole_is_not_imported_again_under_its_capped_id()
    {
        var (older, newer) = ("run-" + new string('o', 300), "run-" + new string('n', 300));
        var traces = _schema.NewStore();
        // As a build before SessionRecord.MaxIdLength imported it: the log's id whole.
        await traces.ImportAsync([new SessionWithEvents(TraceSchema.Session(older) with { Status = SessionStatus.Completed, EndedAt = TraceSchema.BaseTime }, [])]);
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
