using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.AgentView.Tests;

/// <summary>An agent page reads only the <c>memory.injected</c> events of its sessions (<see cref="ITraceStore.QueryEventsAsync"/>).</summary>
public sealed class AgentMemoryReadTests
{
    [Fact]
    public async Task An_agent_page_reads_only_the_memory_injected_events_of_its_sessions()
    {
        var store = new EventReadingStore();
        var clock = new FakeTimeProvider(AgentData.Early);
        await using var host = await AgentData.StartAsync(clock, services => services.Replace(ServiceDescriptor.Singleton<ITraceStore>(store)));
        await AgentData.SeedAsync(host, clock);

        var page = await host.PageAsync("/dreaming/agents/support?days=7");

        Assert.Contains(["v2 + global v1", "1", "1", "0.70", "100.0%", "4.0", "2026-11-28", "2026-11-28"], AgentData.Rows(page, "table.versions"));
        var reads = store.Reads;
        Assert.NotEmpty(reads);
        Assert.All(reads, read => Assert.Equal([EventTypes.MemoryInjected], read.Query?.Types));
    }
}
