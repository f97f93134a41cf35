using Microsoft.Extensions.Time.Testing;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

public sealed class ImportScopeTests
{
    private static readonly string TwoSessions = $"[{ToolSession}, {SessionWith("""[{ "role": "user", "content": "hi" }]""")}]";

    private readonly RecordingTraceStore _store = new();

    [Fact]
    public async Task Every_imported_session_is_given_the_scope_so_its_team_dream_reads_it()
    {
        var result = await new SessionImporter(_store, new FakeTimeProvider(Now)).ImportAsync(Utf8(TwoSessions), "two.json", new SessionImportOptions { Scope = "billing" });

        Assert.Equal(2, result.Imported);
        Assert.All(_store.Sessions, s => Assert.Equal("billing", s.Session.Scope));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Without_a_scope_or_with_a_blank_one_the_sessions_have_no_team(string? scope)
    {
        await new SessionImporter(_store, new FakeTimeProvider(Now)).ImportAsync(Utf8(TwoSessions), "two.json", new SessionImportOptions { Scope = scope });

        Assert.Equal(2, _store.Sessions.Count);
        Assert.All(_store.Sessions, s => Assert.Null(s.Session.Scope));
    }

    [Fact]
    public async Task A_scope_with_half_a_surrogate_pair_is_refused_naming_the_setting_and_nothing_is_written()
    {
        var options = new SessionImportOptions { Scope = "team\uD800" };

        var exception = await Assert.ThrowsAsync<ArgumentException>(() => new SessionImporter(_store, new FakeTimeProvider(Now)).ImportAsync(Utf8(TwoSessions), "two.json", options));

        Assert.Equal(nameof(SessionImportOptions.Scope), exception.ParamName);
        Assert.Contains("SessionImportOptions.Scope", exception.Message, StringComparison.Ordinal);
        Assert.Empty(_store.ImportCalls);
    }

    [Fact]
    public async Task The_log_reader_gives_every_session_the_scope()
    {
        var sessions = new List<SessionWithEvents>();
        await foreach (var imported in new SessionLogReader(new FakeTimeProvider(Now)).ReadAsync(Utf8(TwoSessions), "two.json", new SessionImportOptions { Scope = "billing" }))
        {
            sessions.Add(imported.Session!);
        }

        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal("billing", s.Session.Scope));
    }
}
