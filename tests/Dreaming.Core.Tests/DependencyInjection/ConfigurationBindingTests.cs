using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

/// <summary>DreamingOptions bound from an application's configuration, as tracing.md's setup shows.</summary>
public class ConfigurationBindingTests
{
    [Fact]
    public async Task Options_bound_from_the_dreaming_section_apply_and_its_other_subsections_are_ignored()
    {
        using var host = Build(new()
        {
            ["Dreaming:AgentId"] = "support-bot",
            ["Dreaming:Backpressure"] = "Drop",
            ["Dreaming:WriteDrainTimeout"] = "00:00:30",
            ["Dreaming:UnscopedCalls"] = "Ignore",
            ["Dreaming:Sqlite:ConnectionString"] = "Data Source=data/dreaming.db",
            ["Dreaming:Webhooks:MaxConsecutiveFailures"] = "5",
        });

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<DreamingOptions>>().Value;
        Assert.Equal("support-bot", options.AgentId);
        Assert.Equal(BackpressurePolicy.Drop, options.Backpressure);
        Assert.Equal(TimeSpan.FromSeconds(30), options.WriteDrainTimeout);
        Assert.Equal(UnscopedCallHandling.Ignore, options.UnscopedCalls);
        Assert.Null(options.CostOf);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_value_out_of_range_fails_the_start_naming_the_option()
    {
        using var host = Build(new() { ["Dreaming:WriteQueueCapacity"] = "0" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("DreamingOptions.WriteQueueCapacity is 0; it must be between 1 and 1,000,000.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_that_cannot_be_converted_fails_the_start_naming_the_key()
    {
        using var host = Build(new() { ["Dreaming:WriteDrainTimeout"] = "abc" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("'abc' at 'Dreaming:WriteDrainTimeout'", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        var dreaming = builder.Configuration.GetSection("Dreaming");
        builder.Services.AddDreamingAgents(o => dreaming.Bind(o));
        return builder.Build();
    }
}
