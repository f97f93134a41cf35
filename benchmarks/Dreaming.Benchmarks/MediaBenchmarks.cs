using BenchmarkDotNet.Attributes;
using Dreaming;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Benchmarks;

/// <summary>A call whose user message carries a 5 MB image, made outside any session so that each call is also written
/// (the one-call session is completed, which waits for the writer): against the same call with its text alone, and
/// the bare client. The image is recorded as a note (<c>[attachment: image/png, 5242880 bytes]</c>), never its bytes.</summary>
[MemoryDiagnoser]
public class MediaBenchmarks
{
    private const int ImageBytes = 5 * 1024 * 1024;
    private static readonly List<ChatMessage> s_text = [new(ChatRole.User, "What is in this picture?")];
    private List<ChatMessage> _image = null!;
    private string _dataUri = null!;
    private IChatClient _bare = null!;
    private IChatClient _dreaming = null!;
    private ServiceProvider _services = null!;
    private ITraceStore _store = null!;
    private int _calls;

    [GlobalSetup]
    public void Setup()
    {
        var bytes = new byte[ImageBytes];
        new Random(1).NextBytes(bytes);
        _image = [new(ChatRole.User, [new TextContent("What is in this picture?"), new DataContent(bytes, "image/png")])];
        _dataUri = "data:image/png;base64," + Convert.ToBase64String(bytes);
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

    [Benchmark(Baseline = true, Description = "bare no-op client, 5 MB image")]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(_image);

    [Benchmark(Description = "UseDreaming(), one-call session, text alone")]
    public Task<ChatResponse> Text() => CallAsync(s_text);

    [Benchmark(Description = "UseDreaming(), one-call session, text + 5 MB image (bytes)")]
    public Task<ChatResponse> Image() => CallAsync(_image);

    [Benchmark(Description = "bare no-op client, 5 MB image (new data URI each call)")]
    public Task<ChatResponse> BareDataUri() => _bare.GetResponseAsync(DataUriMessage());

    // A new DataContent each call, read from a data URI as a host that keeps its history as JSON would: matching decodes it once.
    [Benchmark(Description = "UseDreaming(), one-call session, text + 5 MB image (new data URI each call)")]
    public Task<ChatResponse> DataUri() => CallAsync(DataUriMessage());

    private List<ChatMessage> DataUriMessage() => [new(ChatRole.User, [new TextContent("What is in this picture?"), new DataContent(_dataUri)])];

    private async Task<ChatResponse> CallAsync(List<ChatMessage> messages)
    {
        var response = await _dreaming.GetResponseAsync(messages).ConfigureAwait(false);
        if (++_calls % 10_000 == 0)
        {
            await _store.PurgeAsync(DateTimeOffset.MaxValue).ConfigureAwait(false);
        }

        return response;
    }
}
