using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

/// <summary><c>AddDreamingAgents(IConfiguration)</c>: DreamingOptions bound from a section in the registration call, as
/// <c>AddWebhooks(IConfiguration)</c> binds WebhookOptions, validated at start, with the callback applied after.</summary>
public sealed class ConfigurationOverloadTests
{
    [Fact]
    public async Task The_section_is_bound_its_other_subsections_ignored_and_the_callback_applied_after_it()
    {
        using var host = Build(
            new()
            {
                ["Dreaming:AgentId"] = "support-bot",
                ["Dreaming:Backpressure"] = "Drop",
                ["Dreaming:WriteDrainTimeout"] = "00:00:30",
                ["Dreaming:WriteBatchSize"] = "50",
                ["Dreaming:Sqlite:ConnectionString"] = "Data Source=data/dreaming.db",
                ["Dreaming:Webhooks:MaxConsecutiveFailures"] = "5",
            },
            o =>
            {
                o.CostOf = static _ => 0;
                o.WriteBatchSize = 7;
            });

        await host.StartAsync().WaitAsync(Bounded.Patience);
        var options = host.Services.GetRequiredService<IOptions<DreamingOptions>>().Value;
        Assert.Equal("support-bot", options.AgentId);
        Assert.Equal(BackpressurePolicy.Drop, options.Backpressure);
        Assert.Equal(TimeSpan.FromSeconds(30), options.WriteDrainTimeout);
        Assert.Equal(7, options.WriteBatchSize);
        Assert.NotNull(options.CostOf);
        Assert.NotNull(host.Services.GetRequiredService<IAgentSessionFactory>());
        await host.StopAsync().WaitAsync(Bounded.Patience);
    }

    [Fact]
    public async Task A_value_out_of_range_in_the_section_fails_the_start_naming_the_option()
    {
        using var host = Build(new() { ["Dreaming:AgentId"] = "bot", ["Dreaming:WriteQueueCapacity"] = "0" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("DreamingOptions.WriteQueueCapacity is 0; it must be between 1 and 1,000,000.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_that_cannot_be_converted_fails_the_start_naming_the_key()
    {
        using var host = Build(new() { ["Dreaming:AgentId"] = "bot", ["Dreaming:WriteDrainTimeout"] = "abc" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("'abc' at 'Dreaming:WriteDrainTimeout'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_value_in_the_section_keeps_the_default_as_the_docs_say()
    {
        // tracing.md: the binding source generator skips an empty value (an environment variable set to nothing).
        using var host = Build(new() { ["Dreaming:AgentId"] = "bot", ["Dreaming:WriteDrainTimeout"] = "", ["Dreaming:WriteBatchSize"] = "" });

        await host.StartAsync().WaitAsync(Bounded.Patience);
        var options = host.Services.GetRequiredService<IOptions<DreamingOptions>>().Value;
        Assert.Equal(new DreamingOptions().WriteDrainTimeout, options.WriteDrainTimeout);
        Assert.Equal(new DreamingOptions().WriteBatchSize, options.WriteBatchSize);
        await host.StopAsync().WaitAsync(Bounded.Patience);
    }

    [Fact]
    public void Null_arguments_are_refused_naming_the_parameter()
    {
        var configuration = new ConfigurationBuilder().Build();
        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddDreamingAgents(configuration)).ParamName);
        Assert.Equal("configuration", Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddDreamingAgents((IConfiguration)null!)).ParamName);

        // A null callback still picks the callback form, as before the overload existed.
        Assert.NotNull(new ServiceCollection().AddDreamingAgents(null));
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<DreamingOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDreamingAgents(builder.Configuration.GetSection("Dreaming"), configure);
        return builder.Build();
    }
}
