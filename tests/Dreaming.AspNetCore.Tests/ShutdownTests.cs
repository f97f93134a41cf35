using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dreaming.AspNetCore.Tests;

/// <summary>The app stopped (SIGTERM: <c>StopAsync</c>, then disposal) while requests are in flight and events queued.</summary>
public sealed class ShutdownTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dreaming-aspnet-").FullName;

    private string Database => $"Data Source={Path.Combine(_folder, "dreaming.db")}";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_stop_with_requests_in_flight_keeps_every_completed_session_and_abandons_the_cancelled_ones()
    {
        await using var receiver = await WebApp.StartAsync(_ => { }, app => app.MapPost("/hooks", () => Results.Ok()));
        // The long requests stream for 30 s (1,200 chunks of 25 ms) and the writer may drain for 30 s, so a stop or a disposal
        // under 10 s waited for neither, with room for a loaded machine (a 4 s limit failed once at 4.2 s at load 80).
        var model = new ScriptedModel { Chunks = 1200, ChunkDelay = TimeSpan.FromMilliseconds(25) };
        var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
                b.Services.AddDreamingAgents(o => { o.AgentId = "web"; o.WriteDrainTimeout = TimeSpan.FromSeconds(30); })
                    .UseSqliteStore(Database)
                    .AddWebhooks(w =>
                    {
                        w.AllowPrivateNetworks = true;
                        w.AddEndpoint(new Uri(receiver.Client.BaseAddress!, "/hooks").ToString(), "whsec_" + Convert.ToBase64String(new byte[32]), "session.*");
                    })
                    .AddDreamSchedule("web", "0 3 * * *", TimeZoneInfo.Utc);
                b.Services.AddChatClient(model).UseDreaming();
            },
            app =>
            {
                app.MapPost("/chat/{user}", async (string user, IAgentSessionFactory sessions, IChatClient chat, CancellationToken ct) =>
                {
                    await using var session = sessions.StartSession("web", "help " + user);
                    var answer = await chat.GetResponseAsync("short " + user, cancellationToken: ct);
                    await session.CompleteAsync(SessionStatus.Completed, cancellationToken: ct);
                    return session.Id;
                });
                app.MapPost("/long/{user}", async (string user, HttpContext http, IAgentSessionFactory sessions, IChatClient chat) =>
                {
                    await using var session = sessions.StartSession("web", "long " + user);
                    await http.Response.WriteAsync($"{session.Id}\n", http.RequestAborted);
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                    await foreach (var update in chat.GetStreamingResponseAsync("long " + user, cancellationToken: http.RequestAborted))
                    {
                        await http.Response.WriteAsync(update.Text, http.RequestAborted);
                    }

                    await session.CompleteAsync(SessionStatus.Completed, cancellationToken: http.RequestAborted);
                });
            });

        var done = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => web.Client.PostAsync($"/chat/u{i}", null).ContinueWith(t => t.Result.Content.ReadAsStringAsync()).Unwrap()));
        var longIds = await Task.WhenAll(Enumerable.Range(0, 5).Select(async i =>
        {
            var response = await web.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/long/u{i}"), HttpCompletionOption.ResponseHeadersRead);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            return (await reader.ReadLineAsync())!;
        }));
        while (model.Started < 25)
        {
            await Task.Delay(10);
        }

        var stop = Stopwatch.StartNew();
        await web.App.StopAsync();
        var stopped = stop.Elapsed;
        await web.DisposeAsync();
        var disposed = stop.Elapsed;
        output.WriteLine($"StopAsync {stopped.TotalMilliseconds:F0} ms (ShutdownTimeout 2 s), disposal {(disposed - stopped).TotalMilliseconds:F0} ms");

        await using var reopened = new ServiceCollection().AddDreamingAgents().UseSqliteStore(Database).Services.BuildServiceProvider();
        var store = reopened.GetRequiredService<ITraceStore>();
        foreach (var id in done)
        {
            Assert.Equal(SessionStatus.Completed, (await store.GetSessionAsync(id))!.Status);
            Assert.Equal(2, (await store.GetEventsAsync(id)).OfType<MessageEvent>().Count());
        }

        foreach (var id in longIds)
        {
            var record = await store.GetSessionAsync(id);
            Assert.Equal(SessionStatus.Abandoned, record!.Status);
            Assert.Contains((await store.GetEventsAsync(id)).OfType<ErrorEvent>(), e => e.IsCancellation);
        }

        Assert.True(stopped < TimeSpan.FromSeconds(10), $"StopAsync took {stopped}");
        Assert.True(disposed - stopped < TimeSpan.FromSeconds(10), $"disposal took {disposed - stopped}");
        // The server's wait took all of ShutdownTimeout, so the host does not wait for the webhook dispatcher's loop, whose
        // round or attempt may meet the disposed outbox and signal: that is the stop, logged at debug level (event id 98).
        Assert.Empty(web.Log.Problems());
    }

    [Fact]
    public async Task A_request_that_outlives_the_shutdown_timeout_leaves_its_session_running_and_the_writer_warns()
    {
        var model = new ScriptedModel { ChunkDelay = TimeSpan.FromSeconds(3), IgnoresCancellation = true };
        var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(500));
                b.Services.AddDreamingAgents(o => o.AgentId = "web").UseSqliteStore(Database);
                b.Services.AddChatClient(model).UseDreaming();
            },
            app => app.MapPost("/stuck", async (IAgentSessionFactory sessions, IChatClient chat, CancellationToken ct) =>
            {
                await using var session = sessions.StartSession("web", "stuck");
                await session.RecordAsync(new NoteEvent { Text = "before the model" }, ct);
                await chat.GetResponseAsync("anything", cancellationToken: ct);
                await session.CompleteAsync(SessionStatus.Completed, cancellationToken: ct);
            }));

        var request = web.Client.PostAsync("/stuck", null);
        while (model.Started < 1)
        {
            await Task.Delay(10);
        }

        await web.App.StopAsync();
        await web.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => request);

        await using var reopened = new ServiceCollection().AddDreamingAgents().UseSqliteStore(Database).Services.BuildServiceProvider();
        var store = reopened.GetRequiredService<ITraceStore>();
        var record = Assert.Single((await store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Running, record.Status);
        Assert.Contains((await store.GetEventsAsync(record.Id)).OfType<NoteEvent>(), n => n.Text == "before the model");
        Assert.Contains(web.Log.Entries, e => e.Level == LogLevel.Warning && e.Id.Id == 7 && e.Message.Contains(record.Id, StringComparison.Ordinal));

        // What the docs tell the app to do at its next start.
        Assert.Equal([record.Id], await store.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow));
    }
}
