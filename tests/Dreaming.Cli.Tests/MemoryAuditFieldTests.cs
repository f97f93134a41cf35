using System.Globalization;
using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary>--by and --note are one line of text kept for the record: control characters, line breaks and bidirectional
/// overrides or isolates are refused before anything is written; other Unicode is kept as given.</summary>
public class MemoryAuditFieldTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("support-bot");

    private static readonly int[] s_codes = [0x00, 0x0A, 0x0D, 0x09, 0x1B, 0x7F, 0x85, 0x9B, 0x2028, 0x2029, 0x202A, 0x202E, 0x2066, 0x2069, 0xD83D, 0xDE00];

    public static TheoryData<string, string, int, string> Refused()
    {
        var data = new TheoryData<string, string, int, string>();
        foreach (var code in s_codes)
        {
            data.Add("reject", "--note", code, KindOf(code));
            data.Add("edit", "--by", code, KindOf(code));
        }

        // ESC and a line feed for every other command and option.
        foreach (var (command, option) in new[] { ("approve", "--by"), ("reject", "--by"), ("rollback", "--by"), ("rollback", "--note"), ("edit", "--note") })
        {
            data.Add(command, option, 0x1B, "the control character");
            data.Add(command, option, 0x0A, "the control character");
        }

        return data;

        static string KindOf(int code) => code switch
        {
            0x2028 or 0x2029 => "the line break",
            >= 0x202A and <= 0x2069 => "the bidirectional override or isolate",
            >= 0xD800 => "half a character (an unpaired surrogate)",
            _ => "the control character",
        };
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_by_or_note_with_a_control_character_or_bidi_override_is_refused_before_anything_is_written(string command, string option, int code, string kind)
    {
        // They were stored as given (and escaped only when shown): a note could carry a forged second line of the record.
        using var cli = new CliRunner();
        var (v1, v2) = await SeedAsync(cli.Database);
        var before = await ListAsync(cli);
        var value = "Zoë " + (char)code + "x";
        string[] args = command switch
        {
            "edit" => ["memory", "edit", v2, "--add", "Be brief.", option, value],
            "rollback" => ["memory", "rollback", v1, option, value],
            _ => ["memory", command, v2, option, value],
        };

        var (exit, _, error) = await cli.RunAsync([.. args, "--db", cli.Database]);

        Assert.Equal(1, exit);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"has {kind} U+{code:X4} at index 4; {option} is one line of text, kept for the record."), error, StringComparison.Ordinal);
        Assert.StartsWith($"{option} 'Zoë ", error, StringComparison.Ordinal);
        Assert.Equal(before, await ListAsync(cli));
    }

    [Fact]
    public async Task Accents_CJK_and_emoji_in_by_and_note_are_kept_as_given()
    {
        using var cli = new CliRunner();
        var (_, v2) = await SeedAsync(cli.Database);
        const string By = "Zoë 張偉 👩‍💻";
        const string Note = "trop large — 太宽了 👍 (مرحبا)";

        var (editExit, edited, editError) = await cli.RunAsync("memory", "edit", v2, "--add", "Be brief.", "--by", By, "--note", Note, "--db", cli.Database, "--json");
        var (rejectExit, _, rejectError) = await cli.RunAsync("memory", "reject", v2, "--by", By, "--note", Note, "--db", cli.Database);

        Assert.True(editExit == 0, editError);
        Assert.True(rejectExit == 0, rejectError);
        var version = JsonDocument.Parse(edited).RootElement.GetProperty("version");
        Assert.Equal(By, version.GetProperty("author").GetProperty("id").GetString());
        Assert.Equal(Note, version.GetProperty("note").GetString());
        using var store = new SqliteMemoryStore("Data Source=" + cli.Database);
        var rejected = await store.GetVersionAsync(v2);
        Assert.Equal((By, Note), (rejected!.ReviewedBy!.Id, rejected.ReviewNote));
    }

    private static async Task<string> ListAsync(CliRunner cli)
    {
        var (exit, list, error) = await cli.RunAsync("memory", "list", "--agent", "support-bot", "--db", cli.Database, "--json");
        Assert.True(exit == 0, error);
        return list;
    }

    // v1 superseded (to roll back to), v2 active, and the proposal returned as V2 (to approve, reject or edit).
    private static async Task<(string V1, string V2)> SeedAsync(string database)
    {
        using var store = new SqliteMemoryStore("Data Source=" + database);
        var order = new Insight { Id = "ins-order", Text = "Write order ids as #W1234.", Scope = s_scope, Source = InsightSource.Mined, Status = InsightStatus.Active, CreatedAt = s_time, UpdatedAt = s_time };
        var v1 = await store.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.DreamRun("dr-1"), Insights = [order] });
        await store.ApproveAsync(v1.Id, MemoryAuthor.Person("ada"));
        var v2 = await store.ProposeAsync(new MemoryProposal
        {
            Scope = s_scope,
            ParentVersionId = v1.Id,
            Author = MemoryAuthor.DreamRun("dr-2"),
            Insights = [order with { Text = "Always write order ids as #W1234." }],
        });
        await store.ApproveAsync(v2.Id, MemoryAuthor.Person("ada"));
        var v3 = await store.ProposeAsync(new MemoryProposal
        {
            Scope = s_scope,
            ParentVersionId = v2.Id,
            Author = MemoryAuthor.DreamRun("dr-3"),
            Insights = [order with { Text = "Write order ids as #W1234, never bare numbers." }],
        });
        return (v1.Id, v3.Id);
    }
}
