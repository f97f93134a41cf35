using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>A body whose texts were cut to <see cref="WebhookOptions.MaxPayloadBytes"/> made before the lock with a number
/// one digit shorter than the one the change then gets (another instance numbered a version between the read and the
/// lock): the longer number moves every cut by a character, so the body written differs from the one set aside in a
/// stretch per cut text, not in one. It was sent whole after the lock (65,895 bytes); the row is now written from the body
/// set aside with each stretch replaced, and what is sent after the lock stays under Npgsql's write buffer.</summary>
public sealed class PostgresCutBodyPatchTests(ITestOutputHelper output) : PostgresWebhookRowsFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_proposal_whose_cut_texts_move_because_its_number_got_a_digit_under_the_lock_sends_only_the_stretches_after_the_lock()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = proxy.Options(Schema);
        options.WriteUnroutedWebhooks = true;
        await using var instances = new MemoryInstances(options, UnroutedOptions);
        var (memory, other, webhooks) = (instances.Memory, instances.Other, instances.Webhooks);
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
        var (tenth, largest, total) = await LockTail.AfterLockAsync(proxy, () => memory.ProposeAsync(wide), 2, () => other.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("bob"), "o1")).GetAwaiter().GetResult());
        output.WriteLine($"proposal numbered 10, guessed 9, a cut text: largest round trip after the lock {largest} bytes, {total} bytes in all after it");

        Assert.Equal(10, tenth.Number);
        var body = await AssertMemoryBodyAsync(webhooks, WebhookEventTypes.MemoryVersionProposed, tenth);
        Assert.Single(JsonNode.Parse(body)!["data"]!["truncated"]!.AsArray());
        Assert.InRange(largest, 1, LockTail.WriteBuffer - 1);
    }
}
