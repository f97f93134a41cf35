using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

/// <summary>An id a host gives a session (its own, its agent's, its team scope, its parent's) holding a control character
/// or longer than <see cref="SessionRecord.MaxIdLength"/> is refused where it is configured or the session starts, naming
/// it and saying why; one of exactly the cap, in any script, is kept whole and found.</summary>
public class HostIdRuleTests
{
    private static readonly string s_tooLong = new('x', SessionRecord.MaxIdLength + 1);

    public static TheoryData<string, string, int> ControlCharacters => new()
    {
        { "a\0b", "U+0000", 1 },
        { "bot\n", "U+000A", 3 },
        { "\u001Bbot", "U+001B", 0 },
        { "b\u007Fot", "U+007F", 1 },
        { "bo\u0085t", "U+0085", 2 },
    };

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public async Task Each_session_id_a_host_gives_with_a_control_character_is_refused_naming_it(string id, string code, int index)
    {
        await using var provider = Provider();
        var factory = provider.GetRequiredService<IAgentSessionFactory>();
        var starts = new (string Name, Func<AgentSessionOptions> Options)[]
        {
            ("AgentSessionOptions.AgentId", () => new() { AgentId = id, Task = "t" }),
            ("AgentSessionOptions.Scope", () => new() { AgentId = "bot", Task = "t", Scope = id }),
            ("AgentSessionOptions.SessionId", () => new() { AgentId = "bot", Task = "t", SessionId = id }),
            ("AgentSessionOptions.ParentSessionId", () => new() { AgentId = "bot", Task = "t", ParentSessionId = id }),
        };

        foreach (var (name, options) in starts)
        {
            var error = Assert.Throws<ArgumentException>(() => factory.StartSession(options()));

            Assert.Equal(name, error.ParamName);
            Assert.Contains($"{name} has the control character {code} at index {index}", error.Message, StringComparison.Ordinal);
        }

        Assert.Empty((await provider.GetRequiredService<ITraceStore>().QuerySessionsAsync(new SessionQuery())).Items);
    }

    [Fact]
    public async Task Each_session_id_a_host_gives_longer_than_the_cap_is_refused_and_one_of_the_cap_is_kept_whole()
    {
        await using var provider = Provider();
        var factory = provider.GetRequiredService<IAgentSessionFactory>();
        foreach (var name in new[] { "AgentId", "Scope", "SessionId", "ParentSessionId" })
        {
            var options = new AgentSessionOptions { AgentId = "bot", Task = "t" };
            typeof(AgentSessionOptions).GetProperty(name)!.SetValue(options, s_tooLong);

            var error = Assert.Throws<ArgumentException>(() => factory.StartSession(options));

            Assert.Equal("AgentSessionOptions." + name, error.ParamName);
            Assert.Contains($"AgentSessionOptions.{name} is 257 characters long; an id is at most 256", error.Message, StringComparison.Ordinal);
        }

        // The cap counts UTF-16 code units: 128 emoji are 256 of them.
        var id = string.Concat(Enumerable.Repeat("\uD83D\uDE00", SessionRecord.MaxIdLength / 2));
        await using (var session = factory.StartSession(new AgentSessionOptions { AgentId = id, Task = "t", Scope = id, SessionId = id, ParentSessionId = id }))
        {
            await session.CompleteAsync();
        }

        var stored = Assert.Single((await provider.GetRequiredService<ITraceStore>().QuerySessionsAsync(new SessionQuery { AgentId = id, Scope = id, ParentSessionId = id })).Items);
        Assert.Equal((id, id), (stored.Id, stored.AgentId));
    }

    [Fact]
    public void The_configured_agent_ids_and_scopes_refuse_a_control_character_and_a_long_id_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.AgentId = "default\u0000");
        using (var provider = services.BuildServiceProvider())
        {
            var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DreamingOptions>>().Value);
            Assert.Contains("DreamingOptions.AgentId has the control character U+0000 at index 7", error.Message, StringComparison.Ordinal);
        }

        using (var provider = new ServiceCollection().AddDreamingAgents().Services.BuildServiceProvider())
        {
            var pipeline = Assert.Throws<ArgumentException>(() => new ChatClientBuilder(FakeChatClient.Echo()).UseDreaming(c => c.AgentId = s_tooLong).Build(provider));
            Assert.Equal("value", pipeline.ParamName);
            Assert.Contains("DreamingChatClient.AgentId is 257 characters long", pipeline.Message, StringComparison.Ordinal);
        }

        var import = Assert.Throws<ArgumentException>(new SessionImportOptions { Scope = "team\r" }.Validate);
        Assert.Equal(nameof(SessionImportOptions.Scope), import.ParamName);
        Assert.Contains("has the control character U+000D at index 4", import.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        return services.BuildServiceProvider();
    }
}
