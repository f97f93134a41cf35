using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AspNetCore.Tests;

/// <summary><see cref="AgentSessionStreamingExtensions.StreamInSessionAsync{T}"/>'s less travelled ends: a stream that
/// cannot even be made, a disposal that throws, and the consumer's span, which the session's must not replace.</summary>
public sealed class StreamInSessionEdgeTests : LibraryProviderTests
{
    [Fact]
    public async Task A_stream_that_cannot_be_made_fails_its_session_and_the_consumer_gets_the_exception()
    {
        var stream = Sessions.StreamInSessionAsync<int>(StreamInSessionTests.Options, (_, _) => throw new ArgumentException("bad question", "q"));

        Assert.Equal("q", (await Assert.ThrowsAsync<ArgumentException>(async () => await stream.ToListAsync())).ParamName);
        Assert.Equal(SessionStatus.Failed, Assert.Single((await Store.QuerySessionsAsync(new SessionQuery())).Items).Status);
    }

    [Fact]
    public async Task A_consumer_that_stops_early_gets_the_exception_of_a_throwing_disposal_and_the_session_is_abandoned()
    {
        await using (var items = Sessions.StreamInSessionAsync(StreamInSessionTests.Options, (_, _) => ThrowsOnDispose()).GetAsyncEnumerator())
        {
            Assert.True(await items.MoveNextAsync());
            Assert.Equal("cleanup broke", (await Assert.ThrowsAsync<InvalidOperationException>(async () => await items.DisposeAsync())).Message);
        }

        Assert.Equal(SessionStatus.Abandoned, Assert.Single((await Store.QuerySessionsAsync(new SessionQuery())).Items).Status);

        static async IAsyncEnumerable<int> ThrowsOnDispose()
        {
            try
            {
                await Task.Yield();
                yield return 1;
                yield return 2;
            }
            finally
            {
                CleanUp();
            }
        }

        static void CleanUp() => throw new InvalidOperationException("cleanup broke");
    }

    [Fact]
    public async Task Every_step_runs_under_the_session_span_and_the_consumer_keeps_its_own()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is DreamingTelemetry.SourceName or nameof(StreamInSessionEdgeTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource(nameof(StreamInSessionEdgeTests));
        using var request = source.StartActivity("request")!;
        var parents = new List<string?>();

        await foreach (var _ in Sessions.StreamInSessionAsync(StreamInSessionTests.Options, (_, _) => Steps(parents)))
        {
            Assert.Same(request, Activity.Current);
            await Task.Yield();
            Assert.Same(request, Activity.Current);
        }

        Assert.Same(request, Activity.Current);
        var session = Assert.Single(parents.Distinct());
        Assert.NotNull(session);
        Assert.NotEqual(request.SpanId.ToHexString(), session);
        Assert.Equal(3, parents.Count);

        static async IAsyncEnumerable<int> Steps(List<string?> parents)
        {
            for (var i = 0; i < 3; i++)
            {
                await Task.Yield();
                parents.Add(Activity.Current?.Source.Name == DreamingTelemetry.SourceName ? Activity.Current.SpanId.ToHexString() : null);
                yield return i;
            }
        }
    }
}
