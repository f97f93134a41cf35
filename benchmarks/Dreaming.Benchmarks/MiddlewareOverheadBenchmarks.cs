using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Dreaming;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Benchmarks;

/// <summary>Per-call cost of <c>UseDreaming()</c> on a no-op model, against the bare client and against
/// Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> with a listener attached.</summary>
/// <remarks>Calls run inside a session, as in real use; every 10,000 calls the session is completed and purged from the
/// in-memory store so memory stays flat, which amortises session start, flush and completion into the per-call figure.</remarks>
[MemoryDiagnoser]
public class MiddlewareOverheadBenchmarks
{
    private const int CallsPerSession = 10_000;
    private static readonly List<ChatMessage> s_request = [new(ChatRole.System, "You are a support agent."), new(ChatRole.User, "Where is order #W1002?")];
    private IChatClient _bare = null!;
    private IChatClient _openTelemetry = null!;
    private IChatClient _dreaming = null!;
    private ServiceProvider _services = null!;
    private IAgentSessionFactory _sessions = null!;
    private ITraceStore _store = null!;
    private IAgentSession? _session;
    private int _calls;
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
        _session?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
        _activityListener.Dispose();
        _meterListener.Dispose();
    }

    [Benchmark(Baseline = true, Description = "bare no-op client")]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(s_request);

    [Benchmark(Description = "UseOpenTelemetry() + listener")]
    public Task<ChatResponse> OpenTelemetry() => _openTelemetry.GetResponseAsync(s_request);

    [Benchmark(Description = "UseDreaming() in a session (in-memory store)")]
    public async Task<ChatResponse> Dreaming()
    {
        if (_session is null || ++_calls % CallsPerSession == 0)
        {
            await RotateSessionAsync().ConfigureAwait(false);
        }

        return await _dreaming.GetResponseAsync(s_request).ConfigureAwait(false);
    }

    private async Task RotateSessionAsync()
    {
        if (_session is not null)
        {
            await _session.CompleteAsync().ConfigureAwait(false);
            await _session.DisposeAsync().ConfigureAwait(false);
            await _store.PurgeAsync(DateTimeOffset.MaxValue).ConfigureAwait(false);
        }

        _session = _sessions.StartSession("bench-agent", "benchmark");
    }
}
