using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>The ids of the memory UseDreaming() injected, read back from a logged request: every id a store accepts comes
/// back whole.</summary>
public sealed class InjectedMemoryIdTests
{
    private static readonly MemoryScope s_bot = MemoryScope.Agent("bot");

    // Ids a person may give by hand through IMemoryStore: brackets, spaces and the memory's own markers in them.
    private static readonly string[] s_hostileIds =
        ["a]b", "x]", "[x", " lead", "trail ", "ins-[1]", "a ]b", "- [y", "ünï-💡", "ins-a] b", "] z", "q]] r"];

    [Fact]
    public async Task Every_id_a_store_accepts_reads_back_whole_from_the_rendered_memory_and_is_credited_when_cited()
    {
        // "- [id] text": an id was read up to the first "] ", so a store that kept "ins-a] b" had the import record
        // "ins-a", an insight the session was never given (and the real one never credited). Such an id is refused now.
        var store = new InMemoryMemoryStore();
        var accepted = new List<string>();
        foreach (var id in s_hostileIds)
        {
            try
            {
                await store.ProposeAsync(new MemoryProposal { Scope = s_bot, Author = MemoryAuthor.Person("p"), Insights = [Lesson(id)] });
                accepted.Add(id);
            }
            catch (ArgumentException ex)
            {
                Assert.Contains("\"] \"", ex.Message, StringComparison.Ordinal);
            }
        }

        Assert.Equal(s_hostileIds.Where(id => !id.Contains("] ", StringComparison.Ordinal)), accepted);
        var version = await store.ProposeAsync(new MemoryProposal { Scope = s_bot, Author = MemoryAuthor.Person("p"), Insights = [.. accepted.Select(Lesson)] });
        await store.ApproveAsync(version.Id, MemoryAuthor.Person("p"));
        var memory = InsightRanker.Render((await store.GetActiveVersionAsync(s_bot))!, "task", [], tokenBudget: 4000)!;
        Assert.Equal(accepted, memory.InsightIds);

        var session = await ReadOneAsync($$"""
            { "messages": [
              { "role": "system", "content": "You are a bot." },
              { "role": "system", "content": {{Json(memory.Text)}} },
              { "role": "user", "content": "Hi" },
              { "role": "assistant", "content": "Done, as [a]b] and [ünï-💡] say." } ] }
            """);

        Assert.Equal(accepted, session.Session.InsightIds);
        Assert.Equal(["a]b", "ünï-💡"], session.Events.OfType<InsightsCitedEvent>().Single().InsightIds);
    }

    [Fact]
    public async Task A_memory_of_many_ids_is_read_in_linear_time_each_id_noted_once_in_order()
    {
        // Each id was looked up in the list of those noted before it: 40,000 ids took 11.6 s, 100,000 about a minute.
        var text = new StringBuilder(InsightRanker.Header);
        for (var i = 0; i < 100_000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- [ins-{i % 99_999:x32}] t");
        }

        var watch = Stopwatch.StartNew();
        var session = await ReadOneAsync($$"""{ "messages": [ { "role": "system", "content": {{Json(text.ToString())}} }, { "role": "user", "content": "Hi" } ] }""");

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, 99_999).Select(i => "ins-" + i.ToString("x32", CultureInfo.InvariantCulture)), session.Session.InsightIds);
    }

    [Fact]
    public async Task An_id_is_noted_when_UseDreaming_could_have_given_it_and_a_longer_one_is_no_memory_line_so_a_megabyte_is_not_stored()
    {
        // The largest memory UseDreaming() renders is MemoryTokenBudget's largest, 100,000 tokens of four characters: the
        // longest id it can give, with a text of one character, renders; one character more does not, and a log's line
        // with such an id (a megabyte one was noted and stored whole) is no memory line, so the message is kept as it is.
        var store = new InMemoryMemoryStore();
        var longest = await LongestRenderedIdAsync(store);
        // The bound is the renderer's own longest line, not a number of its own, and the import page states it.
        Assert.Equal(InsightRanker.MaxLineLength, ("- [" + longest + "] t").Length);
        var page = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "docs", "import.md"))).ReplaceLineEndings(" ");
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"at most {InsightRanker.MaxTokenBudget:N0} tokens, four characters each, so a line, header aside, is at most {InsightRanker.MaxLineLength:N0} characters"), page, StringComparison.Ordinal);
        Assert.Equal(4, InsightRanker.CharactersPerToken);
        var tooLong = longest + "y";
        var version = await store.ProposeAsync(new MemoryProposal { Scope = s_bot, Author = MemoryAuthor.Person("p"), Insights = [Lesson(tooLong) with { Text = "t" }] });
        Assert.Null(InsightRanker.Render(version, "task", [], InsightRanker.MaxTokenBudget));

        foreach (var (id, noted) in new[] { (longest, true), (tooLong, false), ("ins-" + new string('m', 1 << 20), false) })
        {
            var memory = InsightRanker.Header + "\n- [ins-a] t\n- [" + id + "] t";
            var session = await ReadOneAsync($$"""
                { "messages": [
                  { "role": "system", "content": {{Json(memory)}} },
                  { "role": "user", "content": "Hi" },
                  { "role": "assistant", "content": "Done, as [ins-a] says." } ] }
                """);

            Assert.Equal(noted ? ["ins-a", id] : [], session.Session.InsightIds);
            Assert.Equal(noted ? ["ins-a"] : [], session.Events.OfType<InsightsCitedEvent>().SelectMany(e => e.InsightIds));
            Assert.Equal(noted ? [] : [memory], session.Events.OfType<MessageEvent>().Where(m => m.Role == "system").Select(m => m.Text));
        }
    }

    // The longest id a memory of the largest budget renders, with a text of one character.
    private static async Task<string> LongestRenderedIdAsync(InMemoryMemoryStore store)
    {
        var id = "ins-" + new string('z', (InsightRanker.MaxTokenBudget * 4) - InsightRanker.Header.Length - 7 - 4);
        var version = await store.ProposeAsync(new MemoryProposal { Scope = s_bot, Author = MemoryAuthor.Person("p"), Insights = [Lesson(id) with { Text = "t" }] });
        var rendered = InsightRanker.Render(version, "task", [], InsightRanker.MaxTokenBudget);
        Assert.Equal([id], rendered?.InsightIds);
        return id;
    }

    private static Insight Lesson(string id) => new()
    {
        Id = id,
        Kind = InsightKind.Lesson,
        Text = "Lesson " + id.Trim() + ".",
        Scope = s_bot,
        Status = InsightStatus.Active,
        Source = InsightSource.Human,
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    private static string Json(string text) => JsonSerializer.Serialize(text);
}
