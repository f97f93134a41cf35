using Dreaming.AgentFramework;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.AgentFrameworkTracingTests;

namespace Dreaming.Tests;

/// <summary>A run given an image alone: its session's task and transcript.</summary>
public class UseDreamingSessionsMediaTests
{
    [Fact]
    public async Task A_run_given_an_image_alone_records_its_note_and_takes_the_placeholder_task()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var inner = new ChatClientAgent(new ChatClientBuilder(FakeChatClient.Echo()).UseDreaming().Build(host.Services), name: "viewer");
        var agent = inner.AsBuilder().UseDreamingSessions().Build(host.Services);

        await agent.RunAsync(new ChatMessage(ChatRole.User, [new DataContent(new byte[10], "image/png")])).WaitAsync(TimeSpan.FromSeconds(30));

        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal(DreamingAgentSessionOptions.NoUserMessageTask, record.Task);
        Assert.Equal("[attachment: image/png, 10 bytes]", (await host.EventsAsync(record.Id)).OfType<MessageEvent>().First().Text);
    }
}
