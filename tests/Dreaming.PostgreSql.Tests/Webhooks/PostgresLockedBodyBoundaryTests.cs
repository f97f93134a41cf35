using System.Text;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The size check an event made again under its scope's lock meets (<see cref="PostgresWebhookStash.ThrowIfTooLarge"/>)
/// has the same limit as the one before the lock (<see cref="PostgresWebhookStash.Add"/>): a body of exactly what a row of
/// <c>webhook_events</c> holds with the event's id and type is written, byte for byte, whether it is patched from the body
/// set aside or sent whole; one byte more is refused. The allocation is injected smaller, as in
/// <see cref="PostgresLockedBodyLimitTests"/>.</summary>
public sealed class PostgresLockedBodyBoundaryTests : PostgresStoreFixture
{
    [Theory]
    [InlineData(320, 0)] // a note of under 1,024 characters: patched on the server from the body set aside
    [InlineData(320, 1)]
    [InlineData(2_400, 0)] // a note of more than 1,024 characters: sent whole
    [InlineData(2_400, 1)]
    public async Task A_body_grown_under_the_lock_to_what_a_row_holds_is_written_and_one_byte_more_is_refused(int spare, int over)
    {
        await using var runs = new PostgresDreamRunStore(Options);
        await using (var outbox = new PostgresWebhookOutboxStore(Options))
        {
            await outbox.ListUnroutedAsync(1);
        }

        var webhooks = PostgresStoreWebhooks.Unrouted(TimeProvider.System);
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        var guessed = run with { Status = DreamRunStatus.Canceled };
        int BodyBytes(DreamRun of) => Encoding.UTF8.GetByteCount(WebhookEvent.Create(WebhookEventTypes.DreamCanceled, BaseTime, WebhookEventData.DreamEnded(of).Data).ToBody());
        DreamRun WithNote(int length) => guessed with { Results = guessed.Results with { Note = new string('n', length) } };

        var alloc = BodyBytes(guessed) + spare;
        var limit = PostgresWebhookStash.MaxBodyBytes(WebhookEvent.NewId(), WebhookEventTypes.DreamCanceled, alloc);
        var noteLength = (int)(limit - BodyBytes(WithNote(1))) + 1 + over;
        var left = WithNote(noteLength);
        Assert.Equal(limit + over, BodyBytes(left));
        var stash = PostgresStoreWebhooks.StashDreamEnded(webhooks, guessed, quarantined: false, new PostgresWebhookStash(maxAllocBytes: alloc));
        Assert.NotNull(stash);

        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                foreach (var command in stash.Commands())
                {
                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync();
            }

            if (over > 0)
            {
                var refused = await Assert.ThrowsAsync<TraceStoreException>(() => PostgresStoreWebhooks.WriteDreamEndedAsync(connection, transaction, webhooks, left, quarantined: false, CancellationToken.None, stash));
                Assert.Contains($"-byte body, over the {limit:N0} bytes a row of webhook_events holds", refused.Message, StringComparison.Ordinal);
                return;
            }

            await PostgresStoreWebhooks.WriteDreamEndedAsync(connection, transaction, webhooks, left, quarantined: false, CancellationToken.None, stash);
            await transaction.CommitAsync();
        }

        Assert.Equal((long)limit, await ScalarAsync("SELECT octet_length(body)::bigint FROM webhook_events WHERE type = 'dream.canceled'"));
        Assert.Equal((long)noteLength, await ScalarAsync("SELECT length(body::jsonb #>> '{data,note}')::bigint FROM webhook_events WHERE type = 'dream.canceled'"));
    }
}
