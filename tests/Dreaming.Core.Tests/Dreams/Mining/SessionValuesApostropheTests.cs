namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>A customer's name with an apostrophe (O'Brien, D'Angelo) is one value whichever apostrophe the session and the
/// error write it with: ASCII, typographic, the modifier letter, a mistyped one, or doubled as a SQL string literal echoes
/// it. It is masked whole, never cut at the apostrophe with a part of the name left in the lesson.</summary>
public sealed class SessionValuesApostropheTests
{
    [Theory]
    [InlineData("O'Brien", "Error: no seat left for O'Brien on this flight")]
    [InlineData("O'Brien", "Error: no seat left for O\u2019Brien on this flight")]
    [InlineData("O'Brien", "Error: no seat left for O\u02BCBrien on this flight")]
    [InlineData("O'Brien", "Error: no seat left for O\u2018Brien on this flight")]
    [InlineData("O'Brien", "Error: no seat left for O`Brien on this flight")]
    [InlineData("O'Brien", "Error: no seat left for O\u00B4Brien on this flight")]
    [InlineData("O'Brien", "Error: no seat left for O\uFF07Brien on this flight")]
    [InlineData("O'Brien", "Error: no seat left for O''Brien on this flight")]
    [InlineData("O\u2019Brien", "Error: no seat left for O'Brien on this flight")]
    [InlineData("O\u02BCBrien", "Error: no seat left for O'Brien on this flight")]
    public void A_name_with_an_apostrophe_is_masked_whole_in_text_whichever_apostrophe_each_writes(string name, string text)
    {
        var session = MiningSessions.Failed("f").CallWithResult("get_user", "{}", "{\"last_name\":\"" + name + "\"}").Build();

        var masked = SessionValues.ForText([session]).MaskText(text, out var count);

        Assert.Equal("Error: no seat left for <value> on this flight", masked);
        Assert.Equal(1, count);
    }

    [Theory]
    [InlineData("O'Brien", "Error: no seat left for O\u2019Brien")]
    [InlineData("O\u2019Brien", "Error: no seat left for O'Brien")]
    [InlineData("D'Angelo", "Error: no seat left for D\u02BCAngelo")]
    public async Task A_signature_masks_the_name_whole_whichever_apostrophe_each_writes(string name, string error)
    {
        var sessions = Enumerable.Range(0, 3)
            .Select(i => MiningSessions.Failed("f" + i).CallWithResult("get_user", "{}", "{\"last_name\":\"" + name + "\"}").Call("book_seat", "{}", error))
            .Append(MiningSessions.Succeeded("s").Call("book_seat", "{}"));

        var report = await MiningSessions.MineAsync(sessions);

        Assert.Equal("Error: no seat left for <value>", Assert.Single(report.Findings, f => f.Tool == "book_seat").Signature);
    }

    [Fact]
    public void Words_the_session_does_not_hold_keep_their_apostrophes()
    {
        var session = MiningSessions.Failed("f").CallWithResult("get_user", "{}", "{\"last_name\":\"O'Brien\"}").Build();

        Assert.Equal("Error: the agent didn\u2019t check O\u2019Neil", SessionValues.ForText([session]).MaskText("Error: the agent didn\u2019t check O\u2019Neil", out _));
    }

    // Only "I" and its contractions are kept: a name that begins with I and an apostrophe (I'Anson) is a name.
    [Theory]
    [InlineData("Lucy I'Anson", "Error: no seat left for I'Anson on this flight", "Error: no seat left for <value> on this flight")]
    [InlineData("Lucy I'Anson", "Error: no seat left for I\u2019Anson on this flight", "Error: no seat left for <value> on this flight")]
    [InlineData("I'm Lucy, I'll wait", "Error: I'm sorry, I'll check, I\u2019ve none, I''d say", "Error: I'm sorry, I'll check, I\u2019ve none, I''d say")]
    [InlineData("I'LL WAIT", "Error: I'LL check", "Error: I'LL check")]
    public void Contractions_of_I_are_kept_and_names_beginning_with_I_and_an_apostrophe_are_masked(string value, string text, string expected)
    {
        var session = MiningSessions.Failed("f").CallWithResult("get_user", "{}", "{\"name\":\"" + value + "\"}").Build();

        Assert.Equal(expected, SessionValues.ForText([session]).MaskText(text, out _));
    }

    // Words with an apostrophe that no session value holds, in English or French, are never masked: only a session's own
    // words are.
    [Theory]
    [InlineData("Error: Don't book at five o'clock, rock'n'roll, l'avion, d'accord, L'avion, D'accord, O'clock")]
    public void Ordinary_words_with_an_apostrophe_are_kept(string text)
    {
        var session = MiningSessions.Failed("f").UserMessage("Bonjour. L'avion est en retard. D'accord? Don't wait. It's five o'clock.").CallWithResult("get_user", "{}", "{\"name\":\"O'Brien\"}").Build();

        Assert.Equal(text, SessionValues.ForText([session]).MaskText(text, out _));
    }
}
