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
        var output = new StringWriter();
        var synced = TextWriter.Synchronized(output);
        var run = DreamingCommandLine.InvokeAsync(["view", "--port", "0"], synced, TextWriter.Null, environment: name => cli.Environment.GetValueOrDefault(name), cancellationToken: cancel.Token);

        string? line = null;
        for (var i = 0; i < 600 && line is null; i++)
        {
            lock (synced)
            {
                line = output.ToString().Split('\n').FirstOrDefault(l => l.Contains("http://", StringComparison.Ordinal));
            }

            Assert.False(run.IsCompleted && line is null, "the view stopped before printing its address");
            await Task.Delay(50);
        }

        Assert.NotNull(line);
        Assert.StartsWith($"agent view of {cli.Location}: http://127.0.0.1:", line, StringComparison.Ordinal);
        var address = line[line.IndexOf("http://", StringComparison.Ordinal)..line.IndexOf("/ (", StringComparison.Ordinal)];
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var page = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("href=\"/sessions/pg%2F1\"", page, StringComparison.Ordinal);
        Assert.Contains("&lt;i&gt;hi&lt;/i&gt;", page, StringComparison.Ordinal);

        await cancel.CancelAsync();
        Assert.Equal(0, await run);
    }
}
