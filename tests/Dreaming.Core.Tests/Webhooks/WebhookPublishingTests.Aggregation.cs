using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests.Webhooks;

// The rubric's aggregation on the stored outcome.evaluation_ended event and the outcome.* payloads.
public sealed partial class WebhookPublishingTests
{
    [Fact]
    public async Task A_minimum_rubric_fails_work_the_weighted_mean_passes_and_its_events_and_payloads_say_how_it_scored()
    {
        await using var services = Build(o => o.Endpoints[0].Events.Add("outcome.*"));
        var runner = services.GetRequiredService<IOutcomeRunner>();
        var weighted = new RubricBuilder("refund", "Refund")
            .WithPassThreshold(0.75)
            .Contains("Mentions the order number", "#W123", weight: 3)
            .Contains("States the amount", "$12.00")
            .Build();
        var minimum = new RubricBuilder("refund", "Refund")
            .WithPassThreshold(0.75)
            .WithAggregation(RubricAggregation.Minimum)
            .Contains("Mentions the order number", "#W123", weight: 3)
            .Contains("States the amount", "$12.00")
            .Build();

        // The same work: 3 of 4 weight met is 0.75 by the weighted mean, and its weakest criterion scores 0.
        var byMean = await runner.RunAsync(Request((_, _) => Task.FromResult("Refunded order #W123.")) with { Rubric = weighted, MaxIterations = 1 });
        var byMinimum = await runner.RunAsync(Request((_, _) => Task.FromResult("Refunded order #W123.")) with { Rubric = minimum, MaxIterations = 1 });

        Assert.Equal((OutcomeResult.Satisfied, 0.75), (byMean.Result, byMean.FinalEvaluation!.Score));
        Assert.Equal((OutcomeResult.MaxIterationsReached, 0.0), (byMinimum.Result, byMinimum.FinalEvaluation!.Score));
        var store = services.GetRequiredService<ITraceStore>();
        Assert.Equal("weighted_mean", (await store.GetEventsAsync(byMean.SessionId)).OfType<OutcomeEvaluationEndedEvent>().Single().Aggregation);
        Assert.Equal("minimum", (await store.GetEventsAsync(byMinimum.SessionId)).OfType<OutcomeEvaluationEndedEvent>().Single().Aggregation);

        var rows = await RowsAsync(services);
        Assert.Equal(
            [WebhookEventTypes.OutcomeEvaluationEnded, WebhookEventTypes.OutcomeSatisfied, WebhookEventTypes.OutcomeEvaluationEnded, WebhookEventTypes.OutcomeUnsatisfied],
            rows.Select(r => r.EventType));
        Assert.Equal(["weighted_mean", "weighted_mean", "minimum", "minimum"], rows.Select(r => Data(r).GetProperty("aggregation").GetString()));
        Assert.Equal(0.75, Data(rows[2]).GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task A_loop_whose_agent_failed_records_the_rubrics_aggregation_on_its_evaluation_ended()
    {
        await using var services = Build(o => o.Endpoints[0].Events.Add("outcome.evaluation_ended"));
        var rubric = new RubricBuilder("r", "R").WithAggregation(RubricAggregation.Minimum).Contains("Mentions the order", "#W123").Build();
        var run = await services.GetRequiredService<IOutcomeRunner>().RunAsync(
            Request((_, _) => throw new InvalidOperationException("boom")) with { Rubric = rubric, MaxIterations = 1 });

        Assert.Equal(OutcomeResult.Failed, run.Result);
        var ended = (await services.GetRequiredService<ITraceStore>().GetEventsAsync(run.SessionId)).OfType<OutcomeEvaluationEndedEvent>().Single();
        Assert.Equal("minimum", ended.Aggregation);
        Assert.Equal("minimum", Data(Assert.Single(await RowsAsync(services))).GetProperty("aggregation").GetString());
    }
}
