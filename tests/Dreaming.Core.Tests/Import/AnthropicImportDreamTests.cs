using System.Globalization;
using System.Text;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

public sealed class AnthropicImportDreamTests
{
    // One session a line: #I its number, #R its reward, #C the refund's tool_result content and flags.
    private const string Line = """
        {"id":"claude-#I","agent":"support-bot","reward":#R,"system":"You refund orders.","messages":[{"role":"user","content":"Refund order 4711"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_a#I","name":"lookup_order","input":{"order_id":"4711"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a#I","content":[{"type":"text","text":"{\"total\":120}"}]}]},{"role":"assistant","content":[{"type":"text","text":"Refunding."},{"type":"tool_use","id":"toolu_b#I","name":"refund","input":{"order_id":"4711","amount":120}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_b#I","content":#C}]}],"response":{"id":"msg_#I","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn","usage":{"input_tokens":200,"output_tokens":10}}}
        """;

    [Fact]
    public async Task A_dream_on_imported_anthropic_sessions_finds_the_tool_error_flagged_with_is_error()
    {
        // A Claude agent's log: 8 sessions whose refund failed (is_error, a text with no "Error" prefix) and 6 that went
        // through, each a request with the response it got.
        var log = new StringBuilder();
        for (var i = 0; i < 14; i++)
        {
            var fails = i < 8;
            var result = fails ? "\"order 4711 is locked by another agent\",\"is_error\":true" : "\"refunded\"";
            log.Append(Line.Replace("#I", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("#R", fails ? "0" : "1", StringComparison.Ordinal)
                .Replace("#C", result, StringComparison.Ordinal)).Append('\n');
        }

        var traces = new InMemoryTraceStore();
        var memory = new InMemoryMemoryStore();
        var imported = await new SessionImporter(traces).ImportAsync(Utf8(log.ToString()), "claude.jsonl");
        var scope = MemoryScope.Agent("support-bot");

        var run = await new DreamConsolidator(traces, memory, new InMemoryDreamRunStore()).DreamAsync(new DreamRunRequest { Scope = scope });

        Assert.Equal((14, 8L, 28L), (imported.Imported, imported.ToolErrors, imported.ToolCalls));
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var top = run.Results.Report.Findings[0];
        Assert.Equal((FindingKinds.ToolError, "refund", 8, 8), (top.Kind, top.Tool, top.Sessions, top.FailedSessions));
        var lesson = Assert.Single((await memory.GetActiveVersionAsync(scope))!.Insights, i => i.Triggers.Tools.Contains("refund"));
        Assert.Contains("locked by another agent", lesson.Text, StringComparison.Ordinal);
        Assert.Equal(210, (await traces.GetSessionAsync("claude-3"))!.Usage.TotalTokens);
    }
}
