using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Demo;

/// <summary>A deterministic fake model for orchestrated plans: it "works" for a fixed time, then reports the part it was
/// given and the results it built on. Asked to revise, it adds the text the grader said was missing. No network.</summary>
internal sealed partial class SimulatedTeamChatClient(TimeSpan workTime) : SimulatedChatClient(ModelId)
{
    public const string ModelId = "simulated-team-1";

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        await Task.Delay(workTime, cancellationToken).ConfigureAwait(false);
        var prompt = list.First(m => m.Role == ChatRole.User).Text;
        var part = Part().Match(prompt);
        var built = Dependency().Matches(prompt).Select(m => m.Groups["id"].Value).ToList();
        var text = part.Success
            ? $"[simulated] {part.Groups["id"].Value}: done: {part.Groups["instructions"].Value.Trim()}" + (built.Count == 0 ? string.Empty : $" (built on {string.Join(", ", built)})")
            : "[simulated] " + Text(prompt);
        var last = list[^1];
        if (list.Count > 1 && last.Role == ChatRole.User && !ReferenceEquals(last, list.First(m => m.Role == ChatRole.User)))
        {
            text += " " + string.Join(" ", Missing().Matches(last.Text).Select(m => m.Groups["text"].Value));
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = list.Sum(m => m.Text.Length) / 4, OutputTokenCount = text.Length / 4 },
        };
    }

    private static string Text(string prompt)
    {
        var line = prompt.ReplaceLineEndings(" ").Trim();
        return line.Length <= 80 ? line : string.Create(CultureInfo.InvariantCulture, $"{line[..79]}…");
    }

    [GeneratedRegex(@"^Your part \((?<id>[^)]+)\): (?<instructions>.*)$", RegexOptions.Multiline)]
    private static partial Regex Part();

    [GeneratedRegex(@"^--- (?<id>\S+) \(", RegexOptions.Multiline)]
    private static partial Regex Dependency();

    [GeneratedRegex(@"does not contain ""(?<text>[^""]+)""")]
    private static partial Regex Missing();
}
