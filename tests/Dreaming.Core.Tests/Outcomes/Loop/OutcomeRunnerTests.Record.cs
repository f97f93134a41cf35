using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class OutcomeRunnerTests
{
    private static readonly Rubric s_gatedRubric = new()
    {
        Id = "refund",
        Title = "Refund summary",
        PassThreshold = 0.5,
        Criteria =
        [
            new RubricCriterion { Id = "order", Text = "Mentions the order number", Required = true, Weight = 0, Kind = CriterionKind.Contains, Argument = "#W123" },
            new RubricCriterion { Id = "amount", Text = "States the refund amount", Weight = 2, Kind = CriterionKind.Regex, Argument = @"\$\d+\.\d{2}" },
            new RubricCriterion { Id = "short", Text = "At most 40 characters", Weight = 0, Kind = CriterionKind.MaxLength, Argument = "40" },
            new RubricCriterion { Id = "tone", Text = "Apologises once and stays concise", Weight = 1 },
        ],
    };

    [Fact]
    public async Task Each_recorded_verdict_says_the_criterions_weight_whether_it_is_required_and_its_kind_but_not_its_text()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var run = await host.Services.GetRequiredService<IOutcomeRunner>().RunAsync(new OutcomeRequest
        {
            AgentId = "writer",
            Task = "Summarise the refund",
            Rubric = s_gatedRubric,
            MaxIterations = 2,
            Agent = (attempt, _) => Task.FromResult(attempt.Feedback is null ? "Refunded $12.00, and this sentence is far too long." : "Refunded $12.00 for #W123, sorry."),
        });

        var ended = (await host.Store.GetEventsAsync(run.SessionId)).OfType<OutcomeEvaluationEndedEvent>().ToList();
        Assert.Equal(2, ended.Count);
        var first = ended[0].Criteria;
        Assert.Equal(
            [("order", "not_met", 0.0, true, "contains"), ("amount", "met", 2.0, false, "regex"), ("short", "not_met", 0.0, false, "max_length"), ("tone", "skipped", 1.0, false, CriterionKindNames.Model)],
            first.Select(c => (c.Id, c.Verdict, c.Weight!.Value, c.Required!.Value, c.Kind!)).ToArray());

        // The score passed (the amount, 1 against 0.5); the required order number failed the iteration.
        Assert.True(ended[0].Score >= ended[0].Threshold);
        Assert.False(ended[0].Passed);
        Assert.Equal(["order"], first.Where(c => c.FailedRequired).Select(c => c.Id));
        Assert.Equal(["short"], first.Where(c => c.IsReportOnly).Select(c => c.Id));
        Assert.DoesNotContain(ended[1].Criteria, c => c.FailedRequired);

        // What a criterion counts for is recorded, not its text: the rubric is not copied into every iteration.
        var json = JsonSerializer.Serialize<SessionEvent>(ended[0]);
        Assert.All(s_gatedRubric.Criteria, c => Assert.DoesNotContain(c.Text, json, StringComparison.Ordinal));
        Assert.Contains("\"Weight\":2,\"Required\":false,\"Kind\":\"regex\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_verdict_without_what_its_criterion_counts_for_is_neither_report_only_nor_a_failed_gate_and_writes_none_of_it()
    {
        var old = new CriterionVerdictRecord("order", "not_met", 0, "missing");

        Assert.Equal((null, null, null), (old.Weight, old.Required, old.Kind));
        Assert.False(old.IsReportOnly);
        Assert.False(old.FailedRequired);
        Assert.Equal("{\"Id\":\"order\",\"Verdict\":\"not_met\",\"Score\":0,\"Reason\":\"missing\"}", JsonSerializer.Serialize(old));
        Assert.True((old with { Weight = 0, Required = false }).IsReportOnly);
        Assert.False((old with { Weight = 0, Required = true }).IsReportOnly);
        Assert.True((old with { Verdict = "skipped", Required = true }).FailedRequired);
        Assert.False((old with { Verdict = "met", Required = true }).FailedRequired);
    }

    [Fact]
    public void ToRecord_gives_a_kind_this_version_does_not_know_as_unknown_and_names_every_kind_it_knows()
    {
        var criterion = new RubricCriterion { Id = "c", Text = "t", Kind = (CriterionKind)99 };

        var record = OutcomeFeedback.ToRecord(new CriterionResult { Criterion = criterion, Verdict = CriterionVerdict.Met });

        Assert.Null(record.Kind);
        Assert.Equal(1.0, record.Weight);
        Assert.Equal(
            ["model", "contains", "not_contains", "equals", "regex", "json", "json_schema", "max_length", "min_length", "custom"],
            Enum.GetValues<CriterionKind>().Select(CriterionKindNames.Of));
        Assert.Throws<ArgumentNullException>("result", () => OutcomeFeedback.ToRecord(null!));
        Assert.Equal("kind", Assert.Throws<ArgumentOutOfRangeException>(() => CriterionKindNames.Of((CriterionKind)99)).ParamName);
    }
}
