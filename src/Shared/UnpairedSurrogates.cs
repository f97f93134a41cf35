namespace Dreaming;

/// <summary>Finds half a surrogate pair in text: not Unicode text, and turned into U+FFFD by any store that keeps text as
/// UTF-8, so two different ids could come back as one.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each).</remarks>
internal static class UnpairedSurrogates
{
    /// <summary>Returns the index of the first unpaired surrogate of <paramref name="text"/>, or -1 when it has none.</summary>
    /// <remarks>Text without surrogates at all (almost all text) is answered by one vectorized search.</remarks>
    public static int IndexOf(string text) => IndexOf(text.AsSpan());

    /// <summary>Returns the index of the first unpaired surrogate of <paramref name="text"/>, or -1 when it has none.</summary>
    public static int IndexOf(ReadOnlySpan<char> text)
    {
        var first = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return -1;
        }

        for (var i = first; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
