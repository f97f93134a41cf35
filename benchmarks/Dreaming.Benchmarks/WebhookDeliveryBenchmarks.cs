using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Dreaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.Benchmarks;

/// <summary>Deliveries per second from the outbox to a Kestrel receiver on 127.0.0.1, against the same number of bare
/// <see cref="HttpClient"/> POSTs of the same body with the same concurrency (the baseline).</summary>
/// <remarks>Deliveries per second = 1 / time per operation (each invocation delivers <see cref="Events"/>). The outbox variants
/// include writing each event to the outbox, claiming it, signing it and recording the attempt; the hosts and files are
/// created once, in the global setup.</remarks>
[MemoryDiagnoser]
[MedianColumn]
public class WebhookDeliveryBenchmarks
{
    private const int Events = 200;
    private const int Concurrency = 16;

    private WebApplication _receiver = null!;
    private HttpClient _client = null!;
    private string _url = null!;
    private string _body = null!;
    private string _folder = null!;
    private ServiceProvider _inMemory = null!;
    private ServiceProvider _sqlite = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.Run(static async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = 204;
        });
        await _receiver.StartAsync();
        _url = _receiver.Urls.First() + "/hook";
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
        _body = WebhookEvent.Create(WebhookEventTypes.SessionCompleted, DateTimeOffset.UtcNow, new() { ["session_id"] = "ses_1", ["agent_id"] = "support-bot" }).ToBody();
        _folder = Directory.CreateTempSubdirectory("dreaming-bench-webhooks-").FullName;
        _inMemory = Build(sqlite: false);
        _sqlite = Build(sqlite: true);
        await _sqlite.GetRequiredService<IWebhookOutboxStore>().InitializeAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client.Dispose();
        await _inMemory.DisposeAsync();
        await _sqlite.DisposeAsync();
        await _receiver.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "bare HttpClient POSTs, 16 at a time")]
    public async Task BarePosts() => await Parallel.ForEachAsync(Enumerable.Range(0, Events), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (_, ct) =>
    {
        using var response = await _client.PostAsync(_url, new StringContent(_body, Encoding.UTF8, "application/json"), ct);
        response.EnsureSuccessStatusCode();
    });

    [Benchmark(OperationsPerInvoke = Events, Description = "outbox → dispatcher, in-memory outbox")]
    public Task InMemoryOutbox() => DeliverAsync(_inMemory);

    [Benchmark(OperationsPerInvoke = Events, Description = "outbox → dispatcher, SQLite outbox")]
    public Task SqliteOutbox() => DeliverAsync(_sqlite);

    private static async Task DeliverAsync(ServiceProvider provider)
    {
        var publisher = provider.GetRequiredService<IWebhookPublisher>();
        for (var i = 0; i < Events; i++)
        {
            await publisher.PublishAsync(WebhookEventTypes.SessionCompleted, new() { ["session_id"] = "ses_1", ["agent_id"] = "support-bot" });
        }

        var dispatcher = provider.GetRequiredService<WebhookDispatcher>();
        var sent = 0;
        while (sent < Events)
        {
            sent += await dispatcher.DispatchDueAsync();
        }
    }

    private ServiceProvider Build(bool sqlite)
    {
        var services = new ServiceCollection();
        var dreaming = services.AddDreamingAgents();
        if (sqlite)
        {
            dreaming.UseSqliteStore(Path.Combine(_folder, "outbox.db"));
        }

        dreaming.AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            options.BatchSize = Concurrency;
            var endpoint = new WebhookEndpoint { Id = "bench", Url = _url };
            endpoint.Secrets.Add("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
            options.Endpoints.Add(endpoint);
        });
        return services.BuildServiceProvider();
    }
}
