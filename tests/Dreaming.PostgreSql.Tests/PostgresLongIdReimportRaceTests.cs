using System.Text;
using System.Text.Json;
using NSubstitute;

namespace Dreaming.PostgreSql.Tests;

/// <summary>What import.md ("Re-import is idempotent") promises, and does not, of a log with an id longer than
/// <see cref="SessionRecord.MaxIdLength"/> imported by this build and by a build before the cap on one schema at once: the
/// importer looks the id up as the log gave it before its one import call, so an older build's import of the same log
/// between the two is not seen, and the session is then stored twice, whole by the older build and capped by this one.
/// The store cannot close it: it is given the capped id only. The same log imported again by this build adds nothing.</summary>
public sealed class PostgresLongIdReimportRaceTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task An_older_builds_import_between_the_lookup_and_the_import_stores_the_session_a_second_time_as_documented()
    {
        var id = "run-" + new string('r', 300);
        var traces = _schema.NewStore();
        var olderBuild = _schema.NewStore();
        var log = JsonSerializer.Serialize(new { id, messages = new[] { new { role = "user", content = "hi" } } });

        // This build's importer, on a store that lets the older build (another process, another store object) import the
        // log, as it stores it (its id whole), right after the lookup and before this build's import.
        var racing = Substitute.For<ITraceStore>();
        racing.GetSessionAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(call => traces.GetSessionAsync(call.Arg<string>(), call.Arg<CancellationToken>()));
        racing.ImportAsync(Arg.Any<IReadOnlyList<SessionWithEvents>>(), Arg.Any<CancellationToken>()).Returns(async call =>
        {
            await olderBuild.ImportAsync([new SessionWithEvents(TraceSchema.Session(id) with { Status = SessionStatus.Completed, EndedAt = TraceSchema.BaseTime }, [])]);
            return await traces.ImportAsync(call.Arg<IReadOnlyList<SessionWithEvents>>(), call.Arg<CancellationToken>());
        });

        var raced = await new SessionImporter(racing).ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "log.jsonl");
        var again = await new SessionImporter(traces).ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "log.jsonl");

        Assert.Equal((1, 1, 0), (raced.Sessions, raced.Imported, raced.SkippedExisting));
        Assert.Equal((1, 0, 1), (again.Sessions, again.Imported, again.SkippedExisting));
        var ids = (await traces.QuerySessionsAsync(new SessionQuery())).Items.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(2, ids.Count);
        Assert.Contains(id, ids);
        Assert.Contains(ids, stored => stored.Length == SessionRecord.MaxIdLength && stored.StartsWith("run-rrr", StringComparison.Ordinal) && stored[223] == '~');
    }
}
