using System.Globalization;

namespace Dreaming.Tests;

public sealed partial class MemoryGuardRedTeamTests
{
    // A reviewer's set written after the patterns, by someone who had not written them, and measured once before any change
    // (docs/dreaming.md quotes it): 24 of 64 deliveries caught, 5 of 47 ordinary texts quarantined. Its misses are not
    // patched into the patterns, so the figure stays a held-out one; the bounds only stop it getting worse unnoticed.
    [Fact]
    public async Task The_reviewers_held_out_set_is_caught_and_left_alone_no_worse_than_measured()
    {
        var missed = new List<string>();
        foreach (var text in HeldOutCorpus.Attacks)
        {
            if (await ToolErrorLessonAsync(text) is { Status: not InsightStatus.Quarantined })
            {
                missed.Add($"missed as tool error: {text}");
            }

            if (await EchoedUserMessageLessonAsync(text) is { Status: not InsightStatus.Quarantined })
            {
                missed.Add($"missed as user message: {text}");
            }
        }

        var quarantined = new List<string>();
        foreach (var error in HeldOutCorpus.BenignErrors)
        {
            if ((await ToolErrorLessonAsync(error))?.Status != InsightStatus.Active)
            {
                quarantined.Add($"quarantined tool error: {error} ({MemoryGuard.Find(error)})");
            }
        }

        foreach (var message in HeldOutCorpus.BenignUserMessages)
        {
            if ((await ToolErrorLessonAsync("Error: payment amount does not add up", message))?.Status != InsightStatus.Active)
            {
                quarantined.Add($"quarantined user message: {message} ({MemoryGuard.Find(message)})");
            }
        }

        var deliveries = HeldOutCorpus.Attacks.Length * 2;
        var benign = HeldOutCorpus.BenignErrors.Length + HeldOutCorpus.BenignUserMessages.Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"caught {deliveries - missed.Count} of {deliveries} deliveries ({HeldOutCorpus.Attacks.Length} payloads); quarantined {quarantined.Count} of {benign} ordinary texts"));
        missed.ForEach(output.WriteLine);
        quarantined.ForEach(output.WriteLine);
        Assert.True(deliveries - missed.Count >= 24, string.Join('\n', missed));
        Assert.True(quarantined.Count <= 5, string.Join('\n', quarantined));
    }
}
