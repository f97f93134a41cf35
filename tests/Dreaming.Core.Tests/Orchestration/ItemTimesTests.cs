using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class ItemTimesTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Each_item_gets_its_own_start_and_end_times_in_a_chain_of_synchronous_items()
    {
        var time = new FakeTimeProvider(s_start);
        await using var host = OrchestrationHarness.Create(time: time);
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
        {
            // Each item takes one second of fake time, and replies before its first await.
            time.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(new WorkItemReply(context.Item.Id));
        });

        var run = await host.RunAsync(
            OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a"), OrchestrationHarness.Item("c", "b")),
            agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(
            [(0, 1), (1, 2), (2, 3)],
            run.Items.Select(i => ((int)(i.StartedAt!.Value - s_start).TotalSeconds, (int)(i.EndedAt!.Value - s_start).TotalSeconds)));
    }

    [Fact]
    public async Task An_item_starts_after_what_an_observer_did_with_the_previous_items_end()
    {
        var time = new FakeTimeProvider(s_start);
        // A slow observer that works synchronously: five seconds of fake time for every item's end.
        await using var host = OrchestrationHarness.Create(time: time, observer: new SlowObserver(time));
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(new WorkItemReply(context.Item.Id));
        });

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a")), agent);

        var (a, b) = (run.Items[0], run.Items[1]);
        Assert.Equal(TimeSpan.FromSeconds(1), a.EndedAt - a.StartedAt);
        Assert.Equal(TimeSpan.FromSeconds(5), b.StartedAt - a.EndedAt);
        Assert.Equal(TimeSpan.FromSeconds(1), b.EndedAt - b.StartedAt);
    }

    private sealed class SlowObserver(FakeTimeProvider time) : IOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken)
        {
            if (sessionEvent is OrchestrationItemCompletedEvent)
            {
                time.Advance(TimeSpan.FromSeconds(5));
            }

            return default;
        }
    }
}
