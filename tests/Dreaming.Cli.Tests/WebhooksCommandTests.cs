using System.Text.Json;
using Dreaming.Sqlite.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Tests;

public sealed class WebhooksCommandTests : IAsyncLifetime
{
    private static readonly string Secret = WebhookSecret.Generate();
    private WebhookReceiver _receiver = null!;
    private volatile int _status = 200;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync(Secret);
        _receiver.Respond = (context, _) =>
        {
            context.Response.StatusCode = _status;
            return Task.CompletedTask;
        };
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Demo_delivers_every_event_signed_and_prints_the_summary()
    {
        using var cli = new CliRunner();

        var (exit, json, error) = await cli.RunAsync("demo", "--db", cli.Database, "--json", "--webhook", _receiver.Url, "--webhook-secret", Secret);

        Assert.True(exit == 0, error);
        var summary = JsonDocument.Parse(json).RootElement.GetProperty("webhooks");
        var events = summary.GetProperty("events").GetInt32();
        Assert.Equal(events, summary.GetProperty("delivered").GetInt32());
        Assert.True(events >= 30, $"only {events} events");
        Assert.All(_receiver.Received, r => Assert.True(r.SignatureValid, $"signature of {r.Id} failed the independent check"));
        Assert.Equal(events, _receiver.Received.Select(r => r.Id).Distinct().Count());
        var types = _receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()).ToHashSet();
        Assert.Superset(
            new HashSet<string?> { "session.completed", "session.failed", "outcome.evaluation_ended", "outcome.satisfied", "dream.completed", "memory.version_proposed", "memory.version_activated" },
            types);

        var (textExit, text, _) = await cli.RunAsync("demo", "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", Secret);
        Assert.Equal(0, textExit);
        Assert.Contains($"events to {_receiver.Url}: ", text, StringComparison.Ordinal);
        Assert.Contains(" delivered, 0 dead, 0 pending", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_summary_shows_the_webhook_url_without_its_query()
    {
        // It printed the URL as given: 'events to http://127.0.0.1:…/hooks?token=…', in text and in --json.
        using var cli = new CliRunner();
        var url = _receiver.Url + "?token=tok-xyzzy#frag-xyzzy";

        var (exit, json, error) = await cli.RunAsync("demo", "--db", cli.Database, "--json", "--webhook", url, "--webhook-secret", Secret);
        var (textExit, text, textError) = await cli.RunAsync("demo", "--db", cli.Database, "--webhook", url, "--webhook-secret", Secret);

        Assert.True(exit == 0, error);
        Assert.True(textExit == 0, textError);
        Assert.Equal(_receiver.Url, JsonDocument.Parse(json).RootElement.GetProperty("webhooks").GetProperty("url").GetString());
        Assert.Contains($"events to {_receiver.Url}: ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("xyzzy", json + error + text + textError, StringComparison.Ordinal);
        Assert.NotEmpty(_receiver.Received);
    }

    [Theory]
    [InlineData("ftp://h/x?token=tok-xyzzy", "'ftp://h/x?***' must be an absolute http:// or https:// URL")]
    [InlineData("ftp://bob:pw-hunter2@h/x?token=tok-xyzzy#frag-xyzzy", "'ftp://***@h/x?***' must be an absolute http:// or https:// URL")]
    [InlineData("http://bob:pw-hunter2@127.0.0.1:9/hooks?token=tok-xyzzy", "'http://***@127.0.0.1:9/hooks?***' has user info")]
    public async Task A_refused_webhook_url_is_named_without_its_secrets(string url, string named)
    {
        // The library showed a user name and password as ***, but a query string as given: with user info in the URL the
        // tool's own clean-up missed it, and the token was printed. The library now shows the query as ?*** too.
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("demo", "--db", cli.Database, "--webhook", url, "--webhook-secret", Secret);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
        Assert.DoesNotContain("xyzzy", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_deliveries_become_dead_letters_that_list_shows_and_replay_delivers()
    {
        using var cli = new CliRunner();
        _status = 500;
        var (exit, json, _) = await cli.RunAsync("demo", "--db", cli.Database, "--json", "--webhook", _receiver.Url, "--webhook-secret", Secret);
        Assert.Equal(0, exit);
        var events = JsonDocument.Parse(json).RootElement.GetProperty("webhooks").GetProperty("dead").GetInt32();
        Assert.True(events > 0);

        var (listExit, list, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database, "--state", "dead", "--json", "--limit", "1000");
        Assert.Equal(0, listExit);
        var dead = JsonDocument.Parse(list).RootElement.EnumerateArray().ToList();
        Assert.Equal(events, dead.Count);
        Assert.All(dead, d => Assert.Equal("500", d.GetProperty("lastError").GetString()!.Split(' ')[0]));
        Assert.All(dead, d => Assert.Equal(4, d.GetProperty("attempts").GetInt32()));
        var (textExit, text, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database, "--limit", "3");
        Assert.Equal(0, textExit);
        Assert.Contains("dead", text, StringComparison.Ordinal);

        _status = 204;
        var one = dead[0].GetProperty("id").GetString()!;
        var (replayExit, replayed, replayError) = await cli.RunAsync("webhooks", "replay", one, "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", Secret);
        Assert.True(replayExit == 0, replayError);
        Assert.Contains("1 events to", replayed, StringComparison.Ordinal);
        var (allExit, all, allError) = await cli.RunAsync("webhooks", "replay", "--all-dead", "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", Secret, "--json");
        Assert.True(allExit == 0, allError);
        Assert.Equal(events - 1, JsonDocument.Parse(all).RootElement.GetProperty("delivered").GetInt32());
        var (_, after, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database, "--state", "dead", "--json");
        Assert.Equal(0, JsonDocument.Parse(after).RootElement.GetArrayLength());
        Assert.Contains(_receiver.Received, r => r.Id == dead[0].GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task List_names_an_endpoint_that_answered_410_and_replay_enables_it_again()
    {
        using var cli = new CliRunner();
        _status = 410;
        await cli.RunAsync("demo", "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", Secret);

        var (_, text, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database, "--state", "dead", "--limit", "1000");
        Assert.Contains("endpoint demo is disabled: the endpoint answered 410 Gone (a replay enables it again)", text, StringComparison.Ordinal);
        Assert.Contains("endpoint 'demo' is disabled: the endpoint answered 410 Gone", text, StringComparison.Ordinal);
        // Only the first batch (sent together, at most 16) reached the receiver; everything after the 410 stayed home.
        Assert.InRange(_receiver.Received.Count, 1, 16);

        _status = 200;
        var (exit, _, error) = await cli.RunAsync("webhooks", "replay", "--all-dead", "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", Secret);
        Assert.True(exit == 0, error);
        var (_, after, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database, "--limit", "1");
        Assert.DoesNotContain("is disabled", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replaying_one_delivery_to_a_url_sends_only_it_and_leaves_a_hosts_pending_deliveries_alone()
    {
        using var cli = new CliRunner();
        _status = 500;
        var (demoExit, _, _) = await cli.RunAsync("demo", "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", Secret);
        Assert.Equal(0, demoExit);

        // A host app on the same database, with its own endpoint, records a session: its delivery waits for the host's dispatcher.
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(CliServices.ToConnectionString(cli.Database))
            .AddWebhookEndpoint("ci", "https://ci.example.com/hooks", Secret, "session.*");
        await using (var host = services.BuildServiceProvider())
        {
            await using var session = host.GetRequiredService<IAgentSessionFactory>().StartSession("host-bot", "host task");
            await session.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded());
        }

        using var outbox = new Dreaming.Sqlite.SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database));
        var hosts = (await outbox.ListAsync(limit: 10_000)).Where(d => d.EndpointId == "ci").ToList();
        Assert.NotEmpty(hosts);
        var dead = await outbox.ListAsync(WebhookDeliveryState.Dead, 10_000);
        var one = dead[^1];
        _status = 204;
        _receiver.Received.Clear();

        var (exit, text, error) = await cli.RunAsync("webhooks", "replay", one.Id, "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", Secret);

        Assert.True(exit == 0, error);
        Assert.Contains("1 events to", text, StringComparison.Ordinal);
        Assert.Equal([one.EventId], _receiver.Received.Select(r => r.Id));   // the other dead letters stay dead, unsent
        var after = (await outbox.ListAsync(limit: 10_000)).Where(d => d.EndpointId == "ci").ToList();
        Assert.All(after, d => Assert.Equal((WebhookDeliveryState.Pending, 0), (d.State, d.Attempts)));
        Assert.Equal(dead.Count - 1, (await outbox.ListAsync(WebhookDeliveryState.Dead, 10_000)).Count);
    }

    [Fact]
    public async Task Replay_without_a_target_only_queues_the_delivery()
    {
        using var cli = new CliRunner();
        _status = 500;
        await cli.RunAsync("demo", "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", Secret);

        var (exit, output, _) = await cli.RunAsync("webhooks", "replay", "--all-dead", "--db", cli.Database);

        Assert.Equal(0, exit);
        Assert.Contains("deliveries; they are due now", output, StringComparison.Ordinal);
        var (_, pending, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database, "--state", "pending", "--json", "--limit", "1000");
        Assert.All(JsonDocument.Parse(pending).RootElement.EnumerateArray(), d => Assert.Equal(0, d.GetProperty("attempts").GetInt32()));
    }

    [Theory]
    [InlineData("whsec_tooshort", "decodes to")]
    [InlineData("abc", "must start with 'whsec_'")]
    public async Task A_bad_secret_fails_before_the_demo_runs(string secret, string expected)
    {
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("demo", "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", secret);

        Assert.Equal(1, exit);
        // Named as the option the user gave, not as the library's WebhookOptions.Endpoints[0].Secrets[0].
        Assert.Contains("error: --webhook-secret " + expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("WebhookOptions", error, StringComparison.Ordinal);
        Assert.Empty(_receiver.Received);
    }

    [Theory]
    [InlineData("--webhook", "ftp://example.com/x", "--webhook-secret", "SECRET", "--webhook 'ftp://example.com/x' must be an absolute http:// or https:// URL")]
    [InlineData("--webhook", "http://127.0.0.1:1/x", null, null, "--webhook-secret is required with --webhook")]
    public async Task Bad_webhook_options_are_named(string option, string value, string? secretOption, string? secretValue, string expected)
    {
        using var cli = new CliRunner();
        string[] args = secretOption is null ? ["demo", "--db", cli.Database, option, value] : ["demo", "--db", cli.Database, option, value, secretOption, Secret];
        _ = secretValue;

        var (exit, _, error) = await cli.RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_needs_an_id_or_all_dead_and_names_an_unknown_id()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);

        var (noneExit, _, noneError) = await cli.RunAsync("webhooks", "replay", "--db", cli.Database);
        var (unknownExit, _, unknownError) = await cli.RunAsync("webhooks", "replay", "whd_nobody", "--db", cli.Database);
        var (emptyExit, empty, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database);

        Assert.Equal(1, noneExit);
        Assert.Contains("Name one delivery id, or pass --all-dead", noneError, StringComparison.Ordinal);
        Assert.Equal(1, unknownExit);
        Assert.Contains("No webhook delivery has id 'whd_nobody'", unknownError, StringComparison.Ordinal);
        Assert.Equal(0, emptyExit);
        Assert.Contains("no webhook deliveries match", empty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-url", null)]
    [InlineData(null, "not-a-secret")]
    public async Task Replay_with_a_bad_url_or_secret_fails_before_it_puts_anything_back_in_line(string? url, string? secret)
    {
        using var cli = new CliRunner();
        File.WriteAllText(cli.Database, string.Empty);
        string deadId;
        using (var outbox = new Dreaming.Sqlite.SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database)))
        {
            var delivery = (await outbox.EnqueueAsync(WebhookEvent.Create("session.completed", DateTimeOffset.UtcNow, []), ["demo"]))[0];
            deadId = (await outbox.KillAsync(delivery.Id, "gave up")).Id;
        }

        var (exit, output, error) = await cli.RunAsync("webhooks", "replay", "--all-dead", "--db", cli.Database, "--webhook", url ?? _receiver.Url, "--webhook-secret", secret ?? Secret);
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains(url ?? "base64", error, StringComparison.Ordinal);
        var (oneExit, _, oneError) = await cli.RunAsync("webhooks", "replay", deadId, "--db", cli.Database, "--webhook", url ?? _receiver.Url, "--webhook-secret", secret ?? Secret);
        Assert.Equal(1, oneExit);
        Assert.Contains(url ?? "base64", oneError, StringComparison.Ordinal);

        var (_, list, _) = await cli.RunAsync("webhooks", "list", "--db", cli.Database, "--json");
        var row = Assert.Single(JsonDocument.Parse(list).RootElement.EnumerateArray());
        Assert.Equal("dead", row.GetProperty("state").GetString());
        Assert.Empty(_receiver.Received);
    }

    [Fact]
    public async Task Replay_with_a_bad_secret_fails_even_when_there_is_nothing_to_replay()
    {
        using var cli = new CliRunner();
        File.WriteAllText(cli.Database, string.Empty);
        var (exit, output, error) = await cli.RunAsync("webhooks", "replay", "--all-dead", "--db", cli.Database, "--webhook", _receiver.Url, "--webhook-secret", "not-a-secret");
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains("base64", error, StringComparison.Ordinal);
    }
}
