using System.Text.Json;

namespace Dreaming.Tests.Memory;

public class MemoryModelTests
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");

    [Theory]
    [InlineData("agent:support-bot", MemoryScopeKind.Agent, "support-bot")]
    [InlineData("team:tenant:42", MemoryScopeKind.Team, "tenant:42")]
    [InlineData("global", MemoryScopeKind.Global, "")]
    [InlineData("agent:café ☕", MemoryScopeKind.Agent, "café ☕")]
    public void A_scope_key_parses_and_formats_back(string key, MemoryScopeKind kind, string id)
    {
        var scope = MemoryScope.Parse(key);

        Assert.Equal(kind, scope.Kind);
        Assert.Equal(id, scope.Id);
        Assert.Equal(key, scope.Key);
        Assert.Equal(key, scope.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("agent:")]
    [InlineData("agent: ")]
    [InlineData("Agent:bot")]
    [InlineData("GLOBAL")]
    [InlineData("user:bob")]
    [InlineData("bot")]
    public void An_invalid_scope_key_is_refused_with_the_accepted_forms(string key)
    {
        Assert.False(MemoryScope.TryParse(key, out _));
        var error = Assert.Throws<FormatException>(() => MemoryScope.Parse(key));
        Assert.Contains("agent:<id>, team:<id> or global", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scopes_compare_by_kind_and_id_ordinally()
    {
        Assert.Equal(MemoryScope.Agent("bot"), MemoryScope.Parse("agent:bot"));
        Assert.Equal(MemoryScope.Agent("bot").GetHashCode(), MemoryScope.Parse("agent:bot").GetHashCode());
        Assert.NotEqual(MemoryScope.Agent("bot"), MemoryScope.Team("bot"));
        Assert.NotEqual(MemoryScope.Agent("bot"), MemoryScope.Agent("Bot"));
        Assert.Same(MemoryScope.Global, MemoryScope.Parse("global"));
        Assert.Throws<ArgumentException>(() => MemoryScope.Agent(" "));
        Assert.Throws<ArgumentNullException>(() => MemoryScope.Team(null!));
        Assert.False(MemoryScope.TryParse(null, out _));
    }

    // The ids are built here: theory data holding half a surrogate pair would reach the test as U+FFFD.
    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    public void A_scope_id_holding_half_a_surrogate_pair_is_refused_everywhere(int @case, int at)
    {
        var id = @case switch
        {
            0 => "ops\uD800",
            1 => "\uDC00ops",
            _ => "a\uDE00\uD83D",
        };
        var team = Assert.Throws<ArgumentException>(() => MemoryScope.Team(id));
        Assert.Equal("teamId", team.ParamName);
        Assert.Contains($"unpaired surrogate (half a character, U+{(int)id[at]:X4}) at index {at}", team.Message, StringComparison.Ordinal);
        var agent = Assert.Throws<ArgumentException>(() => MemoryScope.Agent(id));
        Assert.Equal("agentId", agent.ParamName);

        Assert.False(MemoryScope.TryParse("team:" + id, out _));
        Assert.False(MemoryScope.TryParse("agent:" + id, out _));
        Assert.Throws<FormatException>(() => MemoryScope.Parse("team:" + id));

        // A whole pair is a character, and welcome.
        Assert.Equal("team:ops\uD83D\uDE00", MemoryScope.Team("ops\uD83D\uDE00").Key);
        Assert.True(MemoryScope.TryParse("agent:\uD83D\uDE00", out var scope) && scope.Id == "\uD83D\uDE00");
    }

    [Fact]
    public void A_scope_is_json_as_its_key()
    {
        var json = JsonSerializer.Serialize(new { scope = MemoryScope.Team("ops") });

        Assert.Equal("""{"scope":"team:ops"}""", json);
        Assert.Equal(MemoryScope.Team("ops"), JsonSerializer.Deserialize<MemoryScope>("\"team:ops\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<MemoryScope>("\"nobody\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<MemoryScope>("42"));
    }

    [Fact]
    public void Authors_need_an_id_and_a_defined_kind()
    {
        Assert.Equal("dream-run:r1", MemoryAuthor.DreamRun("r1").ToString());
        Assert.Equal("person:alice", MemoryAuthor.Person("alice").ToString());
        Assert.Equal(MemoryAuthor.Person("alice"), new MemoryAuthor(MemoryAuthorKind.Person, "alice"));
        Assert.Throws<ArgumentException>(() => MemoryAuthor.Person(""));
        Assert.Throws<ArgumentException>(() => new MemoryAuthor((MemoryAuthorKind)9, "x"));
    }

    [Fact]
    public void Factories_name_the_parameter_the_caller_passed()
    {
        Assert.Equal("runId", Assert.Throws<ArgumentNullException>(() => MemoryAuthor.DreamRun(null!)).ParamName);
        Assert.Equal("runId", Assert.Throws<ArgumentException>(() => MemoryAuthor.DreamRun(" ")).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => MemoryAuthor.Person(null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => MemoryAuthor.Person("")).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => MemoryScope.Parse(null!)).ParamName);
    }

    [Fact]
    public void Comparing_insights_lists_each_changed_field_with_readable_values()
    {
        var before = Insight("i1") with { Triggers = new InsightTriggers { Tools = ["search"] }, Evidence = [new InsightEvidence("s1", 3)] };
        var after = before with
        {
            Kind = InsightKind.Pitfall,
            Triggers = new InsightTriggers { Tools = ["search", "refund"], Keywords = ["remboursé"] },
            Evidence = [new InsightEvidence("s1", 3), new InsightEvidence("s2")],
            Seen = 4,
            Source = InsightSource.Human,
            UpdatedAt = BaseTime.AddHours(1),
        };

        var changes = MemoryDiff.CompareInsights(before, after);

        Assert.Equal(
            [
                new InsightFieldChange("Kind", "lesson", "pitfall"),
                new InsightFieldChange("Triggers", """{"tools":["search"],"keywords":[]}""", """{"tools":["search","refund"],"keywords":["remboursé"]}"""),
                new InsightFieldChange("Evidence", """["s1#3"]""", """["s1#3","s2"]"""),
                new InsightFieldChange("Seen", "0", "4"),
                new InsightFieldChange("Source", "mined", "human"),
                new InsightFieldChange("UpdatedAt", "2025-03-14T09:00:00.123Z", "2025-03-14T10:00:00.123Z"),
            ],
            changes);
    }

    [Fact]
    public void Triggers_and_evidence_in_a_diff_are_written_as_the_serializer_wrote_them()
    {
        // MemoryDiff writes these by hand (no reflection, for trimmed and Native AOT apps); they must stay what
        // JsonSerializer wrote with relaxed escaping: non-ASCII kept, quotes and control characters escaped, nulls as null.
        var relaxed = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
        IReadOnlyList<string> tools = ["sé<arch>", "q\"uote\\", "tab\t😀 &'"];
        IReadOnlyList<string> keywords = ["\u2028", ""];
        var before = Insight("i1");
        var after = before with { Triggers = new InsightTriggers { Tools = tools, Keywords = keywords }, Evidence = [new InsightEvidence("s\"1", 3), null!, new InsightEvidence("ü")] };

        var changes = MemoryDiff.CompareInsights(before, after);

        Assert.Equal(JsonSerializer.Serialize(new { tools = (IReadOnlyList<string>)[], keywords = (IReadOnlyList<string>)[] }, relaxed), changes[0].Before);
        Assert.Equal(JsonSerializer.Serialize(new { tools, keywords }, relaxed), changes[0].After);
        Assert.Equal("[]", changes[1].Before);
        Assert.Equal(JsonSerializer.Serialize(after.Evidence.Select(item => item?.ToString()), relaxed), changes[1].After);
        Assert.Equal("""["s\"1#3",null,"ü"]""", changes[1].After);
    }

    [Fact]
    public void Comparing_insights_ignores_offsets_and_sub_millisecond_ticks_and_new_list_instances()
    {
        var before = Insight("i1") with { Triggers = new InsightTriggers { Tools = ["a"] } };
        var after = before with
        {
            CreatedAt = BaseTime.ToOffset(TimeSpan.FromHours(-5)).AddTicks(9),
            Triggers = new InsightTriggers { Tools = new List<string> { "a" } },
        };

        Assert.Empty(MemoryDiff.CompareInsights(before, after));
    }

    [Theory]
    [InlineData("ins-a\n- [ins-admin", 5)]
    [InlineData("ins-a\r", 5)]
    [InlineData("\u0085ins-a", 0)]
    [InlineData("ins\u001b[2K", 3)]
    [InlineData("ins-a\u2028b", 5)]
    [InlineData("ins\ta", 3)]
    public void An_insight_id_with_a_control_character_or_line_break_is_refused_naming_it(string id, int at)
    {
        var proposal = new MemoryProposal { Scope = Bot, Author = MemoryAuthor.Person("p"), Insights = [Insight("ok"), Insight(id)] };

        var error = Assert.Throws<ArgumentException>(() => proposal.Validate(null));

        Assert.Contains("Insights[1]", error.Message, StringComparison.Ordinal);
        Assert.Contains($"U+{(int)id[at]:X4} at index {at}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ins-a] b", 5)]
    [InlineData("] ins-a", 0)]
    [InlineData("a]] b", 2)]
    public void An_insight_id_holding_the_end_of_an_id_in_the_memory_is_refused_naming_it(string id, int at)
    {
        // The memory shows each insight as "- [id] text": a logged request read back (the import) takes the id up to the
        // first "] ", so "ins-a] b" was read as "ins-a" and the session credited an insight it was never given.
        var proposal = new MemoryProposal { Scope = Bot, Author = MemoryAuthor.Person("p"), Insights = [Insight("ok"), Insight(id)] };

        var error = Assert.Throws<ArgumentException>(() => proposal.Validate(null));

        Assert.Contains($"Insights[1] ('{id}') has an id holding \"] \" at index {at}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_holding_the_end_of_an_id_that_its_parent_already_holds_is_kept_so_dreams_edits_and_rollbacks_go_on()
    {
        // A version stored before ids holding "] " were refused: a dream may never drop its insights, so refusing the id
        // in the child too would fail every dream of the scope for ever, and every edit or rollback that keeps the insight.
        var parent = new MemoryVersion { Id = "mv-1", Scope = Bot, Number = 1, Author = MemoryAuthor.Person("p"), Insights = [Insight("ins-a] b")] };
        var dream = new MemoryProposal { Scope = Bot, ParentVersionId = "mv-1", Author = MemoryAuthor.DreamRun("run-1"), Insights = [Insight("ins-a] b") with { Seen = 3 }, Insight("new")] };

        dream.Validate(parent);
        new MemoryEdit { Author = MemoryAuthor.Person("p"), Upserts = [Insight("x")] }.ApplyTo(parent).Validate(parent);

        // A new id holding it is still refused, beside the kept one.
        var error = Assert.Throws<ArgumentException>(() => (dream with { Insights = [.. dream.Insights, Insight("ins-c] d")] }).Validate(parent));
        Assert.Contains("Insights[2] ('ins-c] d') has an id holding \"] \" at index 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_refuses_a_proposal_whose_insight_id_holds_a_line_break_and_writes_nothing()
    {
        var store = new InMemoryMemoryStore();
        var proposal = new MemoryProposal { Scope = Bot, Author = MemoryAuthor.Person("p"), Insights = [Insight("a\nb")] };

        await Assert.ThrowsAsync<ArgumentException>(() => store.ProposeAsync(proposal));

        Assert.Empty(await store.ListVersionsAsync(Bot));
    }

    [Fact]
    public void A_proposal_must_be_checked_against_its_own_parent()
    {
        var parent = new MemoryVersion { Id = "mv-1", Scope = Bot, Number = 1, Author = MemoryAuthor.Person("p"), Insights = [Insight("a")] };
        var proposal = new MemoryProposal { Scope = Bot, ParentVersionId = "mv-2", Author = MemoryAuthor.Person("p"), Insights = [] };

        Assert.Throws<ArgumentException>(() => proposal.Validate(parent));
        Assert.Throws<ArgumentException>(() => proposal.Validate(null));
        (proposal with { ParentVersionId = "mv-1" }).Validate(parent);
    }

    [Fact]
    public void An_edit_keeps_the_order_and_makes_a_proposal_whose_parent_is_the_source()
    {
        var source = new MemoryVersion { Id = "mv-1", Scope = Bot, Number = 1, Author = MemoryAuthor.Person("p"), Insights = [Insight("a"), Insight("b"), Insight("c")] };
        var edit = new MemoryEdit { Author = MemoryAuthor.DreamRun("r"), Upserts = [Insight("d"), Insight("b") with { Seen = 1 }], Removals = ["a"], Note = "n" };

        var proposal = edit.ApplyTo(source);

        Assert.Equal("mv-1", proposal.ParentVersionId);
        Assert.Equal(Bot, proposal.Scope);
        Assert.Equal(MemoryAuthor.DreamRun("r"), proposal.Author);
        Assert.Equal("n", proposal.Note);
        Assert.Equal(["b", "c", "d"], proposal.Insights.Select(insight => insight.Id));
        Assert.Equal(1, proposal.Insights[0].Seen);
    }

    [Fact]
    public void State_rules_name_the_version_and_suggest_the_way_out()
    {
        var rejected = new MemoryVersionSummary { Id = "mv-9", Scope = Bot, Number = 9, Author = MemoryAuthor.Person("p"), State = MemoryVersionState.Rejected };

        var error = Assert.Throws<MemoryStateException>(() => MemoryStoreRules.CheckApprove(rejected, null, derivesFromActive: false));

        Assert.Equal("Memory version 'mv-9' (#9 of agent:bot, rejected) cannot be approved: it is rejected, and only a proposed version can be. Roll back to it to make its insights active again.", error.Message);
        Assert.IsAssignableFrom<InvalidOperationException>(error);
        Assert.IsAssignableFrom<KeyNotFoundException>(MemoryVersionNotFoundException.ForId("mv-0"));
        Assert.StartsWith("mv-", MemoryVersion.NewId(), StringComparison.Ordinal);
        Assert.NotEqual(Dreaming.Insight.NewId(), Dreaming.Insight.NewId());
    }

    private static Insight Insight(string id) => new()
    {
        Id = id,
        Text = "text " + id,
        Scope = Bot,
        Source = InsightSource.Mined,
        CreatedAt = BaseTime,
        UpdatedAt = BaseTime,
    };
}
