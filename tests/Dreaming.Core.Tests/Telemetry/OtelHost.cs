using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Dreaming.Tests;

/// <summary>Dreaming, a chat pipeline and the real OpenTelemetry SDK wired as tracing.md#opentelemetry tells an adopter,
/// exporting to memory. The SDK's listeners are process-wide, so the spans of other tests are exported too: a test
/// reads only the trace of its own request span (<see cref="Trace"/>), and metric points of its own agent.</summary>
internal sealed class OtelHost : IAsyncDisposable
{
    /// <summary>The test's "request" span source (an ASP.NET Core request, say), added to the tracer.</summary>
    public static readonly ActivitySource Requests = new("Dreaming.Tests.Requests");

    private readonly List<Activity> _spans;
    private readonly List<Metric> _metrics;

    private OtelHost(ServiceProvider services, List<Activity> spans, List<Metric> metrics)
    {
        Services = services;
        _spans = spans;
        _metrics = metrics;
    }

    public ServiceProvider Services { get; }

    public ITraceStore Store => Services.GetRequiredService<ITraceStore>();

    public IAgentSessionFactory Sessions => Services.GetRequiredService<IAgentSessionFactory>();

    public IChatClient Chat => Services.GetRequiredService<IChatClient>();

    public TracerProvider Tracer => Services.GetRequiredService<TracerProvider>();

    public MeterProvider Meter => Services.GetRequiredService<MeterProvider>();

    /// <param name="model">The provider's client.</param>
    /// <param name="sampler">The tracer's sampler; the SDK's default (parent-based, always on) when null.</param>
    /// <param name="options">Dreaming's options.</param>
    /// <param name="dreaming">More of Dreaming (an orchestrator, say).</param>
    public static OtelHost Create(IChatClient model, Sampler? sampler = null, Action<DreamingOptions>? options = null, Action<IDreamingBuilder>? dreaming = null)
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents(options);
        dreaming?.Invoke(builder);

        // The docs' pipeline: UseDreaming() outside UseFunctionInvocation() (tracing.md's recommendation), with
        // UseOpenTelemetry() inside it, so that each model round trip is a chat span and each tool call an execute_tool span.
        services.AddChatClient(model)
            .UseDreaming()
            .UseFunctionInvocation()
            .UseOpenTelemetry();
        services.AddOpenTelemetry()
            .WithTracing(t =>
            {
                t.AddSource("Dreaming.Core").AddSource("Experimental.Microsoft.Extensions.AI").AddSource("Experimental.Microsoft.Agents.AI").AddSource(Requests.Name).AddInMemoryExporter(spans);
                if (sampler is not null)
                {
                    t.SetSampler(sampler);
                }
            })
            .WithMetrics(m => m.AddMeter("Dreaming.Core").AddInMemoryExporter(metrics));
        var host = new OtelHost(services.BuildServiceProvider(), spans, metrics);

        // Without a generic host nothing resolves the providers: resolving them starts their listeners.
        _ = host.Tracer;
        _ = host.Meter;
        return host;
    }

    /// <summary>The exported spans of one trace, in the order they ended.</summary>
    public IReadOnlyList<Activity> Trace(ActivityTraceId traceId)
    {
        Tracer.ForceFlush();
        lock (_spans)
        {
            return [.. _spans.Where(s => s.TraceId == traceId)];
        }
    }

    /// <summary>Every exported span.</summary>
    public IReadOnlyList<Activity> Spans()
    {
        Tracer.ForceFlush();
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    /// <summary>The metrics exported by a collection now.</summary>
    public IReadOnlyList<Metric> CollectMetrics()
    {
        lock (_metrics)
        {
            _metrics.Clear();
        }

        Meter.ForceFlush();
        lock (_metrics)
        {
            return [.. _metrics];
        }
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync().WithinAsync("disposing the host (and its trace writer)");

    /// <summary>A model that asks for <c>lookup(id: "42")</c> until it has the tool's result, then answers.</summary>
    public static FakeChatClient ToolCallingModel() => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            var answered = messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any());
            var message = answered
                ? new ChatMessage(ChatRole.Assistant, "order 42 has shipped")
                : new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_1", "lookup", new Dictionary<string, object?> { ["id"] = "42" })]);
            return Task.FromResult(new ChatResponse(message)
            {
                ModelId = "gpt-test",
                FinishReason = answered ? ChatFinishReason.Stop : ChatFinishReason.ToolCalls,
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 },
            });
        },
    };

    /// <summary>Options with the <c>lookup</c> tool.</summary>
    public static ChatOptions WithLookup() => new() { Tools = [AIFunctionFactory.Create((string id) => "shipped " + id, "lookup", "Looks an order up.")] };

    /// <summary>Reads a span's tags as strings (numbers as their JSON text).</summary>
    public static string? Tag(Activity span, string name) => span.GetTagItem(name) switch
    {
        null => null,
        string s => s,
        var o => JsonSerializer.Serialize(o),
    };
}
