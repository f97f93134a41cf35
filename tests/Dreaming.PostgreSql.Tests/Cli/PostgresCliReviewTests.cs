using System.Text.Json;
using System.Text.Json.Nodes;
using Dreaming.Sqlite.Tests.Webhooks;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary>The <c>dreaming</c> tool's memory review, dreams, runs and webhook commands on a PostgreSQL schema: the changes
/// write their webhook events unrouted, for the app's dispatcher on the schema, as on SQLite.</summary>
public sealed class PostgresCliReviewTests
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("support-bot");
    private static readonly DateTimeOffset Time = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Memory_review_approve_reject_rollback_and_edit_write_unrouted_events_the_webhook_commands_list_and_drop()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("one.jsonl", """{"id":"s1","messages":[{"role":"user","content":"hi"}]}"""));
        var (v1, v2) = await SeedAsync(cli.Options);

        var list = await cli.RunOkAsync("memory", "list", "--agent", "support-bot");
        var approved = await cli.RunOkAsync("memory", "approve", v1, "--by", "ada");
        var diff = await cli.RunOkAsync("memory", "diff", v1, v2);
        var quiet = await cli.RunOkAsync("memory", "approve", v2, "--by", "ada", "--no-webhooks");
        var rolledBack = await cli.RunOkAsync("memory", "rollback", v1, "--by", "ada", "--note", "v2 was wrong");
        var edited = await cli.RunOkAsync("memory", "edit", v2, "--add", "Say sorry once.", "--by", "ada");
        var editId = edited.Split('\n').Single(l => l.StartsWith("approve it with:", StringComparison.Ordinal)).Split(' ')[^1].Trim();
        var rejected = await cli.RunOkAsync("memory", "reject", editId, "--by", "ada", "--note", "no");
        var shown = await cli.RunOkAsync("memory", "show", "--agent", "support-bot");
        var waiting = JsonDocument.Parse(await cli.RunOkAsync("webhooks", "list", "--unrouted", "--json")).RootElement;
        var deliveries = await cli.RunOkAsync("webhooks", "list");

        Assert.Contains("v2", list, StringComparison.Ordinal);
        Assert.Contains("is now active", approved, StringComparison.Ordinal);
        Assert.Contains("webhooks: memory.version_activated written to the outbox", approved, StringComparison.Ordinal);
        Assert.Contains("~", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("webhooks:", quiet, StringComparison.Ordinal);
        Assert.Contains($"restores {v1} and is now active", rolledBack, StringComparison.Ordinal);
        Assert.Contains("is now rejected", rejected, StringComparison.Ordinal);
        Assert.Contains("Write order ids as #W1234.", shown, StringComparison.Ordinal);
        Assert.Equal(
            [WebhookEventTypes.MemoryVersionActivated, WebhookEventTypes.MemoryVersionActivated, WebhookEventTypes.MemoryVersionProposed, WebhookEventTypes.MemoryVersionRejected],
            waiting.EnumerateArray().Select(e => e.GetProperty("eventType").GetString()));
        Assert.Contains("4 events written by this tool wait, unrouted, for the app's webhook dispatcher", deliveries, StringComparison.Ordinal);

        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var dropped = JsonDocument.Parse(await cli.RunOkAsync("webhooks", "drop-unrouted", "--older-than", "1s", "--json")).RootElement;
        Assert.Equal(4, dropped.GetProperty("count").GetInt32());
        Assert.Contains("no unrouted webhook events", await cli.RunOkAsync("webhooks", "list", "--unrouted"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dream_on_the_schema_is_listed_by_runs_and_its_events_wait_unrouted()
    {
        await using var cli = new PostgresCliRunner();
        var lines = Enumerable.Range(0, 6).Select(i =>
            $$$"""{"id":"s{{{i}}}","messages":[{"role":"user","content":"refund"},{"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"refund","arguments":"{}"}}]},{"role":"tool","tool_call_id":"t1","content":"Error: amount does not add up"},{"role":"assistant","content":"sorry"}],"reward":0}""");
        await cli.RunOkAsync("import", cli.WriteFile("log.jsonl", string.Join('\n', lines)), "--agent", "support-bot");

        var dream = JsonDocument.Parse(await cli.RunOkAsync("dream", "--agent", "support-bot", "--min-sessions", "1", "--json")).RootElement;
        var runs = JsonDocument.Parse(await cli.RunOkAsync("runs", "--agent", "support-bot", "--json")).RootElement;
        var waiting = JsonDocument.Parse(await cli.RunOkAsync("webhooks", "list", "--unrouted", "--json")).RootElement;
        var text = await cli.RunOkAsync("runs", "--scope", "agent:support-bot");

        Assert.Equal("completed", dream.GetProperty("status").GetString());
        Assert.Equal(6, dream.GetProperty("sessions_read").GetInt32());
        Assert.Equal(dream.GetProperty("run_id").GetString(), Assert.Single(runs.EnumerateArray()).GetProperty("run_id").GetString());
        Assert.Contains(dream.GetProperty("run_id").GetString()!, text, StringComparison.Ordinal);
        Assert.Contains(WebhookEventTypes.DreamCompleted, waiting.EnumerateArray().Select(e => e.GetProperty("eventType").GetString()));
    }

    [Fact]
    public async Task Webhooks_list_shows_the_dead_letters_and_replay_delivers_one_to_a_receiver()
    {
        await using var cli = new PostgresCliRunner();
        var secret = WebhookSecret.Generate();
        await using var receiver = await WebhookReceiver.StartAsync(secret);
        string first, second;
        await using (var outbox = new PostgresWebhookOutboxStore(cli.Options))
        {
            first = (await outbox.EnqueueAsync(WebhookEvent.Create(WebhookEventTypes.DreamCompleted, Time, new JsonObject { ["n"] = 1 }), ["ci"]))[0].Id;
            second = (await outbox.EnqueueAsync(WebhookEvent.Create(WebhookEventTypes.DreamCompleted, Time, new JsonObject { ["n"] = 2 }), ["ci"]))[0].Id;
            await outbox.KillAsync(first, "HTTP 500");
            await outbox.KillAsync(second, "HTTP 500");
        }

        var dead = JsonDocument.Parse(await cli.RunOkAsync("webhooks", "list", "--state", "dead", "--json")).RootElement;
        var replayed = JsonDocument.Parse(await cli.RunOkAsync("webhooks", "replay", first, "--webhook", receiver.Url, "--webhook-secret", secret, "--json")).RootElement;
        var queued = await cli.RunOkAsync("webhooks", "replay", "--all-dead");
        var pending = JsonDocument.Parse(await cli.RunOkAsync("webhooks", "list", "--state", "pending", "--json")).RootElement;

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), dead.EnumerateArray().Select(d => d.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(1, replayed.GetProperty("delivered").GetInt32());
        Assert.True(Assert.Single(receiver.Received).SignatureValid);
        Assert.StartsWith("replayed 1 deliveries", queued, StringComparison.Ordinal);
        Assert.Equal(second, Assert.Single(pending.EnumerateArray()).GetProperty("id").GetString());
    }

    private static async Task<(string V1, string V2)> SeedAsync(PostgresStoreOptions options)
    {
        await using var store = new PostgresMemoryStore(options);
        var order = new Insight { Id = "ins-order", Text = "Write order ids as #W1234.", Scope = Bot, Source = InsightSource.Mined, CreatedAt = Time, UpdatedAt = Time };
        var v1 = await store.ProposeAsync(new MemoryProposal { Scope = Bot, Author = MemoryAuthor.DreamRun("dr-1"), Insights = [order], Note = "first dream" });
        var v2 = await store.ProposeAsync(new MemoryProposal
        {
            Scope = Bot,
            ParentVersionId = v1.Id,
            Author = MemoryAuthor.DreamRun("dr-2"),
            Insights = [order with { Text = "Always write order ids as #W1234.", UpdatedAt = Time.AddDays(1) }],
        });
        return (v1.Id, v2.Id);
    }
}
