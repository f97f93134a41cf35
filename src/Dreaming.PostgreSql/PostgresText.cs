namespace Dreaming.PostgreSql;

/// <summary>Keeps any .NET string in a PostgreSQL <c>text</c> column, which cannot hold the NUL character (U+0000).</summary>
/// <remarks>
/// <para>A string without NUL and without U+FFFF is stored as it is, so ordinary text stays readable and comparable in SQL.
/// Any other string is stored as U+FFFF followed by the string with each U+FFFF doubled and each NUL written as U+FFFF
/// and <c>0</c>; <see cref="Decode"/> reverses it, so every string comes back as given and two different strings never
/// meet. Filters encode their values the same way, so they find such strings too.</para>
/// <para>Half a surrogate pair is not Unicode text: it becomes U+FFFD, as in every store that keeps text as UTF-8 (the
/// SQLite store too), rather than failing the write.</para>
/// </remarks>
internal static class PostgresText
{
    private const char Marker = '\uFFFF';

    /// <summary>Returns the stored form of <paramref name="value"/>; the same instance when it needs no change.</summary>
    public static string Encode(string value)
    {
        var text = value.AsSpan();
        if (text.IndexOfAny('\0', Marker) < 0 && text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return value;
        }

        var clean = UnpairedSurrogates.IndexOf(value) < 0 ? value : ReplaceUnpairedSurrogates(value);
        if (clean.AsSpan().IndexOfAny('\0', Marker) < 0)
        {
            return clean;
        }

        return Marker + clean.Replace("\uFFFF", "\uFFFF\uFFFF", StringComparison.Ordinal).Replace("\0", "\uFFFF0", StringComparison.Ordinal);
    }

    /// <summary>Returns the stored form of <paramref name="value"/>, or <see cref="DBNull.Value"/> for <see langword="null"/>.</summary>
    public static object EncodeNullable(string? value) => value is null ? DBNull.Value : Encode(value);

    /// <summary>Returns the string whose stored form is <paramref name="stored"/>.</summary>
    public static string Decode(string stored)
    {
        if (stored.Length == 0 || stored[0] != Marker)
        {
            return stored;
        }

        var result = new System.Text.StringBuilder(stored.Length - 1);
        for (var i = 1; i < stored.Length; i++)
        {
            var c = stored[i];
            if (c == Marker && i + 1 < stored.Length)
            {
                i++;
                result.Append(stored[i] == '0' ? '\0' : stored[i]);
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private static string ReplaceUnpairedSurrogates(string value)
    {
        var chars = value.ToCharArray();
        for (var from = 0; UnpairedSurrogates.IndexOf(chars.AsSpan(from)) is var at and >= 0; from += at + 1)
        {
            chars[from + at] = '\uFFFD';
        }

        return new string(chars);
    }
}
