using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Dreaming;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Benchmarks;

/// <summary>Per-call cost of <c>UseDreaming()</c> on a no-op model, against the bare client and against
/// Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> with a listener attached.</summary>
/// <remarks>
/// Calls run inside a session, as in real use. The session is started before each iteration and completed (and purged
/// from the in-memory store) after it, so memory stays flat and the per-call figure holds only the call's own cost.
/// <see cref="UnscopedCallBenchmarks"/> measures calls made outside any session.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(CallsPerIteration)]
public class MiddlewareOverheadBenchmarks
{
    private const int CallsPerIteration = 20_000;
    private static readonly List<ChatMessage> s_request = [new(ChatRole.System, "You are a support agent."), new(ChatRole.User, "Where is order #W1002?")];
    private IChatClient _bare = null!;
    private IChatClient _openTelemetry = null!;
    private IChatClient _dreaming = null!;
    private ServiceProvider _services = null!;
    private IAgentSessionFactory _sessions = null!;
    private ITraceStore _store = null!;
    private IAgentSession? _session;
    private ActivityListener _activityListener = null!;
    private MeterListener _meterListener = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bare = new NoOpChatClient();

        _activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "bench.otel",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activityListener);
        _meterListener = new MeterListener { InstrumentPublished = (i, l) => { if (i.Meter.Name == "bench.otel") { l.EnableMeasurementEvents(i); } } };
        _meterListener.Start();
        _openTelemetry = new ChatClientBuilder(new NoOpChatClient()).UseOpenTelemetry(sourceName: "bench.otel").Build();

        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore();
        services.AddChatClient(new NoOpChatClient()).UseDreaming();
        _services = services.BuildServiceProvider();
        _dreaming = _services.GetRequiredService<IChatClient>();
        _sessions = _services.GetRequiredService<IAgentSessionFactory>();
        _store = _services.GetRequiredService<ITraceStore>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _activityListener.Dispose();
        _meterListener.Dispose();
    }

    // Synchronous, so the session stays ambient on the benchmark thread for the iteration's calls.
    [IterationSetup(Target = nameof(Dreaming))]
    public void StartSession() => _session = _sessions.StartSession("bench-agent", "benchmark");

    [IterationCleanup(Target = nameof(Dreaming))]
    public void EndSession()
    {
        _session!.CompleteAsync().GetAwaiter().GetResult();
        _session.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store.PurgeAsync(DateTimeOffset.MaxValue).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "bare no-op client")]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(s_request);

    [Benchmark(Description = "UseOpenTelemetry() + listener")]
    public Task<ChatResponse> OpenTelemetry() => _openTelemetry.GetResponseAsync(s_request);

    [Benchmark(Description = "UseDreaming(), call in a session (in-memory store)")]
    public Task<ChatResponse> Dreaming() => _dreaming.GetResponseAsync(s_request);
}
