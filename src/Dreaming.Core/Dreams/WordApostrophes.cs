using System.Buffers;
using System.Text;

namespace Dreaming;

/// <summary>The apostrophes a tool may write inside a word ("doesn't", "doesn’t", "doesnʼt", SQL's doubled "doesn''t"),
/// read one way by the words of a state error (<see cref="StateErrorWords"/>) and by the error words that pick the
/// error line of a text (<see cref="ErrorSignature.SelectErrorLine"/>). Thread-safe (no state).</summary>
internal static class WordApostrophes
{
    // ASCII, the typographic U+2019, the modifier letter U+02BC (which char.IsLetter takes for a letter, so it would
    // otherwise stay inside the word), a mistyped U+2018, the grave and acute accents of keyboards without one, the
    // fullwidth U+FF07.
    private static readonly SearchValues<char> s_apostrophes = SearchValues.Create("'\u2019\u02BC\u2018`\u00B4\uFF07");

    /// <summary>Gets the apostrophes, to search a text for any of them.</summary>
    public static SearchValues<char> All => s_apostrophes;

    /// <summary>Whether the character is one of the apostrophes.</summary>
    public static bool IsApostrophe(char c) => s_apostrophes.Contains(c);

    /// <summary>The length of the apostrophe at <paramref name="index"/> when it sits inside a word, between a letter or
    /// digit and a letter: 1, or 2 for one written twice (<c>doesn''t</c>, as a SQL string literal echoes "doesn't");
    /// 0 when there is none there, or it stands at a word's edge, where it is a quote mark.</summary>
    public static int InWordLength(ReadOnlySpan<char> text, int index)
    {
        var c = text[index];
        if (!IsApostrophe(c) || index == 0 || !char.IsLetterOrDigit(text[index - 1]) || IsApostrophe(text[index - 1]))
        {
            return 0;
        }

        var length = index + 1 < text.Length && text[index + 1] == c ? 2 : 1;
        var after = index + length;
        return after < text.Length && char.IsLetter(text[after]) && !IsApostrophe(text[after]) ? length : 0;
    }

    /// <summary>Returns the text with each apostrophe inside a word (<see cref="InWordLength"/>) written as one ASCII
    /// <c>'</c>; the same string when it holds none other.</summary>
    public static string ToAscii(string text)
    {
        var at = text.AsSpan().IndexOfAny(s_apostrophes);
        while (at >= 0 && text[at] == '\'' && InWordLength(text, at) != 2)
        {
            var next = text.AsSpan(at + 1).IndexOfAny(s_apostrophes);
            at = next < 0 ? -1 : at + 1 + next;
        }

        if (at < 0)
        {
            return text; // the usual case: no apostrophe, or only single ASCII ones
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var length = InWordLength(text, i);
            builder.Append(length > 0 ? '\'' : text[i]);
            i += Math.Max(length, 1) - 1;
        }

        return builder.ToString();
    }
}
