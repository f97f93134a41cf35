namespace Dreaming.Cli.Output;

/// <summary>Small text helpers for the tool's tables.</summary>
internal static class Text
{
    public static string Cut(string? text, int width)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (text.Length <= width)
        {
            return text;
        }

        // Never between the two halves of a surrogate pair: half a character is written as U+FFFD.
        var keep = width - 1;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), "…");
    }

    public static string OneLine(string? text) => (text ?? string.Empty).ReplaceLineEndings(" ");

    public static string Status(SessionStatus status) => status switch
    {
        SessionStatus.Running => "running",
        SessionStatus.Completed => "completed",
        SessionStatus.Failed => "failed",
        SessionStatus.Abandoned => "abandoned",
        SessionStatus.Blocked => "blocked",
        _ => "unknown",
    };
}
