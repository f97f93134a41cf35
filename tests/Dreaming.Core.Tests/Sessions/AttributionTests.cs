using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public class AttributionTests
{
    [Fact]
    public async Task Fifty_concurrent_sessions_never_mix_events()
    {
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = async (messages, _, ct) =>
            {
                // Hop threads inside the provider call, as real HTTP clients do.
                await Task.Delay(Random.Shared.Next(0, 3), ct).ConfigureAwait(false);
                var last = messages.Last(m => m.Role == ChatRole.User).Text;
                return new ChatResponse(new ChatMessage(ChatRole.Assistant, "re " + last));
            },
        };
        await using var host = TracingHost.Create(inner);
        var ids = new string[50];

        await Parallel.ForEachAsync(Enumerable.Range(0, 50), new ParallelOptions { MaxDegreeOfParallelism = 50 }, async (n, ct) =>
        {
            await using var session = host.Sessions.StartSession("agent-" + n, "task-" + n);
            ids[n] = session.Id;
            for (var turn = 0; turn < 4; turn++)
            {
                // Resolve the client from DI each turn and continue on other threads: attribution must follow the flow.
                var chat = host.Services.GetRequiredService<IChatClient>();
                await Task.Run(async () => await chat.GetResponseAsync($"s{n}-t{turn}", cancellationToken: ct).ConfigureAwait(false), ct);
                await Task.Yield();
            }

            await session.CompleteAsync(cancellationToken: ct);
        });

        for (var n = 0; n < 50; n++)
        {
            var events = await host.EventsAsync(ids[n]);
            var texts = events.OfType<MessageEvent>().Select(m => m.Text).ToList();
            Assert.Equal(
                Enumerable.Range(0, 4).SelectMany(t => new[] { $"s{n}-t{t}", $"re s{n}-t{t}" }),
                texts);
            Assert.Equal(4, events.OfType<ModelResponseEvent>().Count());
            Assert.Equal("agent-" + n, (await host.Store.GetSessionAsync(ids[n]))!.AgentId);
        }

        var all = await host.Store.QuerySessionsAsync(new SessionQuery { PageSize = 1000 });
        Assert.Equal(50, all.Items.Count);
    }
}
