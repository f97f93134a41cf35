using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Dreaming.Tests.CurationCases;

namespace Dreaming.Tests;

/// <summary>The curation options of the budget, the embedding merge and contradictions: validated by name, and taken
/// from the container.</summary>
public class CurationOptionsTests
{
    [Fact]
    public void New_curation_options_are_validated_by_name()
    {
        Assert.Contains("MemoryTokenBudget", Assert.Throws<ArgumentOutOfRangeException>(() => new CurationOptions { MemoryTokenBudget = 10 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("EmbeddingSimilarity", Assert.Throws<ArgumentOutOfRangeException>(() => new CurationOptions { EmbeddingSimilarity = 1.5 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("ContradictionSimilarity", Assert.Throws<ArgumentOutOfRangeException>(() => new CurationOptions { ContradictionSimilarity = 0 }.Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curation_options_come_from_the_container_and_are_validated_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        services.Configure<CurationOptions>(o => o.MemoryTokenBudget = 60);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ITraceStore>().ImportAsync(DreamTestData.RefundSessions(12, failing: 8, agentId: "support-bot"));

        var run = await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_scope });
        var version = await provider.GetRequiredService<IMemoryStore>().GetActiveVersionAsync(s_scope);
        Assert.Contains(version!.Insights, i => i.Status == InsightStatus.Proposed);
        Assert.Contains(run.Results.Report.Changes, c => c.Reason.Contains("over its 60-token budget", StringComparison.Ordinal));

        var bad = new ServiceCollection();
        bad.AddDreamingAgents();
        bad.Configure<CurationOptions>(o => o.MemoryTokenBudget = 1);
        await using var badProvider = bad.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<CurationOptions>>().Value);
        Assert.Contains("CurationOptions.MemoryTokenBudget", ex.Message, StringComparison.Ordinal);
    }
}
