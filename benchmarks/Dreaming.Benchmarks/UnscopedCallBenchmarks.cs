using BenchmarkDotNet.Attributes;
using Dreaming;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Benchmarks;

/// <summary>A call made outside any session: <c>UseDreaming()</c> starts a one-call session, records the call, flushes
/// and completes it, so the figure includes waiting for the background writer; against the bare client.</summary>
[MemoryDiagnoser]
public class UnscopedCallBenchmarks
{
    private static readonly List<ChatMessage> s_request = [new(ChatRole.User, "Where is order #W1002?")];
    private IChatClient _bare = null!;
    private IChatClient _dreaming = null!;
    private ServiceProvider _services = null!;
    private ITraceStore _store = null!;
    private int _calls;

    [GlobalSetup]
    public void Setup()
    {
        _bare = new NoOpChatClient();
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore();
        services.AddChatClient(new NoOpChatClient()).UseDreaming();
        _services = services.BuildServiceProvider();
        _dreaming = _services.GetRequiredService<IChatClient>();
        _store = _services.GetRequiredService<ITraceStore>();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "bare no-op client")]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(s_request);

    [Benchmark(Description = "UseDreaming(), call outside a session (one-call session)")]
    public async Task<ChatResponse> Unscoped()
    {
        var response = await _dreaming.GetResponseAsync(s_request).ConfigureAwait(false);
        if (++_calls % 10_000 == 0)
        {
            await _store.PurgeAsync(DateTimeOffset.MaxValue).ConfigureAwait(false);
        }

        return response;
    }
}
