using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests.Webhooks;

// What each criterion counts for on outcome.evaluation_ended: the required ones not met in a thin payload, and each
// verdict's weight, required flag and kind in a full one.
public sealed partial class WebhookPublishingTests
{
    private static readonly Rubric s_gated = new RubricBuilder("refund", "Refund")
        .WithPassThreshold(0.5)
        .Contains("Mentions the order number", "#W123", weight: 0, required: true, id: "order")
        .Contains("States the amount", "$12.00", weight: 2, id: "amount")
        .MaxLength("At most 10 characters", 10, weight: 0, id: "short")
        .Build();

    [Fact]
    public async Task A_thin_evaluation_ended_names_the_required_criteria_that_failed_an_iteration_whose_score_passed()
    {
        await using var services = Build(o => o.Endpoints[0].Events.Add("outcome.evaluation_ended"));
        await services.GetRequiredService<IOutcomeRunner>().RunAsync(
            Request((attempt, _) => Task.FromResult(attempt.Feedback is null ? "Refunded $12.00." : "Refunded $12.00 for #W123.")) with { Rubric = s_gated, MaxIterations = 2 });

        var ended = (await RowsAsync(services)).Select(Data).ToList();
        Assert.Equal(2, ended.Count);
        Assert.Equal((1.0, 0.5, false), (ended[0].GetProperty("score").GetDouble(), ended[0].GetProperty("threshold").GetDouble(), ended[0].GetProperty("passed").GetBoolean()));
        Assert.Equal(["order"], ended[0].GetProperty("failed_required").EnumerateArray().Select(e => e.GetString()));
        Assert.False(ended[0].TryGetProperty("criteria", out _));

        // Passed: no required criterion failed, so the property is left out, as in a payload of a rubric without any.
        Assert.True(ended[1].GetProperty("passed").GetBoolean());
        Assert.False(ended[1].TryGetProperty("failed_required", out _));
    }

    [Fact]
    public async Task A_full_evaluation_ended_gives_each_verdict_its_criterions_weight_required_flag_and_kind()
    {
        await using var services = Build(o =>
        {
            o.IncludeFullPayloads = true;
            o.Endpoints[0].Events.Add("outcome.evaluation_ended");
        });
        await services.GetRequiredService<IOutcomeRunner>().RunAsync(Request((_, _) => Task.FromResult("Refunded $12.00 for #W123.")) with { Rubric = s_gated, MaxIterations = 1 });

        var criteria = Data(Assert.Single(await RowsAsync(services))).GetProperty("criteria").EnumerateArray().ToList();
        Assert.Equal(
            [("order", 0.0, true, "contains", "met"), ("amount", 2.0, false, "contains", "met"), ("short", 0.0, false, "max_length", "not_met")],
            criteria.Select(c => (c.GetProperty("id").GetString(), c.GetProperty("weight").GetDouble(), c.GetProperty("required").GetBoolean(), c.GetProperty("kind").GetString(), c.GetProperty("verdict").GetString())));
    }

    [Fact]
    public void A_verdict_recorded_without_its_weight_gives_a_full_payload_none_of_the_three_and_a_thin_one_no_failed_required()
    {
        var ended = new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "r", Result = "needs_revision", Criteria = [new CriterionVerdictRecord("order", "not_met", 0, null)] };

        var full = WebhookEventData.OutcomeEvaluationEnded("s", "a", ended, full: true);

        var criterion = full["criteria"]![0]!.AsObject();
        Assert.Equal(["id", "verdict", "score", "reason"], criterion.Select(p => p.Key));
        Assert.False(full.ContainsKey("failed_required"));
    }

    [Fact]
    public void A_required_criterion_in_error_or_skipped_is_named_apart_from_those_the_work_did_not_meet()
    {
        var ended = new OutcomeEvaluationEndedEvent
        {
            Iteration = 1,
            RubricId = "r",
            Result = "failed",
            Criteria =
            [
                new CriterionVerdictRecord("order", "not_met", 0, null) { Required = true },
                new CriterionVerdictRecord("tone", "error", null, "the grader's answer could not be read") { Required = true },
                new CriterionVerdictRecord("policy", "skipped", null, "no grader") { Required = true },
                new CriterionVerdictRecord("amount", "error", null, null) { Required = false },
            ],
        };

        var data = WebhookEventData.OutcomeEvaluationEnded("s", "a", ended);

        // failed_required keeps what it always held (every required criterion not met); the two additive fields say which
        // of them were not judged at all.
        Assert.Equal(["order", "tone", "policy"], data["failed_required"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(["tone"], data["errored_required"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(["policy"], data["skipped_required"]!.AsArray().Select(n => (string?)n));

        var judged = WebhookEventData.OutcomeEvaluationEnded("s", "a", ended with { Criteria = [ended.Criteria[0]] });
        Assert.False(judged.ContainsKey("errored_required") || judged.ContainsKey("skipped_required"));
    }
    [Fact]
    public void The_ids_of_the_required_criteria_are_never_cut_when_the_payload_is_fitted_to_the_cap()
    {
        // Criterion ids made from long section headings (CriterionIdAllocator) are longer than 64 bytes; a full payload
        // whose reasons take the body over the cap had them cut to "…" in failed_required, errored_required and
        // skipped_required, while criteria[].id kept them whole, so a receiver could no longer match the two.
        var heading = "answers-must-cite-the-exact-policy-clause-they-rely-on-and-quote-it-word-for-word";
        var verdicts = new[] { "not_met", "error", "skipped" };
        var ended = new OutcomeEvaluationEndedEvent
        {
            Iteration = 1,
            RubricId = "r",
            Result = "failed",
            Criteria = [.. Enumerable.Range(1, 30).Select(i => new CriterionVerdictRecord($"{heading}-{i}", verdicts[i % 3], null, new string('r', 3_000)) { Required = true })],
        };
        var data = WebhookEventData.OutcomeEvaluationEnded("s", "a", ended, full: true);
        var webhookEvent = new WebhookEvent { Id = WebhookEvent.NewId(), Type = WebhookEventTypes.OutcomeEvaluationEnded, Timestamp = DateTimeOffset.UnixEpoch, Data = data };

        var (fitted, original, bytes, cut) = WebhookPayloadFit.Fit(webhookEvent, 4_096);

        Assert.True(cut > 0 && bytes < original, $"nothing was cut ({original} bytes)");
        var sent = System.Text.Json.Nodes.JsonNode.Parse(fitted.ToBody())!["data"]!;
        string?[] Ids(int remainder) => [.. Enumerable.Range(1, 30).Where(i => remainder < 0 || i % 3 == remainder).Select(i => $"{heading}-{i}")];
        Assert.Equal(Ids(-1), sent["failed_required"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(Ids(1), sent["errored_required"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(Ids(2), sent["skipped_required"]!.AsArray().Select(n => (string?)n));
        Assert.DoesNotContain(sent["truncated"]!.AsArray(), m => ((string)m!["path"]!).Contains("_required/", StringComparison.Ordinal));
    }
}
