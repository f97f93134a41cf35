using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AspNetCore.Tests;

/// <summary><see cref="AgentSessionStreamingExtensions.StreamInSessionAsync{T}"/> on its own: how each way a stream ends
/// ends its session, and the session ambient in every step.</summary>
public sealed class StreamInSessionTests : LibraryProviderTests
{
    [Fact]
    public async Task The_session_is_ambient_in_every_step_and_completed_when_the_stream_ends()
    {
        var accessor = Provider.GetRequiredService<IAgentSessionAccessor>();
        var seen = new List<string?>();
        var stream = Sessions.StreamInSessionAsync(Options, (_, token) => Steps(accessor, seen, 3, token));
        Assert.Empty((await Store.QuerySessionsAsync(new SessionQuery())).Items);

        var ids = new List<string>();
        await foreach (var id in stream)
        {
            await Task.Yield();
            ids.Add(id);
            Assert.Null(accessor.Current);
        }

        var record = Assert.Single((await Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Completed, record.Status);
        Assert.Equal([record.Id, record.Id, record.Id], ids);
        Assert.Equal([record.Id, record.Id, record.Id, record.Id], seen);
    }

    [Fact]
    public async Task A_stream_that_completes_its_session_keeps_its_status_and_outcome_and_each_enumeration_has_its_own()
    {
        var stream = Sessions.StreamInSessionAsync(Options, Blocked);
        Assert.Single(await stream.ToListAsync());
        Assert.Single(await stream.ToListAsync());

        var records = (await Store.QuerySessionsAsync(new SessionQuery())).Items;
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal((SessionStatus.Blocked, SessionOutcome.Failure), (r.Status, r.Outcome!.Label)));

        static async IAsyncEnumerable<int> Blocked(IAgentSession session, [EnumeratorCancellation] CancellationToken token)
        {
            yield return 1;
            await session.CompleteAsync(SessionStatus.Blocked, SessionOutcome.Failed(), token);
        }
    }

    [Fact]
    public async Task A_stream_that_throws_fails_its_session_and_the_consumer_gets_the_exception()
    {
        var stream = Sessions.StreamInSessionAsync(Options, Throwing);
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () => await stream.ToListAsync());

        Assert.Equal("tool broke", thrown.Message);
        Assert.Equal(SessionStatus.Failed, Assert.Single((await Store.QuerySessionsAsync(new SessionQuery())).Items).Status);

        static async IAsyncEnumerable<int> Throwing(IAgentSession session, [EnumeratorCancellation] CancellationToken token)
        {
            yield return 1;
            await Task.Yield();
            throw new InvalidOperationException("tool broke");
        }
    }

    [Fact]
    public async Task A_consumer_that_stops_reading_or_cancels_leaves_the_session_abandoned()
    {
        var accessor = Provider.GetRequiredService<IAgentSessionAccessor>();
        await foreach (var _ in Sessions.StreamInSessionAsync(Options, (_, token) => Steps(accessor, [], 5, token)))
        {
            break;
        }

        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Sessions.StreamInSessionAsync(Options, (_, token) => Steps(accessor, [], 5, token), cancel.Token))
            {
                await cancel.CancelAsync();
            }
        });

        var records = (await Store.QuerySessionsAsync(new SessionQuery())).Items;
        Assert.Equal([SessionStatus.Abandoned, SessionStatus.Abandoned], records.Select(r => r.Status));
    }

    [Fact]
    public async Task A_stream_that_ended_is_completed_also_when_its_token_is_cancelled_before_its_end_is_read()
    {
        // The browser goes away after the last item was sent: the answer is done, as aspnetcore.md says of CompleteAsync.
        using var cancel = new CancellationTokenSource();
        await using var items = Sessions.StreamInSessionAsync(Options, (_, _) => OneItem(), cancel.Token).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());
        await cancel.CancelAsync();

        Assert.False(await items.MoveNextAsync());
        Assert.Equal(SessionStatus.Completed, Assert.Single((await Store.QuerySessionsAsync(new SessionQuery())).Items).Status);

        static async IAsyncEnumerable<int> OneItem()
        {
            await Task.Yield();
            yield return 1;
        }
    }

    [Fact]
    public void Missing_arguments_are_refused_by_name()
    {
        Func<IAgentSession, CancellationToken, IAsyncEnumerable<int>> stream = (_, _) => AsyncEnumerable.Empty<int>();
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => ((IAgentSessionFactory)null!).StreamInSessionAsync(Options, stream)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => Sessions.StreamInSessionAsync(null!, stream)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => Sessions.StreamInSessionAsync<int>(Options, null!)).ParamName);
    }

    internal static AgentSessionOptions Options => new() { AgentId = "web", Task = "stream" };

    /// <summary>Yields the ambient session's id <paramref name="count"/> times, awaiting between, noting it after each resumption.</summary>
    private static async IAsyncEnumerable<string> Steps(IAgentSessionAccessor accessor, List<string?> seen, int count, [EnumeratorCancellation] CancellationToken token = default)
    {
        seen.Add(accessor.Current?.Id);
        for (var i = 0; i < count; i++)
        {
            await Task.Delay(1, token);
            yield return accessor.Current!.Id;
            seen.Add(accessor.Current?.Id);
        }
    }
}
