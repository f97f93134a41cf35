namespace Dreaming.Tests;

/// <summary>The error line of a text is found by its error words whichever apostrophe they are written with, as the state
/// words of a lesson are (one reading of apostrophes for both).</summary>
public sealed class ErrorLineApostropheTests
{
    [Theory]
    [InlineData("Looking up user 42\nUser 42 doesn\u2019t exist\nDone", "User 42 doesn\u2019t exist")]
    [InlineData("Looking up user 42\nUser 42 doesn\u02BCt exist\nDone", "User 42 doesn\u02BCt exist")]
    [InlineData("Opening the file\nThe file can\u2019t be opened\nDone", "The file can\u2019t be opened")]
    [InlineData("Connecting to the store\nWe couldn\uFF07t reach it\nDone", "We couldn\uFF07t reach it")]
    [InlineData("Running the query\nrole doesn''t exist\nDone", "role doesn''t exist")]
    [InlineData("Running the query\nrole doesn't exist\nDone", "role doesn't exist")]
    public void An_error_word_with_any_apostrophe_picks_its_line(string text, string line) =>
        Assert.Equal(line, ErrorSignature.SelectErrorLine(text));

    // At a word's edge an apostrophe is a quote mark: 'can' is no "can't".
    [Fact]
    public void A_quote_mark_after_a_word_is_no_apostrophe() =>
        Assert.Equal("Looking up 'can'", ErrorSignature.SelectErrorLine("Looking up 'can'\n'can' t exist\nDone"));

    [Theory]
    [InlineData("doesn\u2019t", "doesn't")]
    [InlineData("doesn''t", "doesn't")]
    [InlineData("'quoted' and doesn\u02BCt", "'quoted' and doesn't")]
    [InlineData("\u2018quoted\u2019", "\u2018quoted\u2019")]
    [InlineData("it''", "it''")]
    [InlineData("plain", "plain")]
    public void In_word_apostrophes_are_written_as_one_ascii_apostrophe(string text, string expected) =>
        Assert.Equal(expected, WordApostrophes.ToAscii(text));

    [Fact]
    public void A_text_without_other_apostrophes_is_returned_as_it_is()
    {
        var text = "user doesn't exist";
        Assert.Same(text, WordApostrophes.ToAscii(text));
    }
}
