using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Dreaming.Tests;

/// <summary>A host that stops while sessions started through the factory are neither completed nor disposed (a request
/// ignoring cancellation past the shutdown timeout) logs one warning (event 7) when the trace writer is disposed: how
/// many, a few of their ids, that they stay running and how to end them.</summary>
public sealed class SessionsLeftOpenAtShutdownTests
{
    [Fact]
    public async Task Disposing_the_host_with_sessions_still_open_logs_one_warning_naming_their_number_and_first_ids()
    {
        var host = Build();
        await host.StartAsync().WaitAsync(Bounded.Patience);
        var factory = host.Services.GetRequiredService<IAgentSessionFactory>();
        var logs = host.Services.GetFakeLogCollector();
        var completed = factory.StartSession(new AgentSessionOptions { AgentId = "bot", Task = "done", SessionId = "ses_completed" });
        var disposed = factory.StartSession(new AgentSessionOptions { AgentId = "bot", Task = "disposed", SessionId = "ses_disposed" });
        var open = new List<IAgentSession>();
        for (var i = 0; i < 6; i++)
        {
            open.Add(factory.StartSession(new AgentSessionOptions { AgentId = "bot", Task = "in flight", SessionId = "ses_open_" + i }));
        }

        await completed.CompleteAsync().WaitAsync(Bounded.Patience);
        await disposed.DisposeAsync().AsTask().WaitAsync(Bounded.Patience);
        var store = host.Services.GetRequiredService<ITraceStore>();

        await host.StopAsync().WaitAsync(Bounded.Patience);
        await ((IAsyncDisposable)host).DisposeAsync().AsTask().WaitAsync(Bounded.Patience);

        var logged = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 7);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains("while 6 sessions started through IAgentSessionFactory were neither completed nor disposed ('ses_open_0', 'ses_open_1', 'ses_open_2', 'ses_open_3', 'ses_open_4', and 1 more)", logged.Message, StringComparison.Ordinal);
        Assert.Contains("they stay running in the trace store", logged.Message, StringComparison.Ordinal);
        Assert.Contains("ITraceStore.AbandonRunningSessionsAsync", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ses_completed", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ses_disposed", logged.Message, StringComparison.Ordinal);

        // What the warning says: the open ones are still running in the store.
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("ses_open_5"))!.Status);
        Assert.Equal(SessionStatus.Abandoned, (await store.GetSessionAsync("ses_disposed"))!.Status);
    }

    [Fact]
    public async Task A_long_session_id_is_cut_in_the_warning()
    {
        var host = Build();
        await host.StartAsync().WaitAsync(Bounded.Patience);
        var logs = host.Services.GetFakeLogCollector();
        var id = "ses_" + new string('x', SessionRecord.MaxIdLength - 4);
        host.Services.GetRequiredService<IAgentSessionFactory>().StartSession(new AgentSessionOptions { AgentId = "bot", Task = "t", SessionId = id });

        await host.StopAsync().WaitAsync(Bounded.Patience);
        await ((IAsyncDisposable)host).DisposeAsync().AsTask().WaitAsync(Bounded.Patience);

        var logged = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 7);
        Assert.Contains("while 1 sessions", logged.Message, StringComparison.Ordinal);
        Assert.Contains("'" + id[..63] + "…'", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(id[..65], logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_warning_when_every_session_was_completed_or_disposed_even_one_whose_completion_failed_first()
    {
        var host = Build();
        await host.StartAsync().WaitAsync(Bounded.Patience);
        var factory = host.Services.GetRequiredService<IAgentSessionFactory>();
        var logs = host.Services.GetFakeLogCollector();
        var a = factory.StartSession("bot", "a");
        var b = factory.StartSession("bot", "b");
        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.CompleteAsync(cancellationToken: cancelled.Token));
        }

        await a.CompleteAsync().WaitAsync(Bounded.Patience);
        await b.DisposeAsync().AsTask().WaitAsync(Bounded.Patience);
        await host.StopAsync().WaitAsync(Bounded.Patience);
        await ((IAsyncDisposable)host).DisposeAsync().AsTask().WaitAsync(Bounded.Patience);

        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Id.Id == 7);
    }

    private static IHost Build()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddFakeLogging();
        builder.Services.AddDreamingAgents(o => o.AgentId = "bot");
        return builder.Build();
    }
}
