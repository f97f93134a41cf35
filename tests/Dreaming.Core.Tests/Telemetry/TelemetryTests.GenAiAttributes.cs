using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>The GenAI attributes a session's span takes from its model client: gen_ai.provider.name (required by the
/// invoke_agent conventions), gen_ai.request.model, server.address and server.port.</summary>
public partial class TelemetryTests
{
    [Fact]
    public async Task A_session_span_takes_the_provider_model_and_endpoint_of_its_first_chat_call_from_the_client_metadata()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        var inner = new MetadataChatClient(FakeChatClient.Echo(), new ChatClientMetadata("openai", new Uri("https://models.example.test:8443/v1"), "gpt-default"));
        await using var host = TracingHost.Create(inner);

        await using (var session = host.Sessions.StartSession(agent, "t"))
        {
            await host.Chat.GetResponseAsync("first", new ChatOptions { ModelId = "gpt-asked" });
            await host.Chat.GetResponseAsync("second", new ChatOptions { ModelId = "gpt-other" });
            await session.CompleteAsync();
        }

        var span = Assert.Single(spans.Stopped);
        Assert.Equal("openai", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("gpt-asked", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("models.example.test", span.GetTagItem("server.address"));
        Assert.Equal(8443, span.GetTagItem("server.port"));
        Assert.Equal(1, inner.MetadataLookups);
    }

    [Fact]
    public async Task A_session_span_without_a_model_in_the_call_takes_the_client_default_model_and_a_streamed_call_counts()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        var inner = new MetadataChatClient(FakeChatClient.Echo(), new ChatClientMetadata("anthropic", defaultModelId: "claude-default"));
        await using var host = TracingHost.Create(inner);

        await using (var session = host.Sessions.StartSession(agent, "t"))
        {
            await foreach (var _ in host.Chat.GetStreamingResponseAsync("streamed"))
            {
            }

            await session.CompleteAsync();
        }

        var span = Assert.Single(spans.Stopped);
        Assert.Equal("anthropic", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("claude-default", span.GetTagItem("gen_ai.request.model"));
        Assert.Null(span.GetTagItem("server.address"));
        Assert.Null(span.GetTagItem("server.port"));
    }

    [Fact]
    public async Task A_provider_given_when_the_session_starts_is_on_the_span_at_creation_and_kept()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        await using var host = TracingHost.Create(new MetadataChatClient(FakeChatClient.Echo(), new ChatClientMetadata("openai")));

        await using (var session = host.Sessions.StartSession(new AgentSessionOptions { AgentId = agent, Task = "t", ProviderName = "azure.ai.openai" }))
        {
            // Samplers see the attributes given at creation: the span has the provider before any call.
            Assert.Equal("azure.ai.openai", Assert.Single(spans.Started).GetTagItem("gen_ai.provider.name"));
            await host.Chat.GetResponseAsync("hi");
            await session.CompleteAsync();
        }

        Assert.Equal("azure.ai.openai", Assert.Single(spans.Stopped).GetTagItem("gen_ai.provider.name"));
    }

    [Fact]
    public async Task A_one_call_session_has_its_client_provider_when_its_span_is_created()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        await using var host = TracingHost.Create(
            new MetadataChatClient(FakeChatClient.Echo(), new ChatClientMetadata("openai")),
            pipeline: chat => chat.UseDreaming(c => c.AgentId = agent));

        await host.Chat.GetResponseAsync("outside any session");

        Assert.Equal("openai", Assert.Single(spans.Started).GetTagItem("gen_ai.provider.name"));
    }

    [Fact]
    public async Task A_session_span_has_no_provider_when_the_client_names_none()
    {
        var agent = "otel-" + Guid.NewGuid().ToString("N");
        using var spans = new SessionSpans(agent);
        await using var host = TracingHost.Create(new MetadataChatClient(FakeChatClient.Echo(), metadata: null));

        await using (var session = host.Sessions.StartSession(agent, "t"))
        {
            await host.Chat.GetResponseAsync("hi");
            await session.CompleteAsync();
        }

        var span = Assert.Single(spans.Stopped);
        Assert.Null(span.GetTagItem("gen_ai.provider.name"));
        Assert.Null(span.GetTagItem("gen_ai.request.model"));
    }

    [Fact]
    public async Task A_response_without_a_model_id_is_recorded_with_the_client_default_model_read_once_not_on_every_call()
    {
        var inner = new MetadataChatClient(
            new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))) },
            new ChatClientMetadata("openai", defaultModelId: "gpt-default"));
        await using var host = TracingHost.Create(inner);
        string id;
        await using (var session = host.Sessions.StartSession("default-model", "t"))
        {
            id = session.Id;
            for (var i = 0; i < 3; i++)
            {
                await host.Chat.GetResponseAsync("call " + i);
            }

            await session.CompleteAsync();
        }

        var responses = (await host.EventsAsync(id)).OfType<ModelResponseEvent>().ToList();
        Assert.Equal(3, responses.Count);
        Assert.All(responses, r => Assert.Equal("gpt-default", r.ModelId));
        Assert.Equal(1, inner.MetadataLookups);
    }

    /// <summary>A client that exposes the given metadata (or none) and counts how often it was asked for it.</summary>
    private sealed class MetadataChatClient(IChatClient inner, ChatClientMetadata? metadata) : DelegatingChatClient(inner)
    {
        private int _lookups;

        public int MetadataLookups => Volatile.Read(ref _lookups);

        public override object? GetService(Type serviceType, object? serviceKey = null)
        {
            if (serviceType == typeof(ChatClientMetadata))
            {
                Interlocked.Increment(ref _lookups);
                return metadata;
            }

            return base.GetService(serviceType, serviceKey);
        }
    }
}
