using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;

namespace Dreaming;

/// <summary>Brings text to the one form the guard's patterns are written for, so that the same instruction written
/// another way (zero-width characters inside its words, full-width or look-alike letters, accents, line breaks and runs of
/// spaces, URL, HTML or JSON escapes) reads the same.</summary>
/// <remarks>Used only for matching: lessons and evidence are stored as they were. Plain text (printable ASCII with single
/// spaces and none of <c>% &amp; + \</c>) is returned as it is, without a copy.</remarks>
internal static class GuardText
{
    // Printable ASCII and the space, without the characters that start an escape ('%', '&', '\\') or stand for a space ('+').
    private static readonly SearchValues<char> s_plain = SearchValues.Create(
        string.Concat(Enumerable.Range(0x20, 0x5F).Select(c => (char)c).Where(c => c is not ('%' or '&' or '+' or '\\'))));

    // Cyrillic and Greek letters that look like Latin ones ("ignоre" with a Cyrillic o), and the Latin script g.
    private const string LookAlikes = "аеорсухіјѕԁһӏАВЕКМНОРСТХІЈЅαεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧɡ";
    private const string Latin = "aeopcyxijsdhlABEKMHOPCTXIJSaeikvoptuxABEZHIKMNOPTYXg";

    /// <summary>Returns the text decoded, folded and with its white space collapsed.</summary>
    public static string Normalize(string text)
    {
        if (text.AsSpan().IndexOfAnyExcept(s_plain) < 0 && !text.Contains("  ", StringComparison.Ordinal))
        {
            return text;
        }

        var decoded = Decode(text);

        // Compatibility decomposition turns full-width and other compatibility letters into plain ones and splits accents
        // from their letters; it refuses text with half a surrogate pair or the noncharacters U+FFFE and U+FFFF, which a
        // tool result may carry (a bad decoder, binary data), and a throw here would fail the whole dream.
        var folded = WellFormed(decoded).Normalize(NormalizationForm.FormKD);
        var builder = new StringBuilder(folded.Length);
        var space = false;
        foreach (var c in folded)
        {
            if (char.IsWhiteSpace(c) || c == '+')
            {
                space = true;
                continue;
            }

            // Accents, zero-width and other format characters (soft hyphen, joiners, byte order mark) and controls vanish.
            if (CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format or UnicodeCategory.Control)
            {
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            var lookAlike = c < 0x250 ? -1 : LookAlikes.IndexOf(c, StringComparison.Ordinal);
            builder.Append(lookAlike < 0 ? c : Latin[lookAlike]);
        }

        return builder.ToString();
    }

    /// <summary>Returns the lower-case Latin letters of already normalised text, nothing else: "i g n o r e" and
    /// "i.g.n.o.r.e" both read "ignore".</summary>
    public static string Letters(string normalized)
    {
        return string.Create(Count(normalized), normalized, static (span, source) =>
        {
            var n = 0;
            foreach (var c in source)
            {
                if (char.IsAsciiLetter(c))
                {
                    span[n++] = char.ToLowerInvariant(c);
                }
            }
        });

        static int Count(string text)
        {
            var count = 0;
            foreach (var c in text)
            {
                count += char.IsAsciiLetter(c) ? 1 : 0;
            }

            return count;
        }
    }

    // One pass of each escape an attacker can hide words in: URL (%69gnore), HTML (&#105;gnore) and JSON (\u0069gnore, and
    // \n between words). Text escaped twice stays escaped once.
    private static string Decode(string text)
    {
        if (text.Contains('%', StringComparison.Ordinal))
        {
            text = WebUtility.UrlDecode(text);
        }

        if (text.Contains('&', StringComparison.Ordinal))
        {
            text = WebUtility.HtmlDecode(text);
        }

        return text.Contains('\\', StringComparison.Ordinal) ? JsonEscapes(text) : text;
    }

    private static string JsonEscapes(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                var next = text[i + 1];
                if (next is 'n' or 'r' or 't')
                {
                    builder.Append(' ');
                    i++;
                    continue;
                }

                if (next == 'u' && i + 5 < text.Length && ushort.TryParse(text.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                {
                    builder.Append((char)code);
                    i += 5;
                    continue;
                }
            }

            builder.Append(text[i]);
        }

        return builder.ToString();
    }

    private static string WellFormed(string text)
    {
        if (UnpairedSurrogates.IndexOf(text) < 0 && text.AsSpan().IndexOfAny('\uFFFE', '\uFFFF') < 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var from = 0; UnpairedSurrogates.IndexOf(chars.AsSpan(from)) is var at and >= 0; from += at + 1)
        {
            chars[from + at] = '\uFFFD';
        }

        chars.AsSpan().Replace('\uFFFE', '\uFFFD');
        chars.AsSpan().Replace('\uFFFF', '\uFFFD');
        return new string(chars);
    }
}
