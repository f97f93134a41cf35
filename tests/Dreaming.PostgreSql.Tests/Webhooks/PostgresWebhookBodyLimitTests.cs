using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The largest body set aside before a change's lock is the largest a row of <c>webhook_events</c> holds: the
/// server forms a row in one allocation of at most 1 GB less a byte (<c>MaxAllocSize</c>) before TOAST stores it, so the
/// row's headers, the event's id, type and time come off it. The check took 1 GB less a byte for the body alone, and a
/// body of 1,073,741,701 to 1,073,741,823 bytes passed it, then failed under the lock ("invalid memory alloc request
/// size 1073741824"). Measured on the test server (PostgreSQL 15) with psql, a body of 1,073,741,700 bytes with an id of
/// <see cref="WebhookEvent.NewId"/>'s length and the type <c>dream.completed</c> is stored, one byte more refused so:
/// building such a body here would take several GB of this process and of the server's per test, so the boundary is
/// tested with the allocation injected smaller, through the same arithmetic.</summary>
public sealed class PostgresWebhookBodyLimitTests : PostgresStoreFixture
{
    [Theory]
    [InlineData(WebhookEventTypes.DreamCompleted, 1_073_741_700)]
    [InlineData(WebhookEventTypes.MemoryVersionActivated, 1_073_741_692)]
    [InlineData(WebhookEventTypes.InsightQuarantined, 1_073_741_696)]
    public void The_largest_body_is_what_a_row_with_the_events_id_and_type_leaves_of_the_largest_allocation(string type, long expected)
    {
        Assert.Equal(expected, PostgresWebhookStash.MaxBodyBytes(WebhookEvent.NewId(), type));
    }

    [Fact]
    public void A_body_of_the_largest_size_a_row_holds_is_set_aside_and_one_byte_more_is_refused_naming_both_sizes()
    {
        // An allocation of 2,000 bytes: less the tuple's two headers (24 each) and the time (8), to a multiple of 8: 1,944;
        // less the id (36 bytes and a 1-byte header), the type (12 and 1), aligned to 4, and the body's 4-byte header: 1,888.
        const int Alloc = 2_000;
        const long Largest = 1_888;
        var webhooks = PostgresStoreWebhooks.Unrouted(TimeProvider.System);
        Assert.Equal(Largest, PostgresWebhookStash.MaxBodyBytes(WebhookEvent.NewId(), WebhookEventTypes.DreamFailed, Alloc));
        static JsonObject Data(int length) => new() { ["dream_run_id"] = "r1", ["error"] = new string('e', length) };
        var bare = Encoding.UTF8.GetByteCount(webhooks.CreateEvent(WebhookEvent.NewId(), WebhookEventTypes.DreamFailed, webhooks.Now(), Data(0), logCut: false).ToBody());
        var fits = (int)Largest - bare;

        var stash = new PostgresWebhookStash(maxAllocBytes: Alloc);
        stash.Add(webhooks, WebhookEventTypes.DreamFailed, () => Data(fits));
        Assert.False(stash.IsEmpty);
        Assert.Equal((int)Largest, Encoding.UTF8.GetByteCount(((string[])stash.Commands().Single().Parameters["bodies"].Value!).Single()));

        var refused = Assert.Throws<TraceStoreException>(() => new PostgresWebhookStash(maxAllocBytes: Alloc).Add(webhooks, WebhookEventTypes.DreamFailed, () => Data(fits + 1)));
        Assert.StartsWith(
            string.Create(CultureInfo.InvariantCulture, $"The webhook event dream.failed of this change has a {Largest + 1:N0}-byte body, over the {Largest:N0} bytes a row of webhook_events holds with its id and type: the change was refused before taking its scope's lock, and nothing of it was written."),
            refused.Message,
            StringComparison.Ordinal);
    }
}
