using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

public class AddDreamingAgentsTests
{
    [Theory]
    [InlineData("AgentId")]
    [InlineData("WriteQueueCapacity")]
    [InlineData("WriteBatchSize")]
    [InlineData("MaxContentLength")]
    [InlineData("ToolErrorPrefix")]
    [InlineData("Backpressure")]
    [InlineData("WriteDrainTimeout")]
    public void Invalid_options_fail_with_a_message_naming_the_setting(string setting)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o =>
        {
            switch (setting)
            {
                case "AgentId": o.AgentId = " "; break;
                case "WriteQueueCapacity": o.WriteQueueCapacity = 0; break;
                case "WriteBatchSize": o.WriteBatchSize = 20_000; break;
                case "MaxContentLength": o.MaxContentLength = 10; break;
                case "ToolErrorPrefix": o.ToolErrorPrefix = ""; break;
                case "Backpressure": o.Backpressure = (BackpressurePolicy)42; break;
                case "WriteDrainTimeout": o.WriteDrainTimeout = TimeSpan.Zero; break;
            }
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DreamingOptions>>().Value);
        Assert.Contains("DreamingOptions." + setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_valid_and_the_in_memory_store_is_the_fallback()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var options = provider.GetRequiredService<IOptions<DreamingOptions>>().Value;
        Assert.Equal("default", options.AgentId);
        Assert.Equal(BackpressurePolicy.Wait, options.Backpressure);
        Assert.True(options.RedactSecrets);
        Assert.IsType<InMemoryTraceStore>(provider.GetRequiredService<ITraceStore>());
        Assert.NotNull(provider.GetRequiredService<IAgentSessionFactory>());
    }

    [Fact]
    public void Calling_twice_registers_once_and_applies_both_callbacks()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.AgentId = "a");
        services.AddDreamingAgents(o => o.WriteBatchSize = 7);
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(IAgentSessionFactory));
        Assert.Single(provider.GetServices<ITraceContentRedactor>());
        var options = provider.GetRequiredService<IOptions<DreamingOptions>>().Value;
        Assert.Equal(("a", 7), (options.AgentId, options.WriteBatchSize));
    }

    [Fact]
    public async Task A_second_call_does_not_bring_back_the_built_in_redactor_that_UseComplianceRedaction_replaced()
    {
        var services = new ServiceCollection();
        services.AddRedaction(r => r.SetRedactor<MarkingRedactor>(new DataClassificationSet(s_secret)));
        services.AddDreamingAgents().UseComplianceRedaction(s_secret);
        services.AddDreamingAgents(o => o.AgentId = "support-bot");
        await using var provider = services.BuildServiceProvider();

        var redactor = Assert.Single(provider.GetServices<ITraceContentRedactor>());
        Assert.Equal("key <secret>", redactor.Redact("key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"));
    }

    [Fact]
    public async Task UseDreamRunStore_replaces_the_dream_run_store_and_webhooks_added_after_it_wrap_it()
    {
        var mine = new InMemoryDreamRunStore();
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents();
        Assert.Same(builder, builder.UseDreamRunStore<InMemoryDreamRunStore>());
        Assert.Same(builder, builder.UseDreamRunStore(_ => mine));
        Assert.Single(services, d => d.ServiceType == typeof(IDreamRunStore));
        builder.AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate());
        await using var provider = services.BuildServiceProvider();

        // Started through the container's store (the webhook wrapper), the run is in the store the host chose.
        var run = await provider.GetRequiredService<IDreamRunStore>().CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        Assert.NotNull(await mine.GetAsync(run.Id));
        Assert.NotSame(mine, provider.GetRequiredService<IDreamRunStore>());
        _ = provider.GetRequiredService<IOptions<WebhookOptions>>().Value;
    }

    [Fact]
    public void A_custom_store_replaces_the_default()
    {
        var store = new InMemoryTraceStore();
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseTraceStore(_ => store);
        using var provider = services.BuildServiceProvider();
        Assert.Same(store, provider.GetRequiredService<ITraceStore>());
    }

    [Fact]
    public async Task Invalid_curation_options_fail_at_start_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        services.Configure<CurationOptions>(o => o.EmbeddingSimilarity = 3);
        await using var provider = services.BuildServiceProvider();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync());
        Assert.Contains("EmbeddingSimilarity", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddOrchestrator_keeps_an_orchestrator_the_host_registered_first()
    {
        var mine = new HostOrchestrator();
        var services = new ServiceCollection();
        services.AddSingleton<IOrchestrator>(mine);
        services.AddDreamingAgents().AddOrchestrator(o => o.ItemRetries = 2);
        using var provider = services.BuildServiceProvider();
        Assert.Same(mine, provider.GetRequiredService<IOrchestrator>());
    }

    [Fact]
    public async Task AddOrchestrator_twice_registers_one_orchestrator_and_keeps_the_coordinator()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddOrchestrator(coordinator: _ => FakeChatClient.Echo()).AddOrchestrator(o => o.ItemRetries = 2);
        Assert.Single(services, d => d.ServiceType == typeof(IOrchestrator));
        await using var provider = services.BuildServiceProvider();

        // The echoing coordinator answers in prose, so planning fails on its reply rather than for want of a coordinator.
        var agent = new RosterAgent { Name = "w", Run = (_, _) => Task.FromResult(new WorkItemReply("done")) };
        await Assert.ThrowsAsync<PlanValidationException>(() => provider.GetRequiredService<IOrchestrator>().PlanAsync("g", [agent]));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("url")]
    [InlineData("secret")]
    public void AddWebhookEndpoint_refuses_null_naming_the_parameter(string parameter)
    {
        var builder = new ServiceCollection().AddDreamingAgents();
        var ex = Assert.Throws<ArgumentNullException>(() => builder.AddWebhookEndpoint(
            parameter == "id" ? null! : "ci",
            parameter == "url" ? null! : "https://ci.example.com/hook",
            parameter == "secret" ? null! : WebhookSecret.Generate()));
        Assert.Equal(parameter, ex.ParamName);
    }

    private static readonly DataClassification s_secret = new("test", "secret");

    /// <summary>Replaces whatever it is given with <c>&lt;secret&gt;</c>.</summary>
    private sealed class MarkingRedactor : Redactor
    {
        public override int GetRedactedLength(ReadOnlySpan<char> input) => "<secret>".Length;

        public override int Redact(ReadOnlySpan<char> source, Span<char> destination)
        {
            "<secret>".AsSpan().CopyTo(destination);
            return "<secret>".Length;
        }
    }

    private sealed class HostOrchestrator : IOrchestrator
    {
        public Task<OrchestrationPlan> PlanAsync(string goal, IReadOnlyList<RosterAgent> agents, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<OrchestrationRun> RunAsync(OrchestrationRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
