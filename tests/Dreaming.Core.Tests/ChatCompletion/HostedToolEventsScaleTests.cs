using System.Diagnostics;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

#pragma warning disable MEAI001 // The hosted tools' contents are [Experimental] in Microsoft.Extensions.AI 10.11.

namespace Dreaming.Tests;

/// <summary>A response's hosted tools' contents are put together by call id: each call's contents were looked for in every
/// content after it, so a response of n hosted contents took n²/2 steps (100,000 contents: minutes, on the writer thread).</summary>
public sealed class HostedToolEventsScaleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_response_of_a_hundred_thousand_hosted_contents_is_recorded_in_linear_time()
    {
        const int Calls = 50_000;
        var contents = new List<AIContent>(2 * Calls);
        for (var i = 0; i < Calls; i++)
        {
            contents.Add(new WebSearchToolCallContent("ws_" + i) { Queries = ["q" + i] });
            contents.Add(new WebSearchToolResultContent("ws_" + i) { Outputs = [new UriContent(new Uri("https://example.com/" + i), "text/html")] });
        }

        // Half of them in a second message, and an id used again after its result: the cases the index must keep.
        List<ChatMessage> messages =
        [
            new(ChatRole.Assistant, contents[..Calls]),
            new(ChatRole.Assistant, [.. contents[Calls..], new WebSearchToolCallContent("ws_0") { Queries = ["again"] }]),
        ];
        var events = new List<SessionEvent>();
        var clock = Stopwatch.StartNew();
        await Task.Run(() => ChatMessageEvents.AddTo(events, messages, new TranscriptTracker(), null, "s", DateTimeOffset.UnixEpoch, 0, request: false))
            .WaitAsync(TimeSpan.FromSeconds(20));
        output.WriteLine($"{2 * Calls} hosted contents recorded in {clock.ElapsedMilliseconds} ms");

        Assert.Equal((2 * Calls) + 1, events.Count);
        Assert.Equal(
            ["call ws_0", "result ws_0 https://example.com/0", "call ws_1", "result ws_1 https://example.com/1"],
            events.Take(4).Select(Shape));
        Assert.Equal("call ws_0 {\"queries\":[\"again\"]}", Shape(events[^1]) + " " + ((ToolCallEvent)events[^1]).Arguments);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));

        static string Shape(SessionEvent e) => e switch
        {
            ToolCallEvent c => $"call {c.CallId}",
            ToolResultEvent r => $"result {r.CallId} {r.Result}",
            _ => e.EventType,
        };
    }
}
