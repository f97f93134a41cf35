using System.Globalization;

namespace Dreaming.Tests;

/// <summary>The library's messages are English and some are stored (a run's stop reason, an item's error) or sent in
/// webhooks, so their numbers read the same on every machine: 1,500 with a comma, never 1.500 (which reads as one and a
/// half in English) because the host happens to run under a German or Turkish culture.</summary>
public sealed class InvariantCultureMessageTests
{
    public static TheoryData<string> Cultures => new() { "de-DE", "tr-TR", "fr-FR" };

    [Theory]
    [MemberData(nameof(Cultures))]
    public async Task A_runs_stop_reason_and_an_items_error_group_thousands_with_commas_under_any_culture(string culture)
    {
        using var _ = new CurrentCulture(culture);
        await using var host = OrchestrationHarness.Create();
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("done", new SessionUsage { InputTokens = 1_500 })));

        var stopped = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a")), agent, budget: 1_000);
        var failed = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("big") with { MaxTokens = 1_200 }), agent);

        Assert.Equal(OrchestrationStatus.BudgetReached, stopped.Status);
        Assert.Contains("the run used 1,500 tokens, reaching its budget of 1,000", stopped.Error, StringComparison.Ordinal);
        var big = Assert.Single(failed.Items);
        Assert.Contains("the item used 1,500 tokens, more than its maxTokens of 1,200", big.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void Validation_messages_group_thousands_with_commas_under_any_culture(string culture)
    {
        using var _ = new CurrentCulture(culture);
        var items = Enumerable.Range(0, 1_001).Select(i => OrchestrationHarness.Item("n" + i)).ToArray();

        var tooMany = Assert.Throws<PlanValidationException>(() => PlanGraph.Build(OrchestrationHarness.Plan(1, items), new HashSet<string>(["worker"]), 1_000));
        var options = new DreamingOptionsValidator().Validate(null, new DreamingOptions { WriteQueueCapacity = 0 });

        Assert.Contains("The plan has 1,001 items, more than the limit of 1,000", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("between 1 and 1,000,000.", options.FailureMessage, StringComparison.Ordinal);
    }

    private sealed class CurrentCulture : IDisposable
    {
        private readonly CultureInfo _previous = CultureInfo.CurrentCulture;

        public CurrentCulture(string name) => CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(name);

        public void Dispose() => CultureInfo.CurrentCulture = _previous;
    }
}
