using System.Net;
using System.Net.Sockets;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming view</c>: the agent view of a database on the loopback address until cancelled.</summary>
public sealed class ViewCommandTests
{
    [Fact]
    public async Task The_view_serves_the_databases_sessions_on_loopback_to_loopback_host_names_only_until_cancelled()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new StringWriter();
        var synced = TextWriter.Synchronized(output);
        var run = DreamingCommandLine.InvokeAsync(["view", "--db", cli.Database, "--port", "0"], synced, TextWriter.Null, environment: CliRunner.NoEnvironment, cancellationToken: cancel.Token);

        var address = await AddressAsync(synced, output, run);
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var page = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("href=\"/sessions/view-1\"", page, StringComparison.Ordinal);
        Assert.Contains("Check the <b>order</b>".Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal), page, StringComparison.Ordinal);

        foreach (var (host, expected) in new[] { ("localhost", HttpStatusCode.OK), ("attacker.example", HttpStatusCode.BadRequest), ("127.0.0.1.attacker.example", HttpStatusCode.BadRequest) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Host = host + ":" + new Uri(address).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var response = await client.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"Host {host}: {(int)response.StatusCode}");
        }

        await cancel.CancelAsync();
        Assert.Equal(0, await run);
        lock (synced)
        {
            Assert.EndsWith("agent view stopped" + Environment.NewLine, output.ToString(), StringComparison.Ordinal);
        }

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(new Uri("/", UriKind.Relative)));
    }

    [Fact]
    public async Task An_approval_in_the_view_is_recorded_as_by_and_writes_its_webhook_event_for_the_apps_dispatcher()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);
        string versionId;
        using (var memory = new SqliteMemoryStore(CliServices.ToConnectionString(cli.Database)))
        {
            var insight = new Insight { Id = "ins-1", Scope = MemoryScope.Agent("support"), Text = "Check the order first.", Kind = InsightKind.Pitfall, Status = InsightStatus.Active, Source = InsightSource.Mined, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };
            versionId = (await memory.ProposeAsync(new MemoryProposal { Scope = MemoryScope.Agent("support"), Author = MemoryAuthor.DreamRun("dr-1"), Insights = [insight] })).Id;
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new StringWriter();
        var synced = TextWriter.Synchronized(output);
        var run = DreamingCommandLine.InvokeAsync(["view", "--db", cli.Database, "--port", "0", "--by", "erin"], synced, TextWriter.Null, environment: CliRunner.NoEnvironment, cancellationToken: cancel.Token);
        var address = await AddressAsync(synced, output, run);
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };

        var page = await client.GetStringAsync(new Uri("/memory/versions/" + versionId, UriKind.Relative));
        var form = System.Text.RegularExpressions.Regex.Match(page, "<form[^>]*class=\"[^\"]*review-approve[^\"]*\"[^>]*>.*?</form>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        var action = System.Text.RegularExpressions.Regex.Match(form, "action=\"([^\"]+)\"").Groups[1].Value;
        var token = System.Text.RegularExpressions.Regex.Match(form, "<input[^>]*type=\"hidden\"[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]+)\"");
        Assert.True(token.Success, form);
        using var approved = await client.PostAsync(new Uri(WebUtility.HtmlDecode(action), UriKind.Relative), new FormUrlEncodedContent([new(token.Groups[1].Value, WebUtility.HtmlDecode(token.Groups[2].Value))]));

        Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        await cancel.CancelAsync();
        Assert.Equal(0, await run);
        lock (synced)
        {
            // The console log: what is served, then each action with the user's name.
            var lines = output.ToString().Split(Environment.NewLine);
            Assert.Equal(
                [
                    $"info: Serving the agent view of {Path.GetFullPath(cli.Database)} (SQLite) at {address}/ (reviews and webhook actions recorded as 'erin').",
                    $"info: erin approved memory version {versionId} (#1 of agent:support) from the agent view.",
                ],
                lines.Where(l => l.StartsWith("info: ", StringComparison.Ordinal)).ToArray());
        }

        using (var memory = new SqliteMemoryStore(CliServices.ToConnectionString(cli.Database)))
        {
            Assert.Equal(MemoryAuthor.Person("erin"), (await memory.GetVersionAsync(versionId))!.ReviewedBy);
        }

        var (exit, unrouted, _) = await cli.RunAsync("webhooks", "list", "--unrouted", "--db", cli.Database);
        Assert.Equal(0, exit);
        Assert.Contains("memory.version_activated", unrouted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_webhooks_page_shows_the_databases_deliveries_and_replays_a_dead_letter()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);
        string deadId;
        using (var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database)))
        {
            var webhookEvent = WebhookEvent.Create(WebhookEventTypes.SessionFailed, DateTimeOffset.UnixEpoch, new System.Text.Json.Nodes.JsonObject { ["session_id"] = "view-1" });
            deadId = (await outbox.EnqueueAsync(webhookEvent, ["receiver"]))[0].Id;
            await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = deadId, AttemptedAt = DateTimeOffset.UtcNow, StatusCode = 500, Error = "HTTP 500 <oops>" });
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new StringWriter();
        var synced = TextWriter.Synchronized(output);
        var run = DreamingCommandLine.InvokeAsync(["view", "--db", cli.Database, "--port", "0", "--by", "erin"], synced, TextWriter.Null, environment: CliRunner.NoEnvironment, cancellationToken: cancel.Token);
        var address = await AddressAsync(synced, output, run);
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };

        var page = await client.GetStringAsync(new Uri("/webhooks", UriKind.Relative));
        Assert.Contains("href=\"/webhooks/deliveries/" + deadId + "\"", page, StringComparison.Ordinal);
        Assert.Contains("HTTP 500 &lt;oops&gt;", page, StringComparison.Ordinal);
        Assert.Contains("No webhook dispatcher runs in this app", page, StringComparison.Ordinal);
        Assert.Contains("not configured in this app", page, StringComparison.Ordinal);
        var form = System.Text.RegularExpressions.Regex.Match(page, "<form[^>]*class=\"[^\"]*webhook-replay\"[^>]*>.*?</form>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        var action = System.Text.RegularExpressions.Regex.Match(form, "action=\"([^\"]+)\"").Groups[1].Value;
        var token = System.Text.RegularExpressions.Regex.Match(form, "<input[^>]*type=\"hidden\"[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]+)\"");
        Assert.True(token.Success, form);
        using var replayed = await client.PostAsync(new Uri(WebUtility.HtmlDecode(action), UriKind.Relative), new FormUrlEncodedContent([new(token.Groups[1].Value, WebUtility.HtmlDecode(token.Groups[2].Value))]));

        Assert.Equal(HttpStatusCode.SeeOther, replayed.StatusCode);
        Assert.Equal("/webhooks/deliveries/" + deadId, replayed.Headers.Location?.OriginalString);
        await cancel.CancelAsync();
        Assert.Equal(0, await run);
        using (var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database)))
        {
            Assert.Equal(WebhookDeliveryState.Pending, (await outbox.GetAsync(deadId))!.State);
        }
    }

    [Fact]
    public async Task A_port_in_use_is_an_error_naming_the_port_and_the_way_out()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var (exit, _, error) = await cli.RunAsync("view", "--db", cli.Database, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, exit);
        Assert.StartsWith($"error: The agent view cannot listen on 127.0.0.1:{port}:", error, StringComparison.Ordinal);
        Assert.Contains("--port", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_database_is_refused_and_not_created()
    {
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("view", "--db", cli.Database, "--port", "0");

        Assert.Equal(1, exit);
        Assert.StartsWith("error: No database at", error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Database));
    }

    private static async Task SeedAsync(string database)
    {
        using var store = new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = CliServices.ToConnectionString(database) });
        var start = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        await store.ImportAsync([new SessionWithEvents(new SessionRecord { Id = "view-1", AgentId = "support", Task = "Check the <b>order</b>", Status = SessionStatus.Failed, StartedAt = start, EndedAt = start.AddSeconds(3) }, [])]);
    }

    private static async Task<string> AddressAsync(TextWriter synced, StringWriter output, Task<int> run)
    {
        for (var i = 0; i < 600; i++)
        {
            string text;
            lock (synced)
            {
                text = output.ToString();
            }

            var at = text.IndexOf("http://", StringComparison.Ordinal);
            if (at >= 0 && text.IndexOf("/ (", at, StringComparison.Ordinal) is var end and > 0)
            {
                return text[at..end];
            }

            Assert.False(run.IsCompleted, "the view stopped before printing its address: " + text);
            await Task.Delay(50);
        }

        throw new TimeoutException("the view printed no address in 30 s");
    }
}
