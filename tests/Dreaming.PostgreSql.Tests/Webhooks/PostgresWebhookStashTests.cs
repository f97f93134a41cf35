using System.Text.Json.Nodes;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>An approval's, a rejection's and a dream run end's webhook events are made before the change's lock from what the change
/// will leave, and their bodies sent then (<see cref="PostgresWebhookStash"/>): the rows written are still those the
/// change leaves (a text the store keeps otherwise than it was given, half a surrogate pair kept as U+FFFD, too), and an
/// event whose data differs from the one made before is made again and sent, not taken from the body set aside.</summary>
public sealed class PostgresWebhookStashTests : PostgresWebhookRowsFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");

    [Fact]
    public async Task The_events_made_before_the_lock_hold_what_the_change_left_a_text_kept_with_U_FFFD_too()
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        await using var memory = new PostgresMemoryStore(options);
        await using var runs = new PostgresDreamRunStore(options);
        var plain = await memory.RejectAsync((await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1"))).Id, MemoryAuthor.Person("bob"), "misleads the agent on deploys");
        var half = await memory.RejectAsync((await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i2"))).Id, MemoryAuthor.Person("bob"), "half \uD800 a pair");
        Assert.Equal("half \uFFFD a pair", half.ReviewNote);
        var approved = await memory.ApproveAsync((await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i3", "i4"))).Id, MemoryAuthor.Person("bob"));

        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        await runs.StartAsync(run.Id, "host-a", TimeSpan.FromMinutes(5));
        var quarantine = new DreamChange { Op = DreamChangeOp.Quarantine, InsightId = "q1", Text = "held back", Reason = "contradicts i1" };
        var completed = await runs.CompleteAsync(run.Id, new DreamRunResults { Note = "a note with half \uDC00 a pair", Report = new DreamReport { Changes = [quarantine] } });
        Assert.Equal("a note with half \uFFFD a pair", completed.Results.Note);
        var failed = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        await runs.StartAsync(failed.Id, "host-a", TimeSpan.FromMinutes(5));
        failed = await runs.FailAsync(failed.Id, "the model went away");
        var canceled = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        canceled = await runs.CancelAsync(canceled.Id);

        await AssertWrittenAsync(WebhookEventTypes.MemoryVersionRejected, "memory_version_id", plain.Id, WebhookEventData.MemoryVersionRejected(plain));
        await AssertWrittenAsync(WebhookEventTypes.MemoryVersionRejected, "memory_version_id", half.Id, WebhookEventData.MemoryVersionRejected(half));
        await AssertWrittenAsync(WebhookEventTypes.MemoryVersionActivated, "memory_version_id", approved.Id, WebhookEventData.MemoryVersion(approved));
        await AssertWrittenAsync(WebhookEventTypes.DreamCompleted, "dream_run_id", completed.Id, WebhookEventData.DreamEnded(completed).Data);
        await AssertWrittenAsync(WebhookEventTypes.InsightQuarantined, "dream_run_id", completed.Id, WebhookEventData.InsightQuarantined(completed, quarantine));
        await AssertWrittenAsync(WebhookEventTypes.DreamFailed, "dream_run_id", failed.Id, WebhookEventData.DreamEnded(failed).Data);
        await AssertWrittenAsync(WebhookEventTypes.DreamCanceled, "dream_run_id", canceled.Id, WebhookEventData.DreamEnded(canceled).Data);
    }

    [Fact]
    public void An_event_set_aside_is_taken_once_for_its_type_the_one_of_equal_data_first_and_made_again_with_its_id_and_time()
    {
        var webhooks = PostgresStoreWebhooks.Unrouted(TimeProvider.System);
        var stash = new PostgresWebhookStash();
        stash.Add(webhooks, WebhookEventTypes.DreamFailed, () => new JsonObject { ["dream_run_id"] = "r1", ["error"] = "guessed" });
        stash.Add(webhooks, WebhookEventTypes.DreamFailed, () => new JsonObject { ["dream_run_id"] = "r2", ["error"] = "guessed" });

        Assert.Null(stash.Take(webhooks, WebhookEventTypes.DreamCanceled, new JsonObject { ["dream_run_id"] = "r1", ["error"] = "guessed" }));
        var (equal, body) = stash.Take(webhooks, WebhookEventTypes.DreamFailed, new JsonObject { ["dream_run_id"] = "r2", ["error"] = "guessed" })!.Value;
        Assert.Equal("dreaming.webhook_body_2", body!.Setting);
        Assert.Empty(body.Patches);
        var (other, patched) = stash.Take(webhooks, WebhookEventTypes.DreamFailed, new JsonObject { ["dream_run_id"] = "r1", ["error"] = "as stored" })!.Value;
        Assert.Equal("dreaming.webhook_body_1", patched!.Setting);
        Assert.Equal((5, "as stor"), (patched.Patches.Single().Count, patched.Patches.Single().Text));
        Assert.Equal(("r1", "as stored"), ((string)other.Data["dream_run_id"]!, (string)other.Data["error"]!));
        Assert.NotEqual(equal.Id, other.Id);
        Assert.Null(stash.Take(webhooks, WebhookEventTypes.DreamFailed, new JsonObject { ["dream_run_id"] = "r1", ["error"] = "guessed" }));
    }

    /// <summary>A proposal's and a rollback's events are made before the lock with the number (and a rollback's parent)
    /// the scope has then; another instance changing the scope meanwhile makes the row's body differ in that stretch, which
    /// the server replaces in the body set aside: the body stored is byte for byte the one the version stored makes
    /// (<see cref="WebhookPublisher.CreateEvent(string, DateTimeOffset, JsonObject)"/>, as the build before made it), its
    /// insight texts cut to MaxPayloadBytes, with a number of as many digits as guessed, or one more.</summary>
    [Fact]
    public async Task A_proposals_and_a_rollbacks_rows_are_byte_for_byte_those_of_the_version_stored_when_another_instance_changed_the_scope_before_the_lock()
    {
        await using var instances = new MemoryInstances(UnroutedOptions);
        var (memory, other, webhooks) = (instances.Memory, instances.Other, instances.Webhooks);
        var insights = Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1", "i2", "i3");
        var wide = insights with { Insights = [.. insights.Insights.Select(i => i with { Text = new string('t', 30_000) + "\u00e9\U0001F600" })] };

        // The store's tables made, so the commands counted are the proposal's. Guessed 1, numbered 2 (the stretch
        // replaced, not the body sent); then guessed 9, numbered 10.
        await memory.RejectAsync((await memory.ProposeAsync(Proposal(MemoryScope.Agent("warm"), null, MemoryAuthor.Person("alice"), "w1"))).Id, MemoryAuthor.Person("bob"), "no");
        var (second, commands) = await NpgsqlCommands.BeforeAsync(2, () => other.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("bob"), "o1")).GetAwaiter().GetResult(), () => memory.ProposeAsync(wide));
        Assert.Equal(2, second.Number);
        Assert.Contains(commands, command => command.Contains("substr(s.b", StringComparison.Ordinal));
        await AssertBodyAsync(webhooks, WebhookEventTypes.MemoryVersionProposed, second);
        for (var i = 3; i <= 8; i++)
        {
            await other.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("bob"), "o1"));
        }

        var (tenth, _) = await NpgsqlCommands.BeforeAsync(2, () => other.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("bob"), "o1")).GetAwaiter().GetResult(), () => memory.ProposeAsync(wide));
        Assert.Equal(10, tenth.Number);
        await AssertBodyAsync(webhooks, WebhookEventTypes.MemoryVersionProposed, tenth);

        // A rollback made before the lock with the active version then as parent: another instance approves another
        // version meanwhile, which the rollback's row takes as parent.
        var first = await memory.ApproveAsync(second.Id, MemoryAuthor.Person("alice"));
        var active = await memory.ApproveAsync((await memory.ProposeAsync(Proposal(Bot, first.Id, MemoryAuthor.Person("alice"), "i1"))).Id, MemoryAuthor.Person("alice"));
        var rival = await memory.ProposeAsync(Proposal(Bot, active.Id, MemoryAuthor.Person("alice"), "i2"));
        var (rolledBack, rollbackCommands) = await NpgsqlCommands.BeforeAsync(3, () => other.ApproveAsync(rival.Id, MemoryAuthor.Person("bob")).GetAwaiter().GetResult(), () => memory.RollbackAsync(first.Id, MemoryAuthor.Person("carol"), "a note"));
        Assert.Equal((rival.Id, first.Id, MemoryVersionState.Active), (rolledBack.ParentVersionId, rolledBack.RestoredFromVersionId, rolledBack.State));
        Assert.Contains(rollbackCommands, command => command.Contains("substr(s.b", StringComparison.Ordinal));
        await AssertBodyAsync(webhooks, WebhookEventTypes.MemoryVersionActivated, rolledBack);
    }

    /// <summary>An event set aside before the lock is not logged: a change refused under the lock (an approval of a version
    /// already active) logged event 79 naming an event id that never reached the outbox. Each event written is logged
    /// once, with its id.</summary>
    [Fact]
    public async Task A_cut_body_is_logged_once_for_each_event_written_and_never_for_one_of_a_change_refused_under_the_lock()
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        await using var memory = new PostgresMemoryStore(options);
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger<WebhookPublisher>();
        memory.Webhooks = new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { IncludeFullPayloads = true }), new InMemoryWebhookOutboxStore(), TimeProvider.System, logger);
        var insights = Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1", "i2", "i3");
        var wide = insights with { Insights = [.. insights.Insights.Select(i => i with { Text = new string('t', 30_000) })] };

        var proposed = await memory.ProposeAsync(wide);
        await memory.ApproveAsync(proposed.Id, MemoryAuthor.Person("alice"));
        await Assert.ThrowsAsync<MemoryStateException>(() => memory.ApproveAsync(proposed.Id, MemoryAuthor.Person("alice")));

        var named = logger.Collector.GetSnapshot().Where(r => r.Id.Id == 79).Select(r => (string)r.StructuredState!.Single(kv => kv.Key == "EventId").Value!).ToList();
        var written = new List<string>();
        foreach (var id in named)
        {
            if ((long)(await ScalarAsync($"SELECT count(*) FROM webhook_events WHERE id = '{id}'"))! == 1)
            {
                written.Add(id);
            }
        }

        Assert.Equal(named, written);
        Assert.Equal(2, named.Distinct().Count());
        Assert.Equal(2, named.Count);
    }

    /// <summary>All of a change's bodies went in one statement, one array: eleven bodies of 100 MiB (a completion with ten
    /// quarantines, full payloads, MaxPayloadBytes at its largest) passed PostgreSQL's 1 GB limit on a message, and the
    /// server dropped the connection ("invalid message length"), which the store reported as a broken stream. The bodies
    /// now go in statements of at most 256 MiB each, and a body no row can hold is refused, naming its size, before
    /// the change takes its lock, nothing of it written (its message said "nothing was sent", though the reads before it
    /// were). The limits are injected lower here, so nothing of a gigabyte is made.</summary>
    [Fact]
    public async Task Bodies_set_aside_go_in_statements_of_at_most_the_limit_and_a_body_no_row_holds_is_refused_before_the_lock_writing_nothing()
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        await using (var memory = new PostgresMemoryStore(options))
        {
            // Makes the outbox's tables.
            await memory.RejectAsync((await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1"))).Id, MemoryAuthor.Person("bob"), "no");
        }

        var webhooks = PostgresStoreWebhooks.Unrouted(TimeProvider.System);
        static JsonObject Data(int i) => new() { ["dream_run_id"] = "r" + i, ["error"] = new string('e', 500) };
        PostgresWebhookStash Stash(int maxStatementBytes)
        {
            var stash = new PostgresWebhookStash(maxStatementBytes);
            for (var i = 1; i <= 3; i++)
            {
                var n = i;
                stash.Add(webhooks, WebhookEventTypes.DreamFailed, () => Data(n));
            }

            return stash;
        }

        // Bodies of about 600 bytes: one a statement under a limit of 1,000; two, then one, under 1,300; all under 2,000.
        static int[] Sizes(PostgresWebhookStash stash) => [.. stash.Commands().Select(c => ((string[])c.Parameters["bodies"].Value!).Length)];
        Assert.Equal([1, 1, 1], Sizes(Stash(1_000)));
        Assert.Equal([2, 1], Sizes(Stash(1_300)));
        Assert.Equal([3], Sizes(Stash(2_000)));

        var split = Stash(1_000);
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                foreach (var command in split.Commands())
                {
                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync();
            }

            for (var i = 1; i <= 3; i++)
            {
                var n = i;
                await PostgresStoreWebhooks.WriteAsync(connection, transaction, webhooks, WebhookEventTypes.DreamFailed, () => Data(n), CancellationToken.None, stash: split);
            }

            await transaction.CommitAsync();
        }

        for (var i = 1; i <= 3; i++)
        {
            await AssertWrittenAsync(WebhookEventTypes.DreamFailed, "dream_run_id", "r" + i, Data(i));
        }

        var refused = Assert.Throws<TraceStoreException>(() => new PostgresWebhookStash(maxAllocBytes: 400).Add(webhooks, WebhookEventTypes.DreamFailed, () => Data(1)));
        Assert.StartsWith("The webhook event dream.failed of this change has a ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(" bytes a row of webhook_events holds with its id and type: the change was refused before taking its scope's lock, and nothing of it was written.", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A body set aside is a setting of the transaction, but the setting outlives it on the connection (pooled, the
    /// next call's) with an empty value, not as an unknown name: a row written from a setting this transaction never
    /// set is refused, not written with an empty body.</summary>
    [Fact]
    public async Task A_setting_an_earlier_transaction_of_the_connection_set_is_never_written_as_an_empty_body()
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        await using (var memory = new PostgresMemoryStore(options))
        {
            // Makes the outbox's tables.
            await memory.RejectAsync((await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1"))).Id, MemoryAuthor.Person("bob"), "no");
        }

        var webhooks = PostgresStoreWebhooks.Unrouted(TimeProvider.System);
        static JsonObject Data() => new() { ["dream_run_id"] = "r1", ["error"] = "the model went away" };
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        var earlier = new PostgresWebhookStash();
        earlier.Add(webhooks, WebhookEventTypes.DreamFailed, Data);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(earlier.Commands().Single());
            await batch.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        var unsent = new PostgresWebhookStash();
        unsent.Add(webhooks, WebhookEventTypes.DreamFailed, Data);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => PostgresStoreWebhooks.WriteAsync(connection, transaction, webhooks, WebhookEventTypes.DreamFailed, Data, CancellationToken.None, stash: unsent));
            Assert.Equal(PostgresErrorCodes.NotNullViolation, refused.SqlState);
        }

        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM webhook_events WHERE type = '{WebhookEventTypes.DreamFailed}'"));
    }

    /// <summary>Asserts that the one event of <paramref name="type"/> about <paramref name="version"/> has the body the
    /// publisher makes for it now, with its time (the build before made its body so, after the lock), texts cut.</summary>
    private async Task AssertBodyAsync(WebhookPublisher webhooks, string type, MemoryVersion version) =>
        Assert.Contains("\"truncated\"", await AssertMemoryBodyAsync(webhooks, type, version), StringComparison.Ordinal);

    /// <summary>Asserts that one event of <paramref name="type"/> about <paramref name="id"/> was written, whose data is
    /// <paramref name="expected"/>, and that it waits unrouted.</summary>
    private async Task AssertWrittenAsync(string type, string key, string id, JsonObject expected)
    {
        var count = await ScalarAsync($"SELECT count(*) FROM webhook_events e JOIN webhook_unrouted u ON u.event_id = e.id WHERE e.type = '{type}' AND e.body::jsonb -> 'data' ->> '{key}' = '{id}'");
        Assert.Equal(1L, count);
        var body = (string)(await ScalarAsync($"SELECT body FROM webhook_events WHERE type = '{type}' AND body::jsonb -> 'data' ->> '{key}' = '{id}'"))!;
        Assert.Equal(expected.ToJsonString(), JsonNode.Parse(body)!["data"]!.ToJsonString());
    }
}
