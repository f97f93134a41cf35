using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

// A loop's session belongs to a team (OutcomeRequest.Scope), as a session a host starts does (AgentSessionOptions.Scope).
public partial class OutcomeRunnerTests
{
    [Fact]
    public async Task A_loop_of_a_team_runs_in_a_session_of_that_team_given_the_teams_memory_and_read_by_its_dream()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var memory = host.Services.GetRequiredService<IMemoryStore>();
        var team = MemoryScope.Team("billing");
        var now = DateTimeOffset.UtcNow;
        var proposed = await memory.ProposeAsync(new MemoryProposal
        {
            Scope = team,
            Author = MemoryAuthor.Person("ada"),
            Insights =
            [
                new Insight { Id = "billing-1", Text = "Invoices are in euros.", Scope = team, Status = InsightStatus.Active, Source = InsightSource.Human, CreatedAt = now, UpdatedAt = now },
            ],
        });
        var version = await memory.ApproveAsync(proposed.Id, MemoryAuthor.Person("ada"));

        var request = Request(_ => "unused") with
        {
            Scope = "billing",
            Agent = async (attempt, ct) => (await host.Chat.GetResponseAsync("Refund order #W123", cancellationToken: ct)).Text,
        };
        var run = await Runner(host).RunAsync(request);

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal("billing", session!.Scope);
        var injected = Assert.Single((await host.Store.GetEventsAsync(run.SessionId)).OfType<InsightsInjectedEvent>());
        Assert.Equal((version.Id, team), (injected.MemoryVersionId, injected.Scope));
        Assert.Equal(["billing-1"], injected.InsightIds);

        // The team's dream reads the loop's session (a team dream reads only the sessions of its team).
        var page = await host.Store.QuerySessionsAsync(new SessionQuery { Scope = "billing" });
        Assert.Equal([run.SessionId], page.Items.Select(s => s.Id));
    }

    [Fact]
    public async Task A_loop_refuses_a_scope_with_half_a_surrogate_pair_naming_OutcomeRequest_Scope()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Runner(host).RunAsync(Request(_ => "#W123") with { Scope = "billing\uD800" }));

        Assert.Equal("request", ex.ParamName);
        Assert.Contains("OutcomeRequest.Scope", ex.Message, StringComparison.Ordinal);
        Assert.Empty((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
    }
}
