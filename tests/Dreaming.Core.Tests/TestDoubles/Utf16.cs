namespace Dreaming.Tests;

/// <summary>Checks that text is valid UTF-16: no half of a surrogate pair on its own, as a cut in the middle of a character leaves.</summary>
internal static class Utf16
{
    public static void AssertWellFormed(string? text)
    {
        if (text is null)
        {
            return;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            Assert.False(char.IsSurrogate(text[i]), $"A lone surrogate U+{(int)text[i]:X4} at index {i} of a text of {text.Length} characters.");
        }
    }
}
