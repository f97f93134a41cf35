using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dreaming.AgentView.Tests;

/// <summary>The agent page given an agent id past <see cref="SessionRecord.MaxIdLength"/> looks it up as given once and, when
/// no session has it, reads the sessions of its capped form without looking that up first: the read finds them, or tells
/// that there are none.</summary>
public sealed class AgentPageLongIdQueryTests
{
    private static readonly string LongAgent = "agent-" + new string('a', 294);

    [Fact]
    public async Task A_long_agent_id_stored_capped_costs_one_lookup_as_given_and_none_capped()
    {
        var queries = new ConcurrentQueue<SessionQuery>();
        await using var host = await AgentViewHost.StartAsync(services: services => Count(services, queries));
        using (var log = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { id = "s1", agent = LongAgent, messages = new[] { new { role = "user", content = "hi" } } }))))
        {
            Assert.Equal(1, (await new SessionImporter(host.Traces).ImportAsync(log, "log.jsonl")).Imported);
        }

        queries.Clear();

        var page = await host.PageAsync("/dreaming/agents/" + Uri.EscapeDataString(LongAgent));

        Assert.Contains("Sessions of the agent that started", page.QuerySelector("main")?.TextContent, StringComparison.Ordinal);
        Assert.Equal([LongAgent], queries.Where(q => q.PageSize == 1).Select(q => q.AgentId));
    }

    [Fact]
    public async Task A_long_agent_id_found_in_neither_form_is_a_404_naming_it_as_typed_after_one_lookup_of_each()
    {
        var queries = new ConcurrentQueue<SessionQuery>();
        await using var host = await AgentViewHost.StartAsync(services: services => Count(services, queries));
        using var client = host.Client();

        using var response = await client.GetAsync(new Uri("/dreaming/agents/" + Uri.EscapeDataString(LongAgent), UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(LongAgent[..50], await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var lookups = queries.Where(q => q.PageSize == 1).Select(q => q.AgentId!).ToList();
        Assert.Equal(2, lookups.Count);
        Assert.Equal((LongAgent, SessionRecord.MaxIdLength), (lookups[0], lookups[1].Length));
    }

    private static void Count(IServiceCollection services, ConcurrentQueue<SessionQuery> queries)
    {
        services.RemoveAll<ITraceStore>();
        services.AddSingleton<ITraceStore>(new CountingTraceStore(new InMemoryTraceStore(), queries));
    }

    private sealed class CountingTraceStore(ITraceStore inner, ConcurrentQueue<SessionQuery> queries) : ForwardingTraceStore(inner)
    {
        public override Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
        {
            queries.Enqueue(query);
            return base.QuerySessionsAsync(query, cancellationToken);
        }
    }
}
