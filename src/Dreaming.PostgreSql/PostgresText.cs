using System.Text;

namespace Dreaming.PostgreSql;

/// <summary>Makes text storable in PostgreSQL: its <c>text</c> type cannot hold U+0000, and UTF-8 cannot hold an unpaired
/// surrogate. Both become U+FFFD, the replacement character, as unpaired surrogates do in the SQLite store.</summary>
internal static class PostgresText
{
    /// <summary>Returns <paramref name="text"/>, or a copy with each NUL and unpaired surrogate replaced by U+FFFD. Text
    /// without them (nearly all) is returned as it is, after one scan, without allocating.</summary>
    public static string Storable(string text)
    {
        var span = text.AsSpan();
        var first = FirstUnstorable(span);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        builder.Append(span[..first]);
        for (var i = first; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '\0')
            {
                builder.Append('\uFFFD');
            }
            else if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                builder.Append(c).Append(span[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append('\uFFFD');
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Returns the index of the first NUL or unpaired surrogate, or -1.</summary>
    private static int FirstUnstorable(ReadOnlySpan<char> span)
    {
        var nul = span.IndexOf('\0');
        var limit = nul < 0 ? span.Length : nul;
        var offset = 0;
        while (offset < limit)
        {
            var next = span[offset..limit].IndexOfAnyInRange('\uD800', '\uDFFF');
            if (next < 0)
            {
                break;
            }

            var i = offset + next;
            if (!char.IsHighSurrogate(span[i]) || i + 1 >= span.Length || !char.IsLowSurrogate(span[i + 1]))
            {
                return i;
            }

            offset = i + 2;
        }

        return nul;
    }
}
