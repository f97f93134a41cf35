using Dreaming.Cli.Webhooks;

namespace Dreaming.Cli.Tests;

/// <summary>The summary the demo and <c>webhooks replay</c> print after delivering: the deliveries not delivered, one line
/// each for the first five, then how many more it does not show, so that a list is never cut silently.</summary>
public sealed class WebhookSummaryFailedListTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(5, 0, null)]
    [InlineData(6, 0, "  1 more not delivered (not shown)")]
    [InlineData(5, 2, "  2 more not delivered (not shown)")]
    public void Prints_the_first_five_deliveries_not_delivered_and_how_many_more(int dead, int pending, string? more)
    {
        var rows = Enumerable.Range(1, dead).Select(i => Row($"whd_dead{i}", WebhookDeliveryState.Dead))
            .Concat(Enumerable.Range(1, pending).Select(i => Row($"whd_pending{i}", WebhookDeliveryState.Pending)))
            .Append(Row("whd_ok", WebhookDeliveryState.Delivered))
            .ToList();
        using var output = new StringWriter();

        CliWebhooks.WriteSummary(output, "http://127.0.0.1:5055/hooks", rows);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Count(l => l.Contains(": HTTP 500", StringComparison.Ordinal)));
        Assert.Equal(["whd_dead1", "whd_dead2", "whd_dead3", "whd_dead4", "whd_dead5"], lines.Where(l => l.Contains(": HTTP 500", StringComparison.Ordinal)).Select(l => l.Trim().Split(' ')[0]));
        if (more is null)
        {
            Assert.DoesNotContain(lines, l => l.Contains("more not delivered", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(more, lines[^1]);
        }
    }

    private static WebhookDelivery Row(string id, WebhookDeliveryState state) => new()
    {
        Id = id,
        EventId = "evt_" + id,
        EventType = "session.failed",
        EndpointId = "cli",
        Body = "{}",
        State = state,
        Attempts = state == WebhookDeliveryState.Delivered ? 1 : 4,
        CreatedAt = Now,
        NextAttemptAt = Now,
        LastError = state == WebhookDeliveryState.Delivered ? null : "HTTP 500",
    };
}
