using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Dreaming.AgentView.Tests.TestEvents;

namespace Dreaming.AgentView.Tests;

/// <summary>On a store whose <see cref="ITraceStore.QueryEventsAsync"/> is the interface's default (each query reads the
/// whole session), a session page reads the session once, and shows what it shows on a store that queries natively.</summary>
public sealed class SessionEventReadLegacyStoreTests
{
    // 5,000 events: outcome evaluations at #2 and #3, a call at #1500 answered at #2100, a call at #3990 answered at #4500,
    // notes between. The window after #2000 (#2001 to #4000) holds a result whose call is before it, a call whose result is
    // after it, and is neither the first window nor the last: every read the page makes.
    private static SessionWithEvents Long()
    {
        var events = Enumerable.Range(0, 5_000).Select(i => (SessionEvent)new NoteEvent { Text = "n" + i }).ToArray();
        events[1] = new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund" };
        events[2] = new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "refund", Result = "satisfied", Score = 1, Threshold = 0.5, Passed = true };
        events[1_499] = new ToolCallEvent { CallId = "early", ToolName = "lookup" };
        events[2_099] = new ToolResultEvent { CallId = "early", ToolName = "lookup", Result = "found" };
        events[3_989] = new ToolCallEvent { CallId = "late", ToolName = "refund" };
        events[4_499] = new ToolResultEvent { CallId = "late", ToolName = "refund", Result = "done" };
        return Full("s", "task", events);
    }

    [Theory]
    [InlineData("/dreaming/sessions/s?after=2000")]
    [InlineData("/dreaming/sessions/s?after=4000")]
    [InlineData("/dreaming/sessions/s")]
    public async Task A_page_reads_the_session_once_and_shows_what_a_native_store_shows(string path)
    {
        var legacy = new LegacyTraceStore();
        await using var onLegacy = await AgentViewHost.StartAsync(services: services => services.Replace(ServiceDescriptor.Singleton<ITraceStore>(legacy)));
        await using var onNative = await AgentViewHost.StartAsync();
        await legacy.Inner.SeedAsync(Long());
        await onNative.Traces.SeedAsync(Long());

        var expected = await BodyAsync(onNative, path);
        var before = legacy.WholeReads;
        var body = await BodyAsync(onLegacy, path);

        Assert.Equal(1, legacy.WholeReads - before);
        Assert.Equal(expected, body);
        Assert.Contains("table class=\"outcome\"", body, StringComparison.Ordinal);
    }

    private static async Task<string> BodyAsync(AgentViewHost host, string path)
    {
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}\n{body}");
        return body;
    }
}
