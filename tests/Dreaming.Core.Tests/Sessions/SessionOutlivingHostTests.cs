using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Dreaming.Tests.Sessions;

/// <summary>A session still open when the host stops (a request in flight at shutdown, an <c>await using</c> that ends
/// after the provider is disposed) cannot be recorded as abandoned: the writer is gone. It stays <c>running</c> in the
/// store, and the error says so and how to end it later, not only that it could not be recorded.</summary>
public sealed class SessionOutlivingHostTests
{
    [Fact]
    public async Task A_session_disposed_after_the_provider_is_logged_as_still_running_with_how_to_end_it()
    {
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddDreamingAgents(o => o.AgentId = "support-bot");
        var provider = services.BuildServiceProvider();
        var logs = provider.GetFakeLogCollector();
        var store = provider.GetRequiredService<ITraceStore>();
        var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("support-bot", "Where is order #W1?");
        await session.RecordAsync(new NoteEvent { Text = "looking it up" });

        await provider.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await session.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync(session.Id))!.Status);
        var record = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 10);
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.IsType<ObjectDisposedException>(record.Exception);
        Assert.Contains($"Session {session.Id} was disposed without completion and could not be recorded as abandoned", record.Message, StringComparison.Ordinal);
        Assert.Contains("it stays running in the store", record.Message, StringComparison.Ordinal);
        Assert.Contains("AbandonRunningSessionsAsync", record.Message, StringComparison.Ordinal);
        Assert.Contains("'dreaming sessions abandon --older-than", record.Message, StringComparison.Ordinal);
    }
}
