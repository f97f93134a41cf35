using System.Text.Json.Nodes;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>An approval's, a rejection's and a dream run end's webhook events are made before the change's lock from what the change
/// will leave, and their bodies sent then (<see cref="PostgresWebhookStash"/>): the rows written are still those the
/// change leaves (a text the store keeps otherwise than it was given, half a surrogate pair kept as U+FFFD, too), and an
/// event whose data differs from the one made before is made again and sent, not taken from the body set aside.</summary>
public sealed class PostgresWebhookStashTests : PostgresStoreFixture
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
    public void An_event_set_aside_is_taken_once_and_only_for_its_type_and_the_same_data()
    {
        var webhooks = PostgresStoreWebhooks.Unrouted(TimeProvider.System);
        var stash = new PostgresWebhookStash();
        stash.Add(webhooks, WebhookEventTypes.DreamFailed, () => new JsonObject { ["dream_run_id"] = "r1", ["error"] = "guessed" });

        Assert.Null(stash.Take(WebhookEventTypes.DreamFailed, new JsonObject { ["dream_run_id"] = "r1", ["error"] = "as stored" }));
        Assert.Null(stash.Take(WebhookEventTypes.DreamCanceled, new JsonObject { ["dream_run_id"] = "r1", ["error"] = "guessed" }));
        var (webhookEvent, setting) = stash.Take(WebhookEventTypes.DreamFailed, new JsonObject { ["dream_run_id"] = "r1", ["error"] = "guessed" })!.Value;
        Assert.Equal(WebhookEventTypes.DreamFailed, webhookEvent.Type);
        Assert.Equal("dreaming.webhook_body_1", setting);
        Assert.Null(stash.Take(WebhookEventTypes.DreamFailed, new JsonObject { ["dream_run_id"] = "r1", ["error"] = "guessed" }));
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
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { earlier.Command() } };
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
