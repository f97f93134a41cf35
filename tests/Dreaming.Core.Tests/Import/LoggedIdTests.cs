using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>A session or agent id a log gives, of a megabyte, is stored as its start, <c>~</c> and a hash of the whole
/// (<see cref="SessionRecord.MaxIdLength"/>), the same on every import, so a second import adds nothing; one holding a
/// control character is refused, naming the field.</summary>
public sealed class LoggedIdTests
{
    private static readonly string s_megabyte = new('x', 1 << 20);

    private readonly InMemoryTraceStore _store = new();

    private Task<ImportResult> ImportAsync(string json, SessionImportOptions? options = null) =>
        new SessionImporter(_store, new FakeTimeProvider(Now)).ImportAsync(Utf8(json), "log.json", options);

    private static string Session(string id, string agent) =>
        $$"""{ "id": {{JsonSerializer.Serialize(id)}}, "agent": {{JsonSerializer.Serialize(agent)}}, "messages": [{ "role": "user", "content": "hi" }] }""";

    [Fact]
    public async Task A_megabyte_session_and_agent_id_are_capped_alike_on_every_import_and_apart_when_they_differ_past_the_cut()
    {
        var json = $"[{Session(s_megabyte + "a", s_megabyte)}, {Session(s_megabyte + "b", s_megabyte)}]";

        var first = await ImportAsync(json);
        var again = await ImportAsync(json);

        Assert.Equal((2, 2, 0), (first.Sessions, first.Imported, first.SkippedExisting));
        Assert.Equal((2, 0, 2), (again.Sessions, again.Imported, again.SkippedExisting));
        var sessions = (await _store.QuerySessionsAsync(new SessionQuery())).Items;
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal(SessionRecord.MaxIdLength, s.Id.Length));
        Assert.All(sessions, s => Assert.Matches("^x{223}~[0-9a-f]{32}$", s.Id));
        Assert.NotEqual(sessions[0].Id, sessions[1].Id);
        var agent = Assert.Single(sessions.Select(s => s.AgentId).Distinct());
        Assert.Matches("^x{223}~[0-9a-f]{32}$", agent);
        Assert.Equal(2, (await _store.QuerySessionsAsync(new SessionQuery { AgentId = agent })).Items.Count);
    }

    [Fact]
    public async Task A_long_id_an_older_build_stored_whole_is_found_so_a_second_import_adds_it_no_second_time()
    {
        var (older, newer) = (s_megabyte + "old", s_megabyte + "new");
        // As a build before SessionRecord.MaxIdLength imported it: the log's id whole.
        await _store.ImportAsync([new SessionWithEvents(new SessionRecord { Id = older, AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = Now, EndedAt = Now }, [])]);

        var result = await ImportAsync($"[{Session(older, "bot")}, {Session(newer, "bot")}]");

        Assert.Equal((2, 1, 1), (result.Sessions, result.Imported, result.SkippedExisting));
        var ids = (await _store.QuerySessionsAsync(new SessionQuery())).Items.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        Assert.True(ids.SetEquals([older, IdentifierCap.StoredId(newer)]), string.Join(", ", ids.Select(id => id.Length)));
    }

    [Fact]
    public async Task Only_an_id_past_the_cap_is_looked_up_as_the_log_gave_it_one_of_257_characters_is_and_one_of_256_is_not()
    {
        // An older build stored both whole; this one keeps the 256-character id as it is (the store skips it) and looks the
        // 257-character one up as the log gave it, finding it, as it looks up a new long one, which it imports capped.
        var store = new RecordingTraceStore();
        var (atCap, pastCap) = (new string('a', SessionRecord.MaxIdLength), new string('b', SessionRecord.MaxIdLength + 1));
        await store.ImportAsync([Stored(atCap), Stored(pastCap)]);
        var newer = new string('c', 300);
        var json = $"[{Session(atCap, "bot")}, {Session(pastCap, "bot")}, {Session(newer, "bot")}]";

        var result = await new SessionImporter(store, new FakeTimeProvider(Now)).ImportAsync(Utf8(json), "log.json");

        Assert.Equal([pastCap, newer], store.GetSessionCalls);
        Assert.Equal((3, 1, 2), (result.Sessions, result.Imported, result.SkippedExisting));
        Assert.Equal([atCap, IdentifierCap.StoredId(newer)], store.ImportCalls[^1].Select(s => s.Session.Id));
        static SessionWithEvents Stored(string id) => new(new SessionRecord { Id = id, AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = Now, EndedAt = Now }, []);
    }

    [Fact]
    public async Task An_id_of_the_cap_is_kept_whole()
    {
        var id = new string('y', SessionRecord.MaxIdLength);

        await ImportAsync($"[{Session(id, id)}]");

        var stored = Assert.Single((await _store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal((id, id), (stored.Id, stored.AgentId));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("agent")]
    public async Task A_logged_id_with_a_control_character_is_refused_naming_the_field(string field)
    {
        var json = field == "id" ? Session("s\0", "bot") : Session("s", "bot\n");

        var exception = await Assert.ThrowsAsync<SessionImportException>(() => ImportAsync($"[{json}]"));

        var at = field == "id" ? "U+0000 at index 1" : "U+000A at index 3";
        Assert.StartsWith($"log.json element 0: its \"{field}\" has the control character {at}", exception.Message, StringComparison.Ordinal);
        Assert.Empty((await _store.QuerySessionsAsync(new SessionQuery())).Items);
    }
}
