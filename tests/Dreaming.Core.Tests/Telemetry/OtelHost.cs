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

    private readonly LockedCollection<Activity> _spans;
    private readonly LockedCollection<Metric> _metrics;

    private OtelHost(ServiceProvider services, LockedCollection<Activity> spans, LockedCollection<Metric> metrics)
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
    /// <param name="clientTelemetry">Whether the chat pipeline has Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c>
    /// (tracing.md's pipeline); without it, only Dreaming's spans and those of whatever else is instrumented.</param>
    public static OtelHost Create(IChatClient model, Sampler? sampler = null, Action<DreamingOptions>? options = null, Action<IDreamingBuilder>? dreaming = null, bool clientTelemetry = true)
    {
        // The exporters add from whichever thread ends a span (other tests' too, the listeners being process-wide) or
        // collects metrics, so the collections lock every access, reads included.
        var spans = new LockedCollection<Activity>();
        var metrics = new LockedCollection<Metric>();
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents(options);
        dreaming?.Invoke(builder);

        // The docs' pipeline: UseDreaming() outside UseFunctionInvocation() (tracing.md's recommendation), with
        // UseOpenTelemetry() inside it, so that each model round trip is a chat span and each tool call an execute_tool span.
        var pipeline = services.AddChatClient(model)
            .UseDreaming()
            .UseFunctionInvocation();
        if (clientTelemetry)
        {
            pipeline.UseOpenTelemetry();
        }

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
        return [.. _spans.Snapshot().Where(s => s.TraceId == traceId)];
    }

    /// <summary>Every exported span.</summary>
    public IReadOnlyList<Activity> Spans()
    {
        Tracer.ForceFlush();
        return _spans.Snapshot();
    }

    /// <summary>The metrics exported by a collection now.</summary>
    public IReadOnlyList<Metric> CollectMetrics()
    {
        _metrics.Clear();
        Meter.ForceFlush();
        return _metrics.Snapshot();
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

/// <summary>A collection an exporter may add to from any thread while a test reads a snapshot.</summary>
internal sealed class LockedCollection<T> : ICollection<T>
{
    private readonly Lock _lock = new();
    private readonly List<T> _items = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public List<T> Snapshot()
    {
        lock (_lock)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        lock (_lock)
        {
            _items.Add(item);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _items.Clear();
        }
    }

    public bool Contains(T item)
    {
        lock (_lock)
        {
            return _items.Contains(item);
        }
    }

    public void CopyTo(T[] array, int arrayIndex)
    {
        lock (_lock)
        {
            _items.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(T item)
    {
        lock (_lock)
        {
            return _items.Remove(item);
        }
    }

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
