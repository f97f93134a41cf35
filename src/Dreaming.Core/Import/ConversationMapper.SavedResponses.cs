using System.Text.Json;

namespace Dreaming;

/// <summary>What a log holds beside the conversation: the memory <c>UseDreaming()</c> injected into the request.</summary>
internal sealed partial class ConversationMapper
{
    /// <summary>Gets the ids of the insights of the memory <c>UseDreaming()</c> injected into the logged request, in order.</summary>
    public List<string> InsightIds { get; } = [];

    // The memory UseDreaming() injects is a system message of its own, rendered by InsightRanker: its header, then one
    // line an insight, "- [id] text". Such a text is the memory; its ids are noted. Text that only starts like it is not.
    private bool IsInjectedMemory(string? text)
    {
        if (text is null || !(text.StartsWith(InsightRanker.Header + "\n", StringComparison.Ordinal) || text.StartsWith(InsightRanker.SharedHeader + "\n", StringComparison.Ordinal)))
        {
            return false;
        }

        var ids = new List<string>();
        foreach (var line in text.AsSpan(text.IndexOf('\n', StringComparison.Ordinal) + 1).EnumerateLines())
        {
            var end = line.IndexOf("] ", StringComparison.Ordinal);
            if (!line.StartsWith("- [", StringComparison.Ordinal) || end < 4)
            {
                return false;
            }

            ids.Add(line[3..end].ToString());
        }

        InsightIds.AddRange(ids);
        return true;
    }
}
