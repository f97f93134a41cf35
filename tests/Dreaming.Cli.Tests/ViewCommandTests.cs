using System.Net;
using System.Net.Sockets;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming view</c>: the agent view of a database on the loopback address until cancelled.</summary>
public sealed class ViewCommandTests
{
    [Fact]
    public async Task The_view_serves_the_databases_sessions_on_loopback_until_cancelled()
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

        await cancel.CancelAsync();
        Assert.Equal(0, await run);
        lock (synced)
        {
            Assert.EndsWith("agent view stopped" + Environment.NewLine, output.ToString(), StringComparison.Ordinal);
        }

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(new Uri("/", UriKind.Relative)));
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
