using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>A change's event is made again under its scope's lock from what the change left, and its body then differs
/// from the one set aside before the lock (a progress note committed meanwhile, in a cancel's event): sent whole when it
/// differs in more than <see cref="PostgresWebhookStash.MaxStretches"/> stretches or <see cref="PostgresWebhookStash.MaxPatchChars"/>
/// characters, else patched on the server. Either way the row's body is the one made under the lock, so it is checked
/// against what a row of <c>webhook_events</c> holds (<see cref="PostgresWebhookStash.MaxBodyBytes"/>) before anything of
/// it is sent: only the body set aside was checked, and one grown under the lock past the limit went to the server under
/// the lock, to fail there ("invalid memory alloc request size", or, over 1 GB, a dropped connection reported as an
/// outage) after holding the lock for its transfer. The allocation is injected smaller, as in
/// <see cref="PostgresWebhookBodyLimitTests"/>: a body of a gigabyte takes several GB and a minute a test.</summary>
public sealed class PostgresLockedBodyLimitTests : PostgresStoreFixture
{
    [Theory]
    [InlineData(2_000)] // more characters than a patch places: sent whole
    [InlineData(300)] // one stretch: patched on the server from the body set aside
    public async Task A_body_grown_under_the_lock_past_what_a_row_holds_is_refused_before_it_is_sent_naming_the_event_and_the_limit(int noteLength)
    {
        await using var runs = new PostgresDreamRunStore(Options);
        await using (var outbox = new PostgresWebhookOutboxStore(Options))
        {
            await outbox.ListUnroutedAsync(1);
        }

        var webhooks = PostgresStoreWebhooks.Unrouted(TimeProvider.System);
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        var guessed = run with { Status = DreamRunStatus.Canceled };
        var left = guessed with { Results = guessed.Results with { Note = new string('n', noteLength) } };

        // A row holds the body set aside with 200 bytes to spare, not the one the note committed meanwhile makes.
        var guessedBytes = Encoding.UTF8.GetByteCount(WebhookEvent.Create(WebhookEventTypes.DreamCanceled, BaseTime, WebhookEventData.DreamEnded(guessed).Data).ToBody());
        var alloc = guessedBytes + 320;
        var limit = PostgresWebhookStash.MaxBodyBytes(WebhookEvent.NewId(), WebhookEventTypes.DreamCanceled, alloc);
        Assert.InRange(limit, guessedBytes + 150, guessedBytes + 250);
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

            var refused = await Assert.ThrowsAsync<TraceStoreException>(() => PostgresStoreWebhooks.WriteDreamEndedAsync(connection, transaction, webhooks, left, quarantined: false, CancellationToken.None, stash));

            var bytes = guessedBytes + noteLength + ",\"note\":\"\"".Length;
            var match = Regex.Match(refused.Message, "^The webhook event dream.canceled (msg_[0-9a-f]{32}) of this change has a ([0-9,]+)-byte body, ");
            Assert.True(match.Success, refused.Message);
            Assert.StartsWith(
                string.Create(CultureInfo.InvariantCulture, $"The webhook event dream.canceled {match.Groups[1].Value} of this change has a {match.Groups[2].Value}-byte body, over the {limit:N0} bytes a row of webhook_events holds with its id and type: it was refused before it was sent, and nothing of the change was written."),
                refused.Message,
                StringComparison.Ordinal);
            Assert.Equal(bytes, long.Parse(match.Groups[2].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));

            // The transaction is still usable (nothing was sent), and the caller rolls it back.
            await using var count = new NpgsqlCommand("SELECT count(*) FROM webhook_events", connection, transaction);
            Assert.Equal(0L, await count.ExecuteScalarAsync());
        }
    }
}
