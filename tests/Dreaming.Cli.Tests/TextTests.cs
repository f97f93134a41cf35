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

    [Theory]
    [InlineData(57)]
    [InlineData(58)]
    [InlineData(59)]
    public void Cut_keeps_the_escape_of_a_control_character_whole(int prefix)
    {
        // OneLine shows ESC as \x1B; a cut inside it gave "\x1…", which reads as other text.
        var line = Text.OneLine(new string('a', prefix) + "\u001B[31m red");
        var cut = Text.Cut(line, 60);
        Assert.Equal(new string('a', prefix) + "…", cut);
        Assert.EndsWith("a\\x1B[31m…", Text.Cut(Text.OneLine(new string('a', 40) + "\u001B[31m red text"), 49), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(55)]
    [InlineData(57)]
    [InlineData(59)]
    public void Cut_keeps_the_escape_of_a_bidirectional_override_whole(int prefix)
    {
        var cut = Text.Cut(Text.OneLine(new string('a', prefix) + "\u202Eevil"), 60);
        Assert.Equal(new string('a', prefix) + "…", cut);
    }
}
