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

        return text.Length <= width ? text : string.Concat(text.AsSpan(0, width - 1), "…");
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
