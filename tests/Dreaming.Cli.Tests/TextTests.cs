using Dreaming.Cli.Output;

namespace Dreaming.Cli.Tests;

public class TextTests
{
    [Fact]
    public void Cut_never_splits_a_character_outside_the_basic_plane()
    {
        // An emoji is two UTF-16 units: cutting between them left half a character, which the console wrote as U+FFFD.
        var cut = Text.Cut(new string('a', 58) + "😀" + new string('b', 10), 60);
        Assert.Equal(new string('a', 58) + "…", cut);
        Assert.Equal("ab😀…", Text.Cut("ab😀cdef", 5));
        Assert.Equal("été 日本", Text.Cut("été 日本", 6));
    }
}
