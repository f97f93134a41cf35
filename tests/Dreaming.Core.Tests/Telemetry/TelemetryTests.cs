using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Dreaming.Tests;

public partial class TelemetryTests
{
    [Fact]
    public async Task A_session_is_an_invoke_agent_span_with_gen_ai_attributes()
    {
        using var spans = new SessionSpans();
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        string id;
        await using (var session = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "telemetry-agent", Task = "t", AgentVersion = "7" }))
        {
            id = session.Id;
            Assert.Equal("invoke_agent telemetry-agent", Activity.Current?.DisplayName);
            await host.Chat.GetResponseAsync("hi");
            await session.CompleteAsync(SessionStatus.Failed);
        }

        var span = Assert.Single(spans.Stopped, a => (string?)a.GetTagItem("gen_ai.conversation.id") == id);

        Assert.Equal("invoke_agent telemetry-agent", span.DisplayName);
        Assert.Equal("invoke_agent", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("telemetry-agent", span.GetTagItem("gen_ai.agent.name"));
        Assert.Equal("telemetry-agent", span.GetTagItem("gen_ai.agent.id"));
        Assert.Equal("7", span.GetTagItem("gen_ai.agent.version"));
        Assert.Equal(10L, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(5L, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal("failed", span.GetTagItem("dreaming.session.status"));
        Assert.Equal("failed", span.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Null(Activity.Current);
    }

    [Fact]
    public async Task Sessions_started_and_ended_are_counted_by_agent_and_status()
    {
        using var started = new MetricCollector<long>(null, DreamingTelemetry.SourceName, DreamingTelemetry.SessionsStartedMetric);
        using var ended = new MetricCollector<long>(null, DreamingTelemetry.SourceName, DreamingTelemetry.SessionsEndedMetric);
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var agent = "metrics-" + Guid.NewGuid().ToString("N");
        await using (var a = host.Sessions.StartSession(agent, "t"))
        {
            await a.CompleteAsync();
        }

        await using (host.Sessions.StartSession(agent, "t"))
        {
        }

        bool Mine(CollectedMeasurement<long> m) => Equals(m.Tags["gen_ai.agent.id"], agent);
        Assert.Equal(2, started.GetMeasurementSnapshot().Where(Mine).Sum(m => m.Value));
        var endings = ended.GetMeasurementSnapshot().Where(Mine).Select(m => (string)m.Tags["dreaming.session.status"]!).Order().ToList();
        Assert.Equal(["abandoned", "completed"], endings);
    }

    [Fact]
    public async Task A_session_that_cannot_start_leaves_no_span_running_and_none_current()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        var host = TracingHost.Create(FakeChatClient.Echo());
        var sessions = host.Sessions;
        await host.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => sessions.StartSession(agent, "t"));

        Assert.Null(Activity.Current);
        Assert.All(spans.Started, a => Assert.True(a.IsStopped, "the session span of a session that never started was left running"));
    }

    [Fact]
    public async Task A_session_that_cannot_be_recorded_as_abandoned_still_ends_its_span_as_an_error()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        var store = new HookedTraceStore { BeforeComplete = (_, _) => throw new InvalidOperationException("store down") };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store);

        await using (host.Sessions.StartSession(agent, "t"))
        {
        }

        var span = Assert.Single(spans.Stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, span.GetTagItem("error.type"));
        Assert.Null(span.GetTagItem("dreaming.session.status"));
    }

    [Fact]
    public async Task Disposing_a_session_while_another_thread_completes_it_never_ends_its_span_as_an_error()
    {
        // Disposal used to check the state and then complete the session as abandoned; a completion that won the race in
        // between made that second completion throw, which disposal took for a store failure: it logged an error and
        // ended the successful session's span as Error. Disposal now claims the session's end itself, atomically.
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.AgentId = agent);
        // The old window was a few instructions wide: 300 rounds hit it about once.
        const int Rounds = 1000;
        var completed = 0;
        for (var i = 0; i < Rounds; i++)
        {
            var session = host.Sessions.StartSession(agent, "race " + i);
            using var start = new Barrier(2);
            var complete = Task.Run(async () =>
            {
                start.SignalAndWait();
                try
                {
                    await session.CompleteAsync();
                    Interlocked.Increment(ref completed);
                }
                catch (SessionStateException)
                {
                    // Disposal ended it first, as abandoned.
                }
            });
            var dispose = Task.Run(async () =>
            {
                start.SignalAndWait();
                await session.DisposeAsync();
            });
            await Task.WhenAll(complete, dispose);
        }

        Assert.Equal(Rounds, spans.Stopped.Count);
        Assert.Equal(completed, spans.Stopped.Count(a => a.Status != ActivityStatusCode.Error));
        Assert.All(spans.Stopped.Where(a => a.Status == ActivityStatusCode.Error), a => Assert.Equal("abandoned", a.GetTagItem("error.type")));
    }

    [Fact]
    public async Task A_session_started_after_another_completed_is_not_a_child_of_its_ended_span()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.AgentId = agent);

        await using var first = host.Sessions.StartSession(agent, "first");
        await first.CompleteAsync();
        await using (var second = host.Sessions.StartSession(agent, "second"))
        {
            await second.CompleteAsync();
        }

        await host.Chat.GetResponseAsync("an unscoped call after the session ended");

        var firstSpan = Assert.Single(spans.Stopped, a => (string?)a.GetTagItem("gen_ai.conversation.id") == first.Id);
        Assert.Equal(3, spans.Stopped.Count);
        Assert.All(spans.Stopped, a => Assert.NotEqual(firstSpan.SpanId, a.ParentSpanId));
    }

    [Fact]
    public async Task The_background_writer_does_not_inherit_the_span_of_the_flow_that_created_it()
    {
        var store = new HookedTraceStore();
        Activity? seen = null;
        var seenAny = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeWrite = (_, _) =>
        {
            seen = Activity.Current;
            seenAny.TrySetResult();
            return Task.CompletedTask;
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store);
        var request = new Activity("host-request-" + Guid.NewGuid().ToString("N")).Start();
        _ = host.Services.GetRequiredService<IAgentSessionFactory>();
        request.Stop();

        await using (var session = host.Sessions.StartSession("otel-" + Guid.NewGuid().ToString("N"), "t"))
        {
            await session.CompleteAsync();
        }

        await seenAny.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(seen);
    }

    [Fact]
    public async Task Disposing_a_sub_session_after_its_parent_completed_leaves_no_ended_span_current()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        await using var host = TracingHost.Create(FakeChatClient.Echo());

        var outer = host.Sessions.StartSession(agent, "outer");
        var inner = host.Sessions.StartSession(agent, "inner", outer.Id);
        await outer.CompleteAsync();
        await inner.DisposeAsync();
        Assert.Null(Activity.Current);
        await outer.DisposeAsync();

        Assert.Null(Activity.Current);
        Assert.Equal(2, spans.Stopped.Count);
    }

    /// <summary>Collects the session spans of one agent, or of every agent when <c>agent</c> is null (the listener is
    /// process-wide: a test that takes every agent's picks its own span by its conversation id).</summary>
    internal sealed class SessionSpans : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly List<Activity> _started = [];
        private readonly List<Activity> _stopped = [];

        public SessionSpans(string? agent = null)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == DreamingTelemetry.SourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStarted = a => Add(_started, a, agent),
                ActivityStopped = a => Add(_stopped, a, agent),
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> Started { get { lock (_started) { return [.. _started]; } } }

        public IReadOnlyList<Activity> Stopped { get { lock (_stopped) { return [.. _stopped]; } } }

        public void Dispose() => _listener.Dispose();

        private static void Add(List<Activity> list, Activity activity, string? agent)
        {
            if (agent is null || (string?)activity.GetTagItem("gen_ai.agent.name") == agent)
            {
                lock (list)
                {
                    list.Add(activity);
                }
            }
        }
    }
}
