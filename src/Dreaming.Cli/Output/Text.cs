using System.Globalization;

namespace Dreaming.Cli.Output;

/// <summary>Small text helpers for the tool's tables.</summary>
internal static class Text
{
    // C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates.
    private static readonly System.Buffers.SearchValues<char> s_unsafe = System.Buffers.SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c))
        + "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    private static readonly System.Buffers.SearchValues<char> s_hex = System.Buffers.SearchValues.Create("0123456789ABCDEFabcdef");

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

        // Never half a character: a surrogate pair is kept whole or left out, and so is an escape OneLine wrote for a
        // control character (\x1B, \u202E), which cut in the middle would read as other text ("\x1…").
        var keep = width - 1;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        keep = EscapeStart(text, keep);
        return string.Concat(text.AsSpan(0, keep), "…");
    }

    // Where an escape (\xHH or \uHHHH) that the cut at 'keep' would split starts, or 'keep' when it splits none.
    private static int EscapeStart(string text, int keep)
    {
        for (var start = keep - 1; start >= 0 && start > keep - 6; start--)
        {
            if (text[start] != '\\' || start + 1 >= text.Length)
            {
                continue;
            }

            var length = text[start + 1] switch { 'x' => 4, 'u' => 6, _ => 0 };
            if (length > 0 && start + length > keep && start + length <= text.Length && IsHex(text.AsSpan(start + 2, length - 2)))
            {
                return start;
            }
        }

        return keep;
    }

    private static bool IsHex(ReadOnlySpan<char> digits) => !digits.ContainsAnyExcept(s_hex);

    /// <summary>The text on one line, for a terminal: line breaks and tabs become spaces, and every other control character
    /// (a terminal escape, a bell) and every bidirectional override is shown as <c>\xHH</c> or <c>\uHHHH</c>, so stored text
    /// (a lesson mined from hostile tool output) cannot rewrite or hide what the reader sees.</summary>
    public static string OneLine(string? text)
    {
        var line = (text ?? string.Empty).ReplaceLineEndings(" ");
        if (!line.AsSpan().ContainsAny(s_unsafe))
        {
            return line;
        }

        var visible = new System.Text.StringBuilder(line.Length + 16);
        foreach (var c in line)
        {
            if (c == '\t')
            {
                visible.Append(' ');
            }
            else if (s_unsafe.Contains(c))
            {
                visible.Append(c <= 0xFF ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}") : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"));
            }
            else
            {
                visible.Append(c);
            }
        }

        return visible.ToString();
    }

    /// <summary>A URL as the user typed it, for a message or a summary, without what may hold a secret: the user name and
    /// password (<c>user:password@</c>), the query string (<c>?api-key=…</c>) and the fragment. Works on text that is
    /// not a valid URL too, as shown when it is refused.</summary>
    public static string UrlWithoutSecrets(string? url)
    {
        var text = url ?? string.Empty;
        var end = text.AsSpan().IndexOfAny('?', '#');
        if (end >= 0)
        {
            text = text[..end];
        }

        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var authority = scheme < 0 ? 0 : scheme + 3;
        var slash = text.IndexOf('/', authority);
        var at = text.AsSpan(authority, (slash < 0 ? text.Length : slash) - authority).LastIndexOf('@');
        return at < 0 ? text : string.Concat(text.AsSpan(0, authority), text.AsSpan(authority + at + 1));
    }
}
