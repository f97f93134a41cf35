using Microsoft.Extensions.Time.Testing;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

public sealed class SessionImporterTests
{
    private static readonly string TwoSessions = $"[{ToolSession}, {SessionWith("""[{ "role": "user", "content": "hi" }, { "role": "tool", "tool_call_id": "x", "is_error": true }]""")}]";

    private readonly RecordingTraceStore _store = new();

    private SessionImporter Importer() => new(_store, new FakeTimeProvider(Now));

    [Fact]
    public async Task Every_session_is_written_in_one_store_call_and_counted()
    {
        var result = await Importer().ImportAsync(Utf8(TwoSessions), "two.json");

        var written = Assert.Single(_store.ImportCalls);
        Assert.Equal(2, written.Count);
        Assert.Equal(("two.json", 2, 2, 0), (result.SourceName, result.Sessions, result.Imported, result.SkippedExisting));
        Assert.Equal((7L, 1L, 1L), (result.Events, result.ToolCalls, result.ToolErrors));
        Assert.Empty(result.Errors);
    }

    [Fact]
    public async Task Importing_the_same_source_again_adds_nothing()
    {
        await Importer().ImportAsync(Utf8(TwoSessions), "two.json");

        var again = await Importer().ImportAsync(Utf8(TwoSessions), "two.json");

        Assert.Equal((2, 0, 2), (again.Sessions, again.Imported, again.SkippedExisting));
        Assert.Equal(_store.ImportCalls[0].Select(s => s.Session.Id), _store.ImportCalls[1].Select(s => s.Session.Id));
        Assert.Equal(2, _store.Sessions.Count);
    }

    [Fact]
    public async Task An_atomic_import_with_a_malformed_element_writes_nothing()
    {
        var json = $"[{ToolSession}, {SessionWith("[]")}, {{ \"traj\": [] }}]";

        var exception = await Assert.ThrowsAsync<SessionImportException>(() => Importer().ImportAsync(Utf8(json), "sessions.json"));

        Assert.Equal("sessions.json element 2: has no \"messages\" array", exception.Message);
        Assert.Empty(_store.ImportCalls);
    }

    [Fact]
    public async Task Skip_malformed_writes_the_readable_sessions_and_lists_the_others()
    {
        var json = $"[{ToolSession}, 7, {SessionWith("[]")}, {{ \"messages\": [{{ \"role\": \"tool\" }}] }}]";

        var result = await Importer().ImportAsync(Utf8(json), "sessions.json", new SessionImportOptions { ErrorHandling = ImportErrorHandling.SkipMalformed });

        Assert.Equal(2, Assert.Single(_store.ImportCalls).Count);
        Assert.Equal((2, 2), (result.Sessions, result.Imported));
        Assert.Equal([1, 3], result.Errors.Select(e => e.Index!.Value));
        Assert.All(result.Errors, e => Assert.Equal("sessions.json", e.SourceName));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    public async Task An_empty_source_imports_nothing_and_is_not_an_error(string json)
    {
        var result = await Importer().ImportAsync(Utf8(json), "empty.json");

        Assert.Equal((0, 0, 0L), (result.Sessions, result.Imported, result.Events));
        Assert.Empty(_store.ImportCalls);
    }

    [Fact]
    public async Task A_cancelled_import_writes_nothing()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Importer().ImportAsync(Utf8(TwoSessions), "two.json", cancellationToken: cancellation.Token));

        Assert.Empty(_store.ImportCalls);
    }

    [Fact]
    public async Task A_file_is_imported_under_its_file_name()
    {
        var directory = Directory.CreateTempSubdirectory("dreaming-import-");
        try
        {
            var path = Path.Combine(directory.FullName, "log.jsonl");
            await File.WriteAllTextAsync(path, SessionWith("[]") + "\n" + SessionWith("[]") + "\n");

            var fromFile = await Importer().ImportFileAsync(path);
            var fromStream = await Importer().ImportAsync(Utf8(SessionWith("[]") + "\n" + SessionWith("[]")), "log.jsonl");

            Assert.Equal(("log.jsonl", 2, 2, 0), (fromFile.SourceName, fromFile.Sessions, fromFile.Imported, fromStream.Imported));
            Assert.Equal("log.jsonl", _store.Sessions.First().Session.Metadata["import.source"]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_file_is_named_in_the_exception()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "sessions.json");

        var exception = await Assert.ThrowsAsync<FileNotFoundException>(() => Importer().ImportFileAsync(path));

        Assert.Equal(path, exception.FileName);
        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_are_rejected_before_anything_is_read()
    {
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => Importer().ImportAsync(Utf8(TwoSessions), "two.json", new SessionImportOptions { MessagesField = " " }));

        Assert.Equal("MessagesField", exception.ParamName);
        Assert.Empty(_store.ImportCalls);
    }
}
