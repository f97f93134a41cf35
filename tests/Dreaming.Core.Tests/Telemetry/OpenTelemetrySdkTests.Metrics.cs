using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using OpenTelemetry.Metrics;

namespace Dreaming.Tests;

public sealed partial class OpenTelemetrySdkTests
{
    // What tracing.md's metric table says, tags included (every tag key the SDK may export for each).
    private static readonly Dictionary<string, (string Unit, string[] Tags)> s_documented = new(StringComparer.Ordinal)
    {
        ["dreaming.sessions.started"] = ("{session}", ["gen_ai.agent.id"]),
        ["dreaming.sessions.ended"] = ("{session}", ["gen_ai.agent.id", "dreaming.session.status"]),
        ["dreaming.events.recorded"] = ("{event}", []),
        ["dreaming.events.dropped"] = ("{event}", ["dreaming.drop.reason"]),
        ["dreaming.writer.batch.duration"] = ("s", []),
        ["dreaming.writer.queue.length"] = ("{event}", []),
        ["dreaming.webhooks.attempts"] = ("{attempt}", ["dreaming.webhook.result"]),
        ["dreaming.sessions.purged"] = ("{session}", []),
    };

    [Fact]
    public void Every_instrument_of_the_meter_is_documented_with_its_unit()
    {
        var published = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == DreamingTelemetry.SourceName)
                {
                    lock (published)
                    {
                        published.Add(instrument);
                    }
                }
            },
        };
        // The instruments are created with their static classes.
        Assert.NotNull(DreamingTelemetry.SessionsStarted);
        Assert.NotNull(WebhookTelemetry.Attempts);
        listener.Start();
        Assert.Equal(s_documented.Keys.Order(StringComparer.Ordinal), published.Select(i => i.Name).Distinct().Order(StringComparer.Ordinal));
        Assert.All(published, i => Assert.Equal(s_documented[i.Name].Unit, i.Unit));
    }

    /// <summary>Many sessions, each with its own id, task text, user and failure message, make no more metric points
    /// than the agent's statuses: no tag carries a session id, task, user or exception message.</summary>
    [Fact]
    public async Task Metric_points_stay_bounded_over_many_sessions()
    {
        var agent = "cardinality-" + Guid.NewGuid().ToString("N");
        var calls = 0;
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) => Interlocked.Increment(ref calls) % 3 == 0
                ? throw new InvalidOperationException("user " + Guid.NewGuid() + " is not allowed")
                : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok " + Guid.NewGuid())) { Usage = new UsageDetails { InputTokenCount = 1, OutputTokenCount = 1 } }),
        };
        await using var host = OtelHost.Create(model, options: o => o.AgentId = agent);
        for (var i = 0; i < 60; i++)
        {
            var status = (i % 4) switch { 0 => SessionStatus.Completed, 1 => SessionStatus.Failed, _ => SessionStatus.Abandoned };
            await using (var session = host.Sessions.StartSession(new AgentSessionOptions { AgentId = agent, Task = "task " + Guid.NewGuid(), Metadata = { ["user"] = "user-" + i } }))
            {
                try
                {
                    await host.Chat.GetResponseAsync("question " + Guid.NewGuid());
                }
                catch (InvalidOperationException)
                {
                }

                if (i % 4 != 3)
                {
                    await session.CompleteAsync(status);
                }
            }

            // A call outside any session: a one-call session of the same agent.
            try
            {
                await host.Chat.GetResponseAsync("one call " + Guid.NewGuid());
            }
            catch (InvalidOperationException)
            {
            }
        }

        var metrics = host.CollectMetrics();
        var points = new List<(string Metric, Dictionary<string, object?> Tags)>();
        foreach (var metric in metrics)
        {
            Assert.True(s_documented.TryGetValue(metric.Name, out var documented), $"{metric.Name} is not documented");
            Assert.Equal(documented.Unit, metric.Unit);
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                Assert.All(tags.Keys, k => Assert.Contains(k, documented.Tags));
                points.Add((metric.Name, tags));
            }
        }

        // Every tag value of every point is one of few: no id, task, user or message.
        var values = points.SelectMany(p => p.Tags.Values).Select(v => v?.ToString() ?? "").ToList();
        Assert.DoesNotContain(values, v => v.StartsWith("ses_", StringComparison.Ordinal) || v.Contains("task", StringComparison.Ordinal) || v.Contains("user", StringComparison.Ordinal) || v.Contains("question", StringComparison.Ordinal));
        var mine = points.Where(p => Equals(p.Tags.GetValueOrDefault("gen_ai.agent.id"), agent)).ToList();
        Assert.Single(mine, p => p.Metric == "dreaming.sessions.started");
        Assert.Equal(["abandoned", "completed", "failed"], mine.Where(p => p.Metric == "dreaming.sessions.ended").Select(p => (string)p.Tags["dreaming.session.status"]!).Order());
    }

    /// <summary>A store write takes milliseconds: the SDK's default buckets (0, 5, 10, 25… meant for milliseconds) would
    /// put every batch of <c>dreaming.writer.batch.duration</c>, in seconds, in the first one. The instrument advises
    /// second-scale buckets, which the SDK uses when the adopter sets none.</summary>
    [Fact]
    public async Task The_write_duration_histogram_has_buckets_in_seconds()
    {
        await using var host = OtelHost.Create(FakeChatClient.Echo());
        await using (var session = host.Sessions.StartSession("histogram-" + Guid.NewGuid().ToString("N"), "t"))
        {
            await host.Chat.GetResponseAsync("hi");
            await session.CompleteAsync();
        }

        var histogram = Assert.Single(host.CollectMetrics(), m => m.Name == DreamingTelemetry.WriteDurationMetric);
        Assert.Equal(MetricType.Histogram, histogram.MetricType);
        var bounds = new List<double>();
        long count = 0;
        foreach (ref readonly var point in histogram.GetMetricPoints())
        {
            count += point.GetHistogramCount();
            bounds.Clear();
            foreach (var bucket in point.GetHistogramBuckets())
            {
                bounds.Add(bucket.ExplicitBound);
            }
        }

        Assert.True(count > 0);
        Assert.Equal([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], bounds.Where(b => !double.IsPositiveInfinity(b)));
    }
}
