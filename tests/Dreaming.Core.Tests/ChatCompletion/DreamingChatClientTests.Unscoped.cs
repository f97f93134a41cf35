using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class DreamingChatClientTests
{
    [Fact]
    public async Task Unscoped_calls_become_one_call_sessions_by_default()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.AgentId = "support-bot");
        await host.Chat.GetResponseAsync("where is my order?");
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);

        var page = await host.Store.QuerySessionsAsync(new SessionQuery());
        var session = Assert.Single(page.Items);
        Assert.Equal("support-bot", session.AgentId);
        Assert.Equal("where is my order?", session.Task);
        Assert.Equal(SessionStatus.Completed, session.Status);
        Assert.Equal("true", session.Metadata["dreaming.unscoped"]);
        Assert.Equal(3, session.EventCount);
    }

    [Fact]
    public async Task Unscoped_calls_that_fail_end_their_session_as_failed()
    {
        var inner = new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => throw new TimeoutException("slow") };
        await using var host = TracingHost.Create(inner);
        await Assert.ThrowsAsync<TimeoutException>(() => host.Chat.GetResponseAsync("hi"));

        var session = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Failed, session.Status);
    }

    [Fact]
    public async Task Unscoped_calls_are_not_recorded_when_ignored()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.UnscopedCalls = UnscopedCallHandling.Ignore);
        var response = await host.Chat.GetResponseAsync("hi");
        await foreach (var _ in host.Chat.GetStreamingResponseAsync("hi"))
        {
        }

        Assert.Equal("echo: hi", response.Text);
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);
        Assert.Empty((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
    }

    [Fact]
    public async Task Calls_after_the_session_ended_do_not_fail_the_host()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.UnscopedCalls = UnscopedCallHandling.Ignore);
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.CompleteAsync();

        var response = await host.Chat.GetResponseAsync("still there?");
        Assert.Equal("echo: still there?", response.Text);
        Assert.Empty(await host.EventsAsync(session.Id));
    }

    [Fact]
    public void UseDreaming_without_AddDreamingAgents_names_the_missing_registration()
    {
        var services = new ServiceCollection();
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("AddDreamingAgents", ex.Message, StringComparison.Ordinal);
    }
}
