using System.Diagnostics;
using Microsoft.Extensions.AI;
using OpenTelemetry.Trace;

namespace Dreaming.Tests;

public sealed partial class OpenTelemetrySdkTests
{
    public static TheoryData<string> Samplers => ["always_off", "parent_not_sampled", "default"];

    /// <summary>Tracing to the store does not depend on OpenTelemetry's sampling: a session whose span the SDK drops
    /// (an AlwaysOff sampler, or the default parent-based one under a parent that was not sampled) is stored as fully as
    /// one whose span is exported.</summary>
    [Theory]
    [MemberData(nameof(Samplers))]
    public async Task The_store_records_a_session_fully_whatever_the_sampler_decides(string sampling)
    {
        await using var host = OtelHost.Create(OtelHost.ToolCallingModel(), sampling == "always_off" ? new AlwaysOffSampler() : null);

        // A request whose caller decided not to sample it (traceparent flags 00).
        var unsampled = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, isRemote: true);
        using var request = sampling == "parent_not_sampled" ? OtelHost.Requests.StartActivity("GET /orders", ActivityKind.Server, unsampled) : null;
        string id;
        await using (var session = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "sampled-" + sampling, Task = "where is 42" }))
        {
            id = session.Id;
            await foreach (var _ in host.Chat.GetStreamingResponseAsync("where is my order 42?", OtelHost.WithLookup()))
            {
            }

            await host.Chat.GetResponseAsync("and order 43?", OtelHost.WithLookup());
            await session.CompleteAsync();
        }

        var record = await host.Store.GetSessionAsync(id);
        Assert.NotNull(record);
        Assert.Equal(SessionStatus.Completed, record.Status);
        Assert.Equal(40, record.Usage.InputTokens);
        Assert.Equal(0, record.DroppedEventCount);
        var events = await host.Store.GetEventsAsync(id);
        Assert.Equal(2, events.OfType<ModelResponseEvent>().Count());
        Assert.Equal(["lookup", "lookup"], events.OfType<ToolCallEvent>().Select(c => c.ToolName));
        Assert.Equal(2, events.OfType<ToolResultEvent>().Count());
        if (sampling == "default")
        {
            var span = Assert.Single(host.Spans(), s => (string?)s.GetTagItem("gen_ai.conversation.id") == id);
            Assert.True(span.Recorded);
        }
    }

    [Fact]
    public async Task Failed_and_abandoned_sessions_are_exported_with_status_error_and_error_type()
    {
        var agent = "errors-" + Guid.NewGuid().ToString("N");
        var model = new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => throw new HttpRequestException("the model is down: secret-user-42") };
        await using var host = OtelHost.Create(model, options: o => o.AgentId = agent);
        ActivityTraceId trace;
        using (var request = OtelHost.Requests.StartActivity("POST /chat"))
        {
            trace = request!.TraceId;
            await using (var failed = host.Sessions.StartSession(agent, "fails"))
            {
                await failed.CompleteAsync(SessionStatus.Failed);
            }

            await using (host.Sessions.StartSession(agent, "abandoned"))
            {
            }

            // A one-call session whose model call throws.
            await Assert.ThrowsAsync<HttpRequestException>(() => host.Chat.GetResponseAsync("hi"));
            Assert.Same(request, Activity.Current);
        }

        var agents = host.Trace(trace).Where(s => s.DisplayName == "invoke_agent " + agent).ToList();
        Assert.Equal(3, agents.Count);
        Assert.All(agents, s => Assert.Equal(ActivityStatusCode.Error, s.Status));
        Assert.Equal(["abandoned", "failed", "failed"], agents.Select(s => (string)s.GetTagItem("error.type")!).Order());
        Assert.All(agents, s => Assert.Equal(s.GetTagItem("error.type"), s.GetTagItem("dreaming.session.status")));
    }
}
