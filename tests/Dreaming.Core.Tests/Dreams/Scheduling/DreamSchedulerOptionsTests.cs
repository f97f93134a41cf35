using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

/// <summary>The scheduler's poll interval set through options, as every other setting of the library is: before, it
/// could only be set on the resolved <see cref="DreamScheduler"/>, so an app could neither bind it from configuration nor
/// have it checked when the host starts.</summary>
public class DreamSchedulerOptionsTests
{
    [Fact]
    public async Task The_poll_interval_bound_from_configuration_is_the_scheduler_s()
    {
        using var host = Build(new() { ["Dreaming:Scheduler:PollInterval"] = "00:05:00" });

        await host.StartAsync();
        try
        {
            Assert.Equal(TimeSpan.FromMinutes(5), host.Services.GetRequiredService<DreamScheduler>().PollInterval);
            Assert.Same(host.Services.GetRequiredService<DreamScheduler>(), Assert.Single(host.Services.GetServices<IHostedService>().OfType<DreamScheduler>()));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Left_unset_the_poll_interval_is_a_minute()
    {
        using var host = Build([]);

        await host.StartAsync();
        Assert.Equal(TimeSpan.FromMinutes(1), host.Services.GetRequiredService<DreamScheduler>().PollInterval);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("50.00:00:00")]
    public async Task A_poll_interval_a_timer_cannot_wait_fails_the_start_naming_the_option(string value)
    {
        using var host = Build(new() { ["Dreaming:Scheduler:PollInterval"] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(
            $"DreamSchedulerOptions.PollInterval is {TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)}; it must be more than zero and at most 49.17:02:47.2940000.",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Set_in_code_it_applies_and_the_scheduler_s_own_property_still_wins_when_set_after()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore().AddDreamSchedule("bot", "0 3 * * *");
        services.Configure<DreamSchedulerOptions>(o => o.PollInterval = TimeSpan.FromSeconds(20));
        using var provider = services.BuildServiceProvider();

        var scheduler = provider.GetRequiredService<DreamScheduler>();
        Assert.Equal(TimeSpan.FromSeconds(20), scheduler.PollInterval);
        scheduler.PollInterval = TimeSpan.FromMinutes(2);
        Assert.Equal(TimeSpan.FromMinutes(2), provider.GetRequiredService<DreamScheduler>().PollInterval);
    }

    [Fact]
    public void A_scheduler_the_host_registered_itself_is_kept_with_its_own_poll_interval()
    {
        var services = new ServiceCollection();
        var dreaming = services.AddDreamingAgents().UseInMemoryStore();
        DreamScheduler? own = null;
        services.AddSingleton(sp => own = new DreamScheduler(
            sp.GetServices<DreamSchedule>(), sp.GetRequiredService<IDreamConsolidator>(), sp.GetRequiredService<IDreamRunStore>(), sp.GetRequiredService<ITraceStore>())
        {
            PollInterval = TimeSpan.FromMinutes(7),
        });
        dreaming.AddDreamSchedule("bot", "0 3 * * *");
        services.Configure<DreamSchedulerOptions>(o => o.PollInterval = TimeSpan.FromSeconds(20));
        using var provider = services.BuildServiceProvider();

        var scheduler = provider.GetRequiredService<DreamScheduler>();
        Assert.Same(own, scheduler);
        Assert.Equal(TimeSpan.FromMinutes(7), scheduler.PollInterval);
        Assert.Same(scheduler, Assert.Single(provider.GetServices<IHostedService>().OfType<DreamScheduler>()));
    }

    [Fact]
    public async Task A_host_with_no_dream_schedule_registers_no_scheduler_and_does_not_check_its_options()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents().UseInMemoryStore();
        builder.Services.Configure<DreamSchedulerOptions>(o => o.PollInterval = TimeSpan.Zero);
        using var host = builder.Build();

        await host.StartAsync();
        Assert.Null(host.Services.GetService<DreamScheduler>());
        Assert.Empty(host.Services.GetServices<IHostedService>().OfType<DreamScheduler>());
        Assert.Empty(host.Services.GetServices<IValidateOptions<DreamSchedulerOptions>>());
        await host.StopAsync();
    }

    [Fact]
    public void Validate_names_the_option()
    {
        var ex = Assert.Throws<ArgumentException>(new DreamSchedulerOptions { PollInterval = TimeSpan.Zero }.Validate);
        Assert.Equal("PollInterval", ex.ParamName);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDreamingAgents().UseInMemoryStore().AddDreamSchedule("bot", "0 3 * * *");
        builder.Services.Configure<DreamSchedulerOptions>(builder.Configuration.GetSection("Dreaming:Scheduler"));
        return builder.Build();
    }
}
