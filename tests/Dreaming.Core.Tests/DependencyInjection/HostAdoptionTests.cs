using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>Small hosts built the way an adopting application builds them.</summary>
public class HostAdoptionTests
{
    [Fact]
    public async Task A_store_timeout_in_a_scheduled_check_is_logged_and_does_not_stop_the_host()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var runs = new TimingOutRunStore(new InMemoryDreamRunStore(time));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddFakeLogging();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddDreamingAgents().AddDreamSchedule("bot", cron: null, afterNewSessions: 10);
        builder.Services.AddSingleton<IDreamRunStore>(runs);
        using var host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        await host.StartAsync();
        var collector = host.Services.GetFakeLogCollector();

        // The first check (at start) times out in the store; the second, a poll later, gets through. The clock is moved on
        // until the scheduler has waited for its next poll, however late a loaded machine lets it get there (up to 30 s).
        await WaitUntilAsync(() => Volatile.Read(ref runs.Calls) >= 1);
        for (var i = 0; i < 3000 && Volatile.Read(ref runs.Calls) < 2 && !lifetime.ApplicationStopping.IsCancellationRequested; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(10);
        }

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host stopped itself");
        Assert.True(Volatile.Read(ref runs.Calls) >= 2, "the schedule was not checked again");
        Assert.Contains(collector.GetSnapshot(), r => r.Level == LogLevel.Error && r.Category == typeof(DreamScheduler).FullName && r.Exception is TaskCanceledException);
        await host.StopAsync();
    }

    [Fact]
    public async Task The_registered_rubric_evaluator_logs_under_its_category()
    {
        var services = new ServiceCollection();
        services.AddFakeLogging(o => o.FilteredLevels.Add(LogLevel.Debug));
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Debug));
        services.AddDreamingAgents();
        await using var provider = services.BuildServiceProvider();
        var rubric = new Rubric
        {
            Id = "refund",
            Title = "Refund summary",
            Criteria = [new RubricCriterion { Id = "order", Text = "Mentions the order number", Required = true, Kind = CriterionKind.Contains, Argument = "#W123" }],
        };

        await provider.GetRequiredService<IRubricEvaluator>().EvaluateAsync(rubric, "Refunded #W123.");

        var record = Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), r => r.Category == typeof(RubricEvaluator).FullName);
        Assert.Contains("refund", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_provider_disposed_synchronously_disposes_every_library_service_it_created()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDreamingAgents()
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate())
            .AddOrchestrator()
            .AddDreamSchedule("bot", "0 3 * * *");
        var provider = services.BuildServiceProvider();
        var resolved = new List<object?>();
        foreach (var type in services.Where(d => !d.IsKeyedService && !d.ServiceType.IsGenericTypeDefinition && d.ServiceType.Namespace == "Dreaming").Select(d => d.ServiceType).Distinct())
        {
            resolved.AddRange(provider.GetServices(type));
        }

        Assert.Contains(resolved, r => r is DreamJobs);

        // A console host's `using var provider = services.BuildServiceProvider();` disposes synchronously.
        provider.Dispose();
    }

    [Fact]
    public async Task Two_agents_on_keyed_clients_record_their_calls_outside_a_session_under_their_own_agent_ids()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.AgentId = "default-bot");
        services.AddKeyedChatClient("triage", FakeChatClient.Echo()).UseDreaming(c => c.AgentId = "triage");
        services.AddKeyedChatClient("billing", FakeChatClient.Echo()).UseDreaming(c => c.AgentId = "billing");
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        await provider.GetRequiredKeyedService<IChatClient>("triage").GetResponseAsync("Which team?");
        await provider.GetRequiredKeyedService<IChatClient>("billing").GetResponseAsync("Refund #W1?");
        await provider.GetRequiredService<IChatClient>().GetResponseAsync("Hello");
        await using (var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("support", "in a session"))
        {
            await provider.GetRequiredKeyedService<IChatClient>("billing").GetResponseAsync("Refund #W2?");
            await session.CompleteAsync();
        }

        var stored = (await provider.GetRequiredService<ITraceStore>().QuerySessionsAsync(new SessionQuery())).Items;
        Assert.Equal(["billing", "default-bot", "support", "triage"], stored.Select(s => s.AgentId).Order(StringComparer.Ordinal));
        var ex = Assert.Throws<ArgumentException>(() => new ChatClientBuilder(FakeChatClient.Echo()).UseDreaming(c => c.AgentId = " ").Build(provider));
        Assert.Contains("DreamingChatClient.AgentId ' '", ex.Message, StringComparison.Ordinal);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "timed out waiting");
    }

    /// <summary>Its first look-up times out the way an HTTP-backed store's does (a TaskCanceledException not from the caller's token).</summary>
    private sealed class TimingOutRunStore(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public int Calls;

        public override Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref Calls) == 1
                ? Task.FromException<DreamRun?>(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."))
                : base.GetLastCompletedAsync(scope, cancellationToken);
    }
}
