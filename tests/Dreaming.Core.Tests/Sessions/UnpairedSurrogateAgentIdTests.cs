using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

/// <summary>An agent or team id holding half a surrogate pair, which a store keeping UTF-8 would make U+FFFD (so
/// <c>a\uD800</c> and <c>a\uDC00</c> would share one memory and one set of sessions), is refused once, where it is
/// configured or a session starts.</summary>
public class UnpairedSurrogateAgentIdTests
{
    // Built in code: an attribute's string argument is stored as UTF-8, which would replace the half characters.
    [Fact]
    public async Task A_session_whose_agent_id_has_an_unpaired_surrogate_is_refused_naming_it_and_the_index()
    {
        await using var provider = Provider();
        var factory = provider.GetRequiredService<IAgentSessionFactory>();
        (string AgentId, int Index)[] cases = [("a\uD800", 1), ("a\uDC00", 1), ("bot-\uD83D\uDE00-\uDBFF", 7), ("\uDE00\uD83D", 0)];

        foreach (var (agentId, index) in cases)
        {
            var error = Assert.Throws<ArgumentException>(() => factory.StartSession(new AgentSessionOptions { AgentId = agentId, Task = "t" }));

            Assert.Equal("AgentSessionOptions.AgentId", error.ParamName);
            Assert.Contains($"unpaired surrogate (half a character, U+{(int)agentId[index]:X4}) at index {index}", error.Message, StringComparison.Ordinal);
            Assert.Null(provider.GetRequiredService<IAgentSessionAccessor>().Current);
        }
    }

    [Fact]
    public async Task A_session_whose_team_scope_has_an_unpaired_surrogate_is_refused_and_a_whole_pair_is_not()
    {
        await using var provider = Provider();
        var factory = provider.GetRequiredService<IAgentSessionFactory>();

        var error = Assert.Throws<ArgumentException>(() => factory.StartSession(new AgentSessionOptions { AgentId = "bot", Task = "t", Scope = "team\uDC00" }));
        Assert.Equal("AgentSessionOptions.Scope", error.ParamName);
        Assert.Contains("at index 4", error.Message, StringComparison.Ordinal);

        await using var session = factory.StartSession(new AgentSessionOptions { AgentId = "bot-\uD83D\uDE00", Task = "t", Scope = "team-\uD83D\uDE00" });
        await session.CompleteAsync();
        var stored = Assert.Single((await provider.GetRequiredService<ITraceStore>().QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal("bot-\uD83D\uDE00", stored.AgentId);
    }

    [Fact]
    public async Task A_use_dreaming_agent_id_with_an_unpaired_surrogate_is_refused_when_the_pipeline_is_built()
    {
        await using var provider = Provider();

        var error = Assert.Throws<ArgumentException>(() => new ChatClientBuilder(FakeChatClient.Echo()).UseDreaming(c => c.AgentId = "billing\uD800").Build(provider));

        Assert.Equal("value", error.ParamName);
        Assert.Contains("DreamingChatClient.AgentId has an unpaired surrogate", error.Message, StringComparison.Ordinal);
        Assert.Contains("at index 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_default_agent_id_with_an_unpaired_surrogate_fails_the_options_validation()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.AgentId = "default\uDFFF");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DreamingOptions>>().Value);

        Assert.Contains("DreamingOptions.AgentId has an unpaired surrogate (half a character, U+DFFF) at index 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_import_agent_id_with_an_unpaired_surrogate_is_refused()
    {
        foreach (var asDefault in new[] { false, true })
        {
            var options = asDefault ? new SessionImportOptions { DefaultAgentId = "imported\uD800" } : new SessionImportOptions { AgentId = "imported\uD800" };

            var error = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Equal(asDefault ? nameof(SessionImportOptions.DefaultAgentId) : nameof(SessionImportOptions.AgentId), error.ParamName);
            Assert.Contains("at index 8", error.Message, StringComparison.Ordinal);
        }
    }

    private static ServiceProvider Provider()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        return services.BuildServiceProvider();
    }
}
