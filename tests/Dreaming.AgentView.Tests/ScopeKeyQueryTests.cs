namespace Dreaming.AgentView.Tests;

/// <summary>A scope key given in the query (a link's or the form's) opens that scope exactly.</summary>
public sealed class ScopeKeyQueryTests
{
    [Fact]
    public async Task A_scope_key_ending_in_a_space_opens_its_own_dream_runs_not_those_of_the_trimmed_key()
    {
        // An agent id may end in a space ("a "): its runs' link was trimmed to agent:a, another agent's runs.
        await using var host = await AgentViewHost.StartAsync();
        await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") });
        using var client = host.Client();

        var page = await host.PageAsync("/dreaming/runs?scope=" + Uri.EscapeDataString("agent:a "));
        using var typed = await client.GetAsync(new Uri("/dreaming/memory?scope=" + Uri.EscapeDataString("agent:a "), UriKind.Relative));
        using var padded = await client.GetAsync(new Uri("/dreaming/memory?scope=" + Uri.EscapeDataString(" agent:b"), UriKind.Relative));

        Assert.Equal("agent:a ", page.QuerySelector("form.scope-form input[name=scope]")?.GetAttribute("value"));
        Assert.NotNull(page.QuerySelector("p.empty"));
        Assert.Equal("/dreaming/memory/" + Uri.EscapeDataString("agent:a "), typed.Headers.Location?.OriginalString);
        Assert.Equal("/dreaming/memory/agent%3Ab", padded.Headers.Location?.OriginalString);
    }
}
