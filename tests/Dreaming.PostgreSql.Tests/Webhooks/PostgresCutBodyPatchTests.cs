using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>A body whose texts were cut to <see cref="WebhookOptions.MaxPayloadBytes"/> made before the lock with a number
/// one digit shorter than the one the change then gets (another instance numbered a version between the read and the
/// lock): the longer number moves every cut by a character, so the body written differs from the one set aside in a
/// stretch per cut text, not in one. It was sent whole after the lock (65,895 bytes); the row is now written from the body
/// set aside with each stretch replaced, and what is sent after the lock stays under Npgsql's write buffer.</summary>
public sealed class PostgresCutBodyPatchTests(ITestOutputHelper output) : PostgresStoreFixture
{
    private const int WriteBuffer = 8192;

    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_proposal_whose_cut_texts_move_because_its_number_got_a_digit_under_the_lock_sends_only_the_stretches_after_the_lock()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = proxy.Options(Schema);
        options.WriteUnroutedWebhooks = true;
        var direct = Options;
        direct.WriteUnroutedWebhooks = true;
        await using var memory = new PostgresMemoryStore(options);
        await using var other = new PostgresMemoryStore(direct);
        var webhooks = new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { IncludeFullPayloads = true }), new InMemoryWebhookOutboxStore(), TimeProvider.System);
        memory.Webhooks = webhooks;
        // One text cut (the only one, so the number's extra digit takes a character from it; of several cut alike, each
        // loses one as often as their count divides the room left), of words that never repeat (the stretch from the
        // number to a cut in a run of one letter is short: the run's end matches the shorter run's), and two short ones.
        var insights = Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1", "i2", "i3");
        var words = string.Join(' ', Enumerable.Range(0, 20_000).Select(i => "w" + i)) + " \u00e9\U0001F600";
        var wide = insights with { Insights = [insights.Insights[0] with { Text = words }, .. insights.Insights.Skip(1)] };
        // The store's tables made, so the commands counted are the proposal's.
        await memory.RejectAsync((await memory.ProposeAsync(Proposal(MemoryScope.Agent("warm"), null, MemoryAuthor.Person("alice"), "w1"))).Id, MemoryAuthor.Person("bob"), "no");
        for (var i = 1; i <= 8; i++)
        {
            await other.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("bob"), "o1"));
        }

        // Guessed 9 before the lock (its read is the first command); another instance numbers 9 before the second.
        var (tenth, largest, total) = await AfterLockAsync(proxy, 2, () => other.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("bob"), "o1")).GetAwaiter().GetResult(), () => memory.ProposeAsync(wide));
        output.WriteLine($"proposal numbered 10, guessed 9, a cut text: largest round trip after the lock {largest} bytes, {total} bytes in all after it");

        Assert.Equal(10, tenth.Number);
        var body = (string)(await ScalarAsync($"SELECT body FROM webhook_events WHERE type = '{WebhookEventTypes.MemoryVersionProposed}' AND body::jsonb -> 'data' ->> 'memory_version_id' = '{tenth.Id}'"))!;
        var timestamp = DateTimeOffset.Parse((string)JsonNode.Parse(body)!["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(webhooks.CreateEvent(WebhookEventTypes.MemoryVersionProposed, timestamp, WebhookEventData.MemoryEvent(WebhookEventTypes.MemoryVersionProposed, tenth, full: true)).ToBody(), body);
        Assert.Single(JsonNode.Parse(body)!["data"]!["truncated"]!.AsArray());
        Assert.InRange(largest, 1, WriteBuffer - 1);
    }

    /// <summary>Runs <paramref name="call"/>, and <paramref name="meanwhile"/> as it starts its command number
    /// <paramref name="command"/>; returns what it returned, the largest round trip (request bytes through the proxy) it
    /// sent after the one that took a scope's lock, and all it sent after that one but its commit.</summary>
    private static async Task<(T Result, long Largest, long Total)> AfterLockAsync<T>(TcpProxy proxy, int command, Action meanwhile, Func<Task<T>> call)
    {
        using var source = new ActivitySource("Dreaming.PostgreSql.Tests.CutBodyPatch");
        var stops = new List<(bool Lock, long Bytes)>();
        var started = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Npgsql" || s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        T result;
        using (var test = source.StartActivity("call")!)
        {
            var parent = test.Id;
            listener.ActivityStarted = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.ParentId == parent && Interlocked.Increment(ref started) == command)
                {
                    meanwhile();
                }
            };
            listener.ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.ParentId == parent)
                {
                    lock (stops)
                    {
                        stops.Add(((activity.GetTagItem("db.query.text") as string ?? string.Empty).Contains("pg_advisory_xact_lock", StringComparison.Ordinal), proxy.RequestBytes));
                    }
                }
            };
            result = await call();
        }

        lock (stops)
        {
            var locked = stops.FindIndex(stop => stop.Lock);
            Assert.True(locked >= 0, "no round trip took a scope's lock");
            var after = stops.Skip(locked).Select(stop => stop.Bytes).ToList();
            var trips = after.Zip(after.Skip(1), (before, next) => next - before).ToList();
            Assert.NotEmpty(trips);
            return (result, trips.Max(), after[^1] - after[0]);
        }
    }
}
