using Dreaming.Cli;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary><c>dreaming view</c> on a PostgreSQL schema: the agent view of what the app recorded there.</summary>
public sealed class PostgresViewCommandTests
{
    [Fact]
    public async Task The_view_serves_the_schemas_sessions_and_names_the_database_as_host_port_database_schema()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("log.jsonl", """{"id":"pg/1","messages":[{"role":"user","content":"<i>hi</i>"},{"role":"assistant","content":"hello"}],"reward":1}"""), "--agent", "legacy");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (run, line, client) = await StartViewAsync(cli, cancel.Token);
        using (client)
        {
            Assert.StartsWith($"agent view of {cli.Location}: http://127.0.0.1:", line, StringComparison.Ordinal);
            var page = await client.GetStringAsync(new Uri("/", UriKind.Relative));
            Assert.Contains("href=\"/sessions/pg%2F1\"", page, StringComparison.Ordinal);
            Assert.Contains("&lt;i&gt;hi&lt;/i&gt;", page, StringComparison.Ordinal);
        }

        await cancel.CancelAsync();
        Assert.Equal(0, await run);
    }

    [Fact]
    public async Task The_view_shows_the_deliveries_and_endpoints_of_the_schemas_webhook_outbox()
    {
        // What the dispatchers of the app's instances left in the outbox: a dead delivery, a delivered one, a disabled
        // endpoint. The view (which sends no webhooks itself) reads them from the PostgreSQL outbox of the schema.
        await using var cli = new PostgresCliRunner();
        var at = new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
        string deadId, deliveredId;
        await using (var outbox = new PostgresWebhookOutboxStore(cli.Options))
        {
            var dead = (await outbox.EnqueueAsync(WebhookEvent.Create(WebhookEventTypes.SessionFailed, at, new System.Text.Json.Nodes.JsonObject { ["session_id"] = "s-1" }), ["receiver-1"]))[0];
            var delivered = (await outbox.EnqueueAsync(WebhookEvent.Create(WebhookEventTypes.SessionCompleted, at, new System.Text.Json.Nodes.JsonObject { ["session_id"] = "s-2" }), ["receiver-1"]))[0];
            await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = dead.Id, AttemptedAt = at.AddMinutes(1), StatusCode = 500, Error = "HTTP 500 <html>" });
            await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivered.Id, AttemptedAt = at.AddMinutes(1), Delivered = true, StatusCode = 200 });
            await outbox.SetEndpointDisabledAsync("receiver-1", "failed 5 deliveries in a row", at.AddMinutes(2));
            (deadId, deliveredId) = (dead.Id, delivered.Id);
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (run, _, client) = await StartViewAsync(cli, cancel.Token);
        using (client)
        {
            using var response = await client.GetAsync(new Uri("/webhooks", UriKind.Relative));
            var page = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {page}");
            Assert.Contains(deadId, page, StringComparison.Ordinal);
            Assert.Contains(deliveredId, page, StringComparison.Ordinal);
            Assert.Contains("HTTP 500 &lt;html&gt;", page, StringComparison.Ordinal);
            Assert.Contains("failed 5 deliveries in a row", page, StringComparison.Ordinal);

            using var detail = await client.GetAsync(new Uri("/webhooks/deliveries/" + deadId, UriKind.Relative));
            Assert.True(detail.IsSuccessStatusCode, $"{(int)detail.StatusCode}");
            var body = await detail.Content.ReadAsStringAsync();
            Assert.Contains(WebhookEventTypes.SessionFailed, body, StringComparison.Ordinal);
            Assert.Contains("s-1", body, StringComparison.Ordinal);

            // The page's actions change the PostgreSQL outbox: the dead delivery replayed, the endpoint enabled.
            using (var replayed = await PostFormAsync(client, body, "webhook-replay"))
            {
                Assert.Equal(System.Net.HttpStatusCode.SeeOther, replayed.StatusCode);
            }

            using (var enabled = await PostFormAsync(client, page, "webhook-enable"))
            {
                Assert.Equal(System.Net.HttpStatusCode.SeeOther, enabled.StatusCode);
            }
        }

        await using (var outbox = new PostgresWebhookOutboxStore(cli.Options))
        {
            var replayed = (await outbox.GetAsync(deadId))!;
            Assert.Equal((WebhookDeliveryState.Pending, 0, "HTTP 500 <html>"), (replayed.State, replayed.Attempts, replayed.LastError));
            Assert.False((await outbox.GetEndpointAsync("receiver-1")).IsDisabled);
        }

        await cancel.CancelAsync();
        Assert.Equal(0, await run);
    }

    // An app that records sessions and has not dreamed yet has no memory, dream run or outbox tables; the view, started
    // then, read them as empty for as long as it ran. It looks for them again (at most every
    // SchemaComponents.RecheckInterval) while they are missing, and shows what the app's first dream wrote there.
    [Fact]
    public async Task The_view_shows_the_memory_dream_runs_and_webhooks_an_app_writes_after_it_started_without_a_restart()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("log.jsonl", """{"id":"a","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}],"reward":1}"""), "--agent", "legacy");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (run, _, client) = await StartViewAsync(cli, cancel.Token);
        using (client)
        {
            Assert.Contains("agent:legacy has no memory versions.", await client.GetStringAsync(new Uri("/memory/agent:legacy", UriKind.Relative)), StringComparison.Ordinal);
            Assert.Contains("agent:legacy has no dream runs.", await client.GetStringAsync(new Uri("/runs?scope=agent:legacy", UriKind.Relative)), StringComparison.Ordinal);

            // The app's first dream, and its dispatcher's first delivery, made the tables.
            string versionId, runId, deliveryId;
            await using (var memory = new PostgresMemoryStore(cli.Options))
            {
                var at = DateTimeOffset.UtcNow;
                var insight = new Insight { Id = "ins-greet", Text = "Always greet back.", Scope = MemoryScope.Agent("legacy"), Source = InsightSource.Mined, CreatedAt = at, UpdatedAt = at };
                versionId = (await memory.ProposeAsync(new MemoryProposal { Scope = MemoryScope.Agent("legacy"), Author = MemoryAuthor.DreamRun("dr-1"), Insights = [insight] })).Id;
            }

            await using (var runs = new PostgresDreamRunStore(cli.Options))
            {
                runId = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("legacy") })).Id;
            }

            await using (var outbox = new PostgresWebhookOutboxStore(cli.Options))
            {
                deliveryId = (await outbox.EnqueueAsync(WebhookEvent.Create(WebhookEventTypes.SessionFailed, DateTimeOffset.UtcNow, new System.Text.Json.Nodes.JsonObject { ["session_id"] = "a" }), ["receiver-1"]))[0].Id;
            }

            string memoryPage = string.Empty, runsPage = string.Empty, webhooksPage = string.Empty;
            for (var i = 0; i < 100 && !(memoryPage.Contains(versionId, StringComparison.Ordinal) && runsPage.Contains(runId, StringComparison.Ordinal) && webhooksPage.Contains(deliveryId, StringComparison.Ordinal)); i++)
            {
                await Task.Delay(100, cancel.Token);
                memoryPage = await client.GetStringAsync(new Uri("/memory/agent:legacy", UriKind.Relative));
                runsPage = await client.GetStringAsync(new Uri("/runs?scope=agent:legacy", UriKind.Relative));
                webhooksPage = await client.GetStringAsync(new Uri("/webhooks", UriKind.Relative));
            }

            Assert.Contains(versionId, memoryPage, StringComparison.Ordinal);
            Assert.Contains(runId, runsPage, StringComparison.Ordinal);
            Assert.Contains(deliveryId, webhooksPage, StringComparison.Ordinal);
        }

        await cancel.CancelAsync();
        Assert.Equal(0, await run);
    }

    // A schema whose memory tables came before the app's first session (a dream of its own, here a proposal): the view read
    // its sessions as empty for as long as it ran. Its trace store looks for the tables again as the others do.
    [Fact]
    public async Task The_view_shows_the_sessions_an_app_records_after_it_started_on_a_schema_without_the_trace_tables()
    {
        await using var cli = new PostgresCliRunner();
        await using (var memory = new PostgresMemoryStore(cli.Options))
        {
            await memory.InitializeAsync();
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (run, _, client) = await StartViewAsync(cli, cancel.Token);
        using (client)
        {
            Assert.DoesNotContain("late-1", await client.GetStringAsync(new Uri("/sessions", UriKind.Relative)), StringComparison.Ordinal);
            await using (var traces = new PostgresTraceStore(cli.Options))
            {
                await traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "late-1", AgentId = "support-bot", Task = "first task", StartedAt = DateTimeOffset.UtcNow }], []));
            }

            string page = string.Empty;
            for (var i = 0; i < 100 && !page.Contains("late-1", StringComparison.Ordinal); i++)
            {
                await Task.Delay(100, cancel.Token);
                page = await client.GetStringAsync(new Uri("/sessions", UriKind.Relative));
            }

            Assert.Contains("href=\"/sessions/late-1\"", page, StringComparison.Ordinal);
            Assert.Contains("first task", await client.GetStringAsync(new Uri("/sessions/late-1", UriKind.Relative)), StringComparison.Ordinal);
        }

        await cancel.CancelAsync();
        Assert.Equal(0, await run);
    }

    // Posts the form of class `cssClass` on `page` (its action and antiforgery field), as a browser would; the client keeps
    // the antiforgery cookie of the GET.
    private static Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, string cssClass)
    {
        var form = System.Text.RegularExpressions.Regex.Match(
            page,
            "<form class=\"[^\"]*\\b" + cssClass + "\" method=\"post\" action=\"([^\"]+)\"><input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">");
        Assert.True(form.Success, $"no {cssClass} form on the page");
        var action = System.Net.WebUtility.HtmlDecode(form.Groups[1].Value);
        using var content = new FormUrlEncodedContent([new(form.Groups[2].Value, System.Net.WebUtility.HtmlDecode(form.Groups[3].Value))]);
        return client.PostAsync(new Uri(action, UriKind.RelativeOrAbsolute), content);
    }

    // Starts `dreaming view --port 0` on the runner's schema; returns the run, the line naming its address, and a client
    // of that address.
    private static async Task<(Task<int> Run, string Line, HttpClient Client)> StartViewAsync(PostgresCliRunner cli, CancellationToken cancellationToken)
    {
        var output = new StringWriter();
        var synced = TextWriter.Synchronized(output);
        var run = DreamingCommandLine.InvokeAsync(["view", "--port", "0"], synced, TextWriter.Null, environment: name => cli.Environment.GetValueOrDefault(name), cancellationToken: cancellationToken);

        string? line = null;
        for (var i = 0; i < 600 && line is null; i++)
        {
            lock (synced)
            {
                line = output.ToString().Split('\n').FirstOrDefault(l => l.Contains("http://", StringComparison.Ordinal));
            }

            Assert.False(run.IsCompleted && line is null, "the view stopped before printing its address");
            await Task.Delay(50, cancellationToken);
        }

        Assert.NotNull(line);
        var address = line[line.IndexOf("http://", StringComparison.Ordinal)..line.IndexOf("/ (", StringComparison.Ordinal)];
        return (run, line, new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address) });
    }
}
