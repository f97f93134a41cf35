using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Dreaming.Tests;

public class MemoryInjectionTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task The_session_is_given_the_active_memory_once_and_its_citations_are_recorded()
    {
        var prompts = new List<List<ChatMessage>>();
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                prompts.Add(messages.ToList());
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Following [ins-refund] and [ins-made-up], done.")));
            },
        };
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore();
        services.AddChatClient(model).UseDreaming();
        await using var provider = services.BuildServiceProvider();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var version = await memory.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.Person("ada"), Insights = [Insight("ins-refund", "Refund at most the order total."), Insight("ins-hidden", "Never shown.", InsightStatus.Quarantined)] });
        await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ada"));

        await using (var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "Refund order #W1"))
        {
            var chat = provider.GetRequiredService<IChatClient>();
            await chat.GetResponseAsync("Refund 150");
            await chat.GetResponseAsync("And again");
            await session.CompleteAsync();

            var events = await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id);
            var injected = Assert.Single(events.OfType<InsightsInjectedEvent>());
            Assert.Equal(version.Id, injected.MemoryVersionId);
            Assert.Equal(["ins-refund"], injected.InsightIds);
            Assert.All(events.OfType<InsightsCitedEvent>(), e => Assert.Equal(["ins-refund"], e.InsightIds));
            Assert.Equal(2, events.OfType<InsightsCitedEvent>().Count());
            Assert.DoesNotContain(events.OfType<MessageEvent>(), m => m.Text.Contains(InsightRanker.Header, StringComparison.Ordinal));
        }

        Assert.All(prompts, p => Assert.StartsWith(InsightRanker.Header, p[0].Text, StringComparison.Ordinal));
        Assert.All(prompts, p => Assert.DoesNotContain("Never shown", p[0].Text, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task The_memory_goes_after_the_hosts_leading_system_messages_and_before_its_first_other_message(bool streaming, bool oneCallSession)
    {
        // Providers cache a prompt by its exact prefix: the host's static system prompt must stay in front.
        var prompts = new List<List<ChatMessage>>();
        await using var provider = await HostWithOneInsightAsync(prompts);
        var chat = provider.GetRequiredService<IChatClient>();
        ChatMessage[] host = [new(ChatRole.System, "You are a support agent."), new(ChatRole.System, "Answer in English."), new(ChatRole.User, "Refund 150"), new(ChatRole.System, "Be brief."), new(ChatRole.User, "Now")];

        var session = oneCallSession ? null : provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "Refund order #W1");
        await (streaming ? chat.GetStreamingResponseAsync(host).ToChatResponseAsync() : chat.GetResponseAsync(host));
        await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
        if (session is not null)
        {
            await session.DisposeAsync();
        }

        Assert.Equal(2, prompts.Count);
        var sent = prompts[0];
        Assert.Equal(host.Length + 1, sent.Count);
        Assert.Equal(host[..2], sent[..2]);
        Assert.Equal(ChatRole.System, sent[2].Role);
        Assert.StartsWith(InsightRanker.Header, sent[2].Text, StringComparison.Ordinal);
        Assert.Equal(host[2..], sent[3..]);

        // With no system message of the host's the memory comes first, as before.
        Assert.StartsWith(InsightRanker.Header, prompts[1][0].Text, StringComparison.Ordinal);
        Assert.Equal("hi", prompts[1][1].Text);
    }

    [Fact]
    public async Task A_memory_store_that_fails_leaves_the_session_running_without_memory()
    {
        var broken = Substitute.For<IMemoryStore>();
        broken.GetActiveVersionAsync(default!, default).ThrowsAsyncForAnyArgs(new IOException("disk gone"));
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore().UseMemoryStore(_ => broken);
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        await using var provider = services.BuildServiceProvider();

        await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "task");
        var response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");
        await session.CompleteAsync();

        Assert.Equal("echo: hi", response.Text);
        Assert.Empty((await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id)).OfType<InsightsInjectedEvent>());
    }

    [Fact]
    public async Task A_memory_store_that_times_out_leaves_every_call_of_the_session_running_without_memory()
    {
        var slow = Substitute.For<IMemoryStore>();
        slow.GetActiveVersionAsync(default!, default).ThrowsAsyncForAnyArgs(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."));
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore().UseMemoryStore(_ => slow);
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "task");
        var first = await chat.GetResponseAsync("hi");
        var second = await chat.GetResponseAsync("again");
        await session.CompleteAsync();

        Assert.Equal(["echo: hi", "echo: again"], [first.Text, second.Text]);
        // Each scope is looked up once (the agent's and the global one: the session has no team), never again per call.
        await slow.ReceivedWithAnyArgs(2).GetActiveVersionAsync(default!, default);
        await slow.Received(1).GetActiveVersionAsync(s_scope, Arg.Any<CancellationToken>());
        await slow.Received(1).GetActiveVersionAsync(MemoryScope.Global, Arg.Any<CancellationToken>());
        var events = await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id);
        Assert.Empty(events.OfType<ErrorEvent>());
        Assert.Empty(events.OfType<InsightsInjectedEvent>());
    }

    [Fact]
    public async Task An_id_cited_only_as_part_of_a_longer_id_is_not_recorded_as_cited()
    {
        // Ids a person chose: one is the start of another, and citing the longer one is not citing the shorter.
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Following [refund-10] and [xrefund-2], done."))),
        };
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore();
        services.AddChatClient(model).UseDreaming();
        await using var provider = services.BuildServiceProvider();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var version = await memory.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.Person("ada"), Insights = [Insight("refund-1", "Refund at most the order total."), Insight("refund-10", "Look the order up first."), Insight("refund-2", "Say when the refund arrives.")] });
        await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ada"));

        await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "Refund order #W1");
        await provider.GetRequiredService<IChatClient>().GetResponseAsync("Refund 150");
        await session.CompleteAsync();

        var events = await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id);
        Assert.Equal(3, Assert.Single(events.OfType<InsightsInjectedEvent>()).InsightIds.Count);
        Assert.Equal(["refund-10"], Assert.Single(events.OfType<InsightsCitedEvent>()).InsightIds);
    }

    [Fact]
    public async Task The_memory_goes_after_the_hosts_leading_developer_messages_too()
    {
        // OpenAI's "developer" role (which Microsoft.Extensions.AI.OpenAI sends as such) is a system prompt for its
        // reasoning models: a host's static one must stay a prefix too.
        var prompts = new List<List<ChatMessage>>();
        await using var provider = await HostWithOneInsightAsync(prompts);
        ChatMessage[] host = [new(new ChatRole("developer"), "You are a support agent."), new(ChatRole.System, "Answer in English."), new(ChatRole.User, "Refund 150")];

        await using (provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "Refund order #W1"))
        {
            await provider.GetRequiredService<IChatClient>().GetResponseAsync(host);
        }

        var sent = Assert.Single(prompts);
        Assert.Equal(host[..2], sent[..2]);
        Assert.Equal(ChatRole.System, sent[2].Role);
        Assert.StartsWith(InsightRanker.Header, sent[2].Text, StringComparison.Ordinal);
        Assert.Same(host[2], sent[3]);
    }

    [Fact]
    public async Task Cited_ids_are_recorded_in_the_order_the_answer_cites_them_not_the_order_they_were_given()
    {
        // InsightsCitedEvent.InsightIds: "in the order they first appear"; the memory lists them in its versions' order.
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(
                [new ChatMessage(ChatRole.Assistant, "Following [ins-c], then [ins-a]."), new ChatMessage(ChatRole.Assistant, "And [ins-b], [ins-a].")])),
        };
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore();
        services.AddChatClient(model).UseDreaming();
        await using var provider = services.BuildServiceProvider();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var version = await memory.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.Person("ada"), Insights = [Insight("ins-a", "Look the order up first."), Insight("ins-b", "Refund at most the order total."), Insight("ins-c", "Say when the refund arrives.")] });
        await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ada"));

        await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "Refund order #W1");
        await provider.GetRequiredService<IChatClient>().GetResponseAsync("Refund 150");
        await session.CompleteAsync();

        var events = await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id);
        Assert.Equal(["ins-a", "ins-b", "ins-c"], Assert.Single(events.OfType<InsightsInjectedEvent>()).InsightIds);
        Assert.Equal(["ins-c", "ins-a", "ins-b"], Assert.Single(events.OfType<InsightsCitedEvent>()).InsightIds);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_cancelled_while_the_memory_lookup_hangs_ends_with_its_cancellation(bool streaming)
    {
        var hanging = new TaskCompletionSource<MemoryVersion?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = Substitute.For<IMemoryStore>();
        store.GetActiveVersionAsync(default!, default).ReturnsForAnyArgs(hanging.Task);
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore().UseMemoryStore(_ => store);
        var prompts = new List<List<ChatMessage>>();
        var echo = FakeChatClient.Echo();
        var reply = echo.GetResponseAsyncCallback!;
        echo.GetResponseAsyncCallback = (messages, options, token) =>
        {
            prompts.Add(messages.ToList());
            return reply(messages, options, token);
        };
        services.AddChatClient(echo).UseDreaming();
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();
        var versions = new InMemoryMemoryStore();
        var proposed = await versions.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.Person("ada"), Insights = [Insight("ins-refund", "Refund at most the order total.")] });
        var active = await versions.ApproveAsync(proposed.Id, MemoryAuthor.Person("ada"));

        await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "task");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Task call = streaming
            ? Task.Run(async () =>
            {
                await foreach (var _ in chat.GetStreamingResponseAsync("hi", cancellationToken: cancel.Token))
                {
                }
            })
            : chat.GetResponseAsync("hi", cancellationToken: cancel.Token);

        // Before the fix the call waited for the store whatever its token said: the wait below timed out.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));

        // The lookup is still the session's: once the store answers, the next call has the memory.
        hanging.SetResult(active);
        Assert.Equal("echo: again", (await chat.GetResponseAsync("again")).Text);
        await session.CompleteAsync();
        Assert.StartsWith(InsightRanker.Header, Assert.Single(prompts)[0].Text, StringComparison.Ordinal);
        var events = await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id);
        Assert.True(Assert.Single(events.OfType<ErrorEvent>()).IsCancellation);
        Assert.Equal(["ins-refund"], Assert.Single(events.OfType<InsightsInjectedEvent>()).InsightIds);
        await store.Received(1).GetActiveVersionAsync(s_scope, Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_session_whose_only_call_was_cancelled_during_the_lookup_records_no_memory_given(bool streaming)
    {
        // The model never saw the memory, so the next dream must not credit or blame it for this session's outcome.
        var hanging = new TaskCompletionSource<MemoryVersion?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = Substitute.For<IMemoryStore>();
        store.GetActiveVersionAsync(default!, default).ReturnsForAnyArgs(hanging.Task);
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore().UseMemoryStore(_ => store);
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();
        var versions = new InMemoryMemoryStore();
        var proposed = await versions.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.Person("ada"), Insights = [Insight("ins-refund", "Refund at most the order total.")] });
        var active = await versions.ApproveAsync(proposed.Id, MemoryAuthor.Person("ada"));

        await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "task");
        using var cancel = new CancellationTokenSource();
        Task call = streaming
            ? Task.Run(async () =>
            {
                await foreach (var _ in chat.GetStreamingResponseAsync("hi", cancellationToken: cancel.Token))
                {
                }
            })
            : chat.GetResponseAsync("hi", cancellationToken: cancel.Token);
        var lookup = await WaitForLookupAsync((AgentSession)session);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));

        // The store answers after the call gave up, and the lookup (with whatever it does once answered) finishes.
        hanging.SetResult(active);
        Assert.NotNull(await lookup.WaitAsync(TimeSpan.FromSeconds(30)));
        await session.CompleteAsync();

        var events = await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id);
        Assert.True(Assert.Single(events.OfType<ErrorEvent>()).IsCancellation);
        Assert.Empty(events.OfType<InsightsInjectedEvent>());
    }

    private static async Task<Task<InjectedMemory?>> WaitForLookupAsync(AgentSession session)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Task<InjectedMemory?>? lookup;
        while ((lookup = session.Memory) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the call did not start the memory lookup");
            await Task.Delay(5);
        }

        return lookup;
    }

    private static Insight Insight(string id, string text, InsightStatus status = InsightStatus.Active) => new()
    {
        Id = id,
        Text = text,
        Scope = s_scope,
        Status = status,
        Source = InsightSource.Human,
        CreatedAt = s_time,
        UpdatedAt = s_time,
    };

    // A host whose model answers with the last message and keeps every request it was sent; the agent "bot" has one
    // active insight.
    private static async Task<ServiceProvider> HostWithOneInsightAsync(List<List<ChatMessage>> prompts)
    {
        var echo = FakeChatClient.Echo();
        var reply = echo.GetResponseAsyncCallback!;
        echo.GetResponseAsyncCallback = (messages, options, token) =>
        {
            prompts.Add(messages.ToList());
            return reply(messages, options, token);
        };
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.AgentId = "bot").UseInMemoryStore();
        services.AddChatClient(echo).UseDreaming();
        var provider = services.BuildServiceProvider();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var version = await memory.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.Person("ada"), Insights = [Insight("ins-refund", "Refund at most the order total.")] });
        await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ada"));
        return provider;
    }
}
