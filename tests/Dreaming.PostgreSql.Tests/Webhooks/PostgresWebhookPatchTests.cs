using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>A row's body written from the one set aside before the lock with a stretch replaced on the server
/// (<see cref="PostgresWebhookStash.Patch"/>, <see cref="PostgresWebhookStash.PatchedBody"/>: <c>concat</c> of the
/// stretches between, cut by <c>substr</c>, and the texts that replace the others): the
/// positions are counted as PostgreSQL counts them, so the server makes the body the store means, whatever comes before
/// the stretch; and every body is ASCII, so the positions are the same in a database of any encoding (in SQL_ASCII
/// PostgreSQL counts bytes, in UTF8 code points).</summary>
public sealed class PostgresWebhookPatchTests : PostgresWebhookRowsFixture
{
    public static TheoryData<string, string> Pairs() => new()
    {
        // Two-, three- and four-byte characters (a surrogate pair in .NET) before a number one digit longer.
        { "{\"s\":\"b\u00f8t \u20ac \U0001F600\",\"n\":9,\"t\":\"x\"}", "{\"s\":\"b\u00f8t \u20ac \U0001F600\",\"n\":10,\"t\":\"x\"}" },
        // Many of them before, and after, the stretch.
        { string.Concat(Enumerable.Repeat("\u00e9\U0001F600", 3_000)) + "99" + string.Concat(Enumerable.Repeat("\U0001F600\u00e9", 3_000)), string.Concat(Enumerable.Repeat("\u00e9\U0001F600", 3_000)) + "100" + string.Concat(Enumerable.Repeat("\U0001F600\u00e9", 3_000)) },
        // Pairs that share their first half, or their second: the stretch never splits one.
        { "a\U0001F600b", "a\U0001F601b" },
        { "a\U0001F600b", "a\U00010600b" },
        { "\U0001F600\U0001F600", "\U0001F600" },
        { "x\U0001F600", "x\U0001F600\U0001F600" },
        // Control characters and a combining accent before; the stretch at the very start, at the very end.
        { "\u0001\t\ne\u0301 id_1 end", "\u0001\t\ne\u0301 id_22 end" },
        { "1abc", "22abc" },
        { "abc1", "abc" },
        { "abc", "zabc" },
        // Several stretches, characters outside ASCII before, between and after them.
        { "\u00e9\U0001F600 n=9 " + Words("a")[..300] + " \U0001F600\u00e9 " + Words("b")[..300] + " \u20ac", "\u00e9\U0001F600 n=10 " + Words("a")[..299] + " \U0001F600\u00e9 " + Words("b")[..299] + " \u20ac" },
        { "\U0001F600x\U0001F600y\U0001F600" + new string('k', 40) + "\U0001F600z", "\U0001F601x\U0001F600yy\U0001F600" + new string('k', 40) + "\U0001F602z" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task The_server_makes_the_written_body_from_the_one_set_aside_and_the_patch_whatever_characters_come_before(string stashed, string written)
    {
        var patch = PostgresWebhookStash.Patch(stashed, written);
        Assert.NotNull(patch);
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        Assert.Equal(written, await PatchedOnServerAsync(transaction, stashed, patch));
    }

    /// <summary>What the server makes of <paramref name="stashed"/>, set aside in <paramref name="transaction"/>, with
    /// <paramref name="patches"/> replaced, as a row's body is made (<see cref="PostgresWebhookStash.PatchedBody"/>).</summary>
    internal static async Task<string> PatchedOnServerAsync(NpgsqlTransaction transaction, string stashed, IReadOnlyList<PostgresWebhookRows.BodyPatch> patches)
    {
        var (sql, parameters) = PostgresWebhookStash.PatchedBody(patches);
        await using var command = new NpgsqlCommand(
            "SELECT set_config('dreaming.webhook_body_1', @stashed, true) IS NULL; SELECT " + sql,
            transaction.Connection,
            transaction);
        command.Parameters.AddWithValue("stashed", stashed);
        command.Parameters.AddWithValue("body", "dreaming.webhook_body_1");
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value!);
        }

        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        Assert.True(await reader.ReadAsync());
        return reader.GetString(0);
    }

    /// <summary>A setting an earlier transaction of the connection set has an empty value in the next: a body patched from
    /// it is NULL, which the row refuses, not the patch's texts joined (<c>concat</c> skips a NULL).</summary>
    [Fact]
    public async Task A_body_patched_from_a_setting_this_transaction_did_not_set_is_null()
    {
        var patch = PostgresWebhookStash.Patch("{\"n\":9,\"t\":\"abcdefghijklmnopqrstuvwxyz\"}", "{\"n\":10,\"t\":\"abcdefghijklmnopqrstuvwxy\"}")!;
        Assert.Equal(2, patch.Length);
        var (sql, parameters) = PostgresWebhookStash.PatchedBody(patch);
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using (var earlier = new NpgsqlCommand("SELECT set_config('dreaming.webhook_body_1', 'earlier', true)", connection))
        {
            await earlier.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand("SELECT " + sql, connection);
        command.Parameters.AddWithValue("body", "dreaming.webhook_body_1");
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value!);
        }

        Assert.Equal(DBNull.Value, await command.ExecuteScalarAsync());
    }

    /// <summary>The JSON writer escapes every character outside ASCII (and every control character) in a body, a lone
    /// surrogate too: what the patch's positions count is then the same in characters, code points and bytes, in any
    /// database encoding.</summary>
    [Fact]
    public void Every_body_is_ascii_whatever_its_data_holds()
    {
        var data = new JsonObject
        {
            ["scope"] = "agent:b\u00f8t",
            ["note"] = "caf\u00e9 \u20ac \U0001F600 \u2028 \u007f \u0001 \t half \uD800 a pair \uDC00",
            ["insight_list"] = new JsonArray(new JsonObject { ["text"] = "e\u0301 \u4e2d\u6587" }),
            ["number"] = 10,
        };
        var webhooks = PostgresStoreWebhooks.Unrouted(TimeProvider.System);

        var body = webhooks.CreateEvent(WebhookEventTypes.MemoryVersionProposed, BaseTime, data).ToBody();

        Assert.True(Ascii.IsValid(body), body);
        Assert.False(Ascii.IsValid((string)data["note"]!));
    }

    /// <summary>A proposal whose scope, insight texts and author hold characters outside ASCII and half a surrogate pair (kept as
    /// U+FFFD, so the body made before the lock differs from the stored version's), with another instance numbering a
    /// version between the read and the lock: the row's body is byte for byte the one the version stored makes.</summary>
    [Fact]
    public async Task A_proposal_with_text_outside_ascii_and_half_a_pair_numbered_under_the_lock_stores_the_body_of_the_version_stored()
    {
        await using var instances = new MemoryInstances(UnroutedOptions);
        var (memory, other, webhooks) = (instances.Memory, instances.Other, instances.Webhooks);
        // Characters outside ASCII in the scope come before the number in the body, and in the texts after it.
        var scope = MemoryScope.Agent("b\u00f8t \U0001F600");
        var proposal = Proposal(scope, null, MemoryAuthor.Person("Zo\u00eb \U0001F600"), "i1", "i2");
        proposal = proposal with { Insights = [.. proposal.Insights.Select(i => i with { Text = "caf\u00e9 \U0001F600 half \uD800 a pair " + i.Id })] };
        await memory.RejectAsync((await memory.ProposeAsync(Proposal(MemoryScope.Agent("warm"), null, MemoryAuthor.Person("alice"), "w1"))).Id, MemoryAuthor.Person("bob"), "no");

        var (stored, commands) = await NpgsqlCommands.BeforeAsync(2, () => other.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("bob"), "o1")).GetAwaiter().GetResult(), () => memory.ProposeAsync(proposal));

        Assert.Equal(2, stored.Number);
        Assert.Contains("\uFFFD", stored.Insights[0].Text, StringComparison.Ordinal);
        Assert.Contains(commands, command => command.Contains("substr(s.b", StringComparison.Ordinal));
        await AssertMemoryBodyAsync(webhooks, WebhookEventTypes.MemoryVersionProposed, stored);
    }

    /// <summary>A rollback reads the version it restores, the scope's next number and its active version before its
    /// transaction, and inserts its row in the round trip that takes the lock, before its checks: a version approved by
    /// another instance between those reads and the lock is refused as the active version it then is, and the row, the
    /// event and its log go with the transaction.</summary>
    [Fact]
    public async Task A_rollback_to_a_version_another_instance_approved_between_its_reads_and_the_lock_is_refused_leaving_nothing()
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        await using var memory = new PostgresMemoryStore(options);
        await using var other = new PostgresMemoryStore(options);
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger<WebhookPublisher>();
        memory.Webhooks = new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { IncludeFullPayloads = true, MaxPayloadBytes = 4_096 }), new InMemoryWebhookOutboxStore(), TimeProvider.System, logger);
        var scope = MemoryScope.Agent("bot");
        var first = await memory.ApproveAsync((await memory.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("alice"), "i1"))).Id, MemoryAuthor.Person("alice"));
        var target = Proposal(scope, first.Id, MemoryAuthor.Person("alice"), "i2");
        var proposed = await other.ProposeAsync(target with { Insights = [.. target.Insights.Select(i => i with { Text = new string('t', 10_000) })] });
        logger.Collector.Clear();

        var refused = await Assert.ThrowsAsync<MemoryStateException>(() => NpgsqlCommands.BeforeAsync(3, () => other.ApproveAsync(proposed.Id, MemoryAuthor.Person("bob")).GetAwaiter().GetResult(), () => memory.RollbackAsync(proposed.Id, MemoryAuthor.Person("carol"), "a note")));

        Assert.Contains("already the active version", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2L, await ScalarAsync("SELECT count(*) FROM memory_versions"));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM memory_versions WHERE restored_from_id IS NOT NULL OR note IS NOT NULL"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM webhook_events WHERE body::jsonb -> 'data' ->> 'restored_from_version_id' IS NOT NULL"));
        Assert.Empty(logger.Collector.GetSnapshot());
        Assert.Equal(MemoryVersionState.Active, (await memory.GetVersionAsync(proposed.Id))!.State);
    }

    [Theory]
    [InlineData("{\"n\":9,\"t\":\"abc\"}", "{\"n\":10,\"t\":\"abc\"}", 6, 1, "10")]
    [InlineData("a\U0001F600b", "a\U0001F601b", 2, 1, "\U0001F601")]
    [InlineData("\U0001F600\U0001F600x", "\U0001F600\U0001F600y", 3, 1, "y")]
    public void A_patch_replaces_the_stretch_between_the_common_start_and_end_counted_in_code_points(string stashed, string written, int from, int count, string text)
    {
        var patch = Assert.Single(PostgresWebhookStash.Patch(stashed, written)!);
        Assert.Equal((from, count, text), (patch.From, patch.Count, patch.Text));
        Assert.Empty(PostgresWebhookStash.Patch("same", "same")!);
        Assert.Null(PostgresWebhookStash.Patch("x" + new string('a', PostgresWebhookStash.MaxPatchChars + 1) + "y", "xy"));
    }

    /// <summary>A number one digit longer takes a character from each text cut to make room for it: the stretches are
    /// the number and the end of each cut, not the one stretch from the number to the last cut, which held the texts
    /// between and was sent whole.</summary>
    [Fact]
    public void A_number_one_digit_longer_and_each_cut_one_character_shorter_are_stretches_of_their_own()
    {
        static string Body(string number, int cut) =>
            "{\"n\":" + number + ",\"a\":\"" + Words("a")[..cut] + "\\u2026\",\"b\":\"" + Words("b")[..cut] + "\\u2026\",\"truncated\":[]}";
        var stashed = Body("9", 5_000);
        var written = Body("10", 4_999);

        var patches = PostgresWebhookStash.Patch(stashed, written)!;

        Assert.Equal(3, patches.Length);
        Assert.Equal((6, 1, "10"), (patches[0].From, patches[0].Count, patches[0].Text));
        Assert.All(patches.Skip(1), patch => Assert.Equal((1, string.Empty), (patch.Count, patch.Text)));
        Assert.Equal(written, Apply(stashed, patches));
        Assert.Null(PostgresWebhookStash.Patch(stashed, Body("10", 4_000)));

        // More stretches than a statement of a few hundred bytes holds: sent whole.
        var many = string.Concat(Enumerable.Range(0, PostgresWebhookStash.MaxStretches + 1).Select(i => "x" + Words("w" + i)[..40]));
        var moved = string.Concat(Enumerable.Range(0, PostgresWebhookStash.MaxStretches + 1).Select(i => "y" + Words("w" + i)[..40]));
        Assert.Equal(PostgresWebhookStash.MaxStretches, PostgresWebhookStash.Patch(many[..^41], moved[..^41])!.Length);
        Assert.Null(PostgresWebhookStash.Patch(many, moved));
    }

    /// <summary>Words that never repeat, so no run of one letter lines a cut up with another.</summary>
    internal static string Words(string prefix) => string.Join(' ', Enumerable.Range(0, 2_000).Select(i => prefix + i));

    /// <summary>What the server makes of <paramref name="stashed"/> with <paramref name="patches"/> replaced.</summary>
    internal static string Apply(string stashed, IReadOnlyList<PostgresWebhookRows.BodyPatch> patches)
    {
        // The bodies here are ASCII: positions in characters are positions in code points.
        var built = new System.Text.StringBuilder();
        var from = 1;
        foreach (var patch in patches)
        {
            built.Append(stashed, from - 1, patch.From - from).Append(patch.Text);
            from = patch.From + patch.Count;
        }

        return built.Append(stashed, from - 1, stashed.Length - from + 1).ToString();
    }
}
