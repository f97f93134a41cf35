using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dreaming.Sqlite.Tests;

/// <summary>The registration DESIGN.md (section 2) shows adopters, compiled verbatim: it must keep compiling and mean what
/// it reads as.</summary>
public sealed class DesignRegistrationTests
{
    [Fact]
    public void The_design_examples_registration_compiles_and_registers_the_endpoint_the_schedule_and_the_store()
    {
        var url = "http://127.0.0.1:5080/hooks/dreaming";
        var secret = WebhookSecret.Generate();
        var services = new ServiceCollection();

        // Verbatim from DESIGN.md section 2.
        services.AddDreamingAgents(o => o.AgentId = "support-bot")   // returns IDreamingBuilder
                .UseSqliteStore("Data Source=dreaming.db")
                .AddWebhooks(w => w.AddEndpoint(url, secret, "outcome.*", "dream.completed"))
                .AddDreamSchedule("0 3 * * *", TimeZoneInfo.Utc);

        // Nothing below opens the database file: the options and the schedule are read, not the stores.
        using var provider = services.BuildServiceProvider();
        Assert.Equal("Data Source=dreaming.db", provider.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value.ConnectionString);

        var endpoint = Assert.Single(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.Endpoints);
        Assert.Equal(WebhookOptionsEndpointExtensions.EndpointIdFor(url), endpoint.Id);
        Assert.StartsWith("127.0.0.1-", endpoint.Id, StringComparison.Ordinal);
        Assert.Equal(url, endpoint.Url);
        Assert.Equal([secret], endpoint.Secrets);
        Assert.Equal(["outcome.*", "dream.completed"], endpoint.Events);
        Assert.True(endpoint.Subscribes("outcome.satisfied"));
        Assert.True(endpoint.Subscribes("dream.completed"));
        Assert.False(endpoint.Subscribes("dream.failed"));

        var schedule = Assert.Single(provider.GetServices<DreamSchedule>());
        Assert.Equal(MemoryScope.Agent("support-bot"), schedule.Scope);
        Assert.Equal("0 3 * * *", schedule.Cron);
        Assert.Equal(TimeZoneInfo.Utc, schedule.TimeZone);
        Assert.Null(schedule.AfterNewSessions);
        Assert.Null(schedule.Request);

        // One scheduler, a singleton made by the factory that gives it DreamSchedulerOptions.PollInterval.
        Assert.Single(services, d => d.ServiceType == typeof(DreamScheduler) && d.Lifetime == ServiceLifetime.Singleton && d.ImplementationFactory is not null);
        // The host starts the scheduler through a hosted-service entry forwarding to that singleton (the dispatcher's entry
        // is one such factory too, so the factory's declared result is what tells them apart).
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationFactory?.GetType().GenericTypeArguments[^1] == typeof(DreamScheduler));
        Assert.Contains(services, d => d.ServiceType == typeof(WebhookDispatcher));

        // The verbatim connection string names a file in the working directory: reading the registration must not create it.
        provider.Dispose();
        Assert.False(File.Exists(Path.GetFullPath("dreaming.db")), $"the test created {Path.GetFullPath("dreaming.db")}");
    }
}
