using System.Globalization;

namespace Dreaming.AgentView.Rendering;

/// <summary>Writes recorded text that may be long (a message, tool arguments, a tool's result): a short text whole, a
/// long one as its first lines with the whole text in a <c>&lt;details&gt;</c> element, which opens without script.</summary>
/// <remarks>What a page shows in full is bounded twice: one text shows at most <see cref="FullLength"/> characters, and
/// one page at most <see cref="PageBudget"/> in all; past either, the text is cut with a note saying how much was left
/// out. The page's budget counts the HTML the texts' full versions take (a character such as '&lt;' is written as four), so
/// it bounds the page, whatever the texts hold. A writer is one page's budget: not thread-safe.</remarks>
internal sealed class LongTextWriter
{
    /// <summary>The characters a text shows before it is folded.</summary>
    public const int PreviewLength = 300;

    /// <summary>The most characters of one text shown in full (twice the library's default <c>MaxContentLength</c>).</summary>
    public const int FullLength = 65_536;

    /// <summary>The most characters of HTML the long texts of one page take in full, a session's task included (the text
    /// that passes it is cut there, those after it are not shown in full).</summary>
    public const int PageBudget = 2_000_000;

    private long _remaining = PageBudget;

    /// <summary>Gets or sets where the texts being written can be read whole (a link the view built, such as the event
    /// as recorded), named by the note of a text that is cut; <see langword="null"/> for none.</summary>
    public string? Whole { get; set; }

    /// <summary>Writes a text in a <c>&lt;pre&gt;</c>, folded when longer than <see cref="PreviewLength"/>.</summary>
    /// <param name="html">The page.</param>
    /// <param name="text">The recorded text; nothing is written for <see langword="null"/>.</param>
    /// <param name="cssClass">The class of the <c>&lt;pre&gt;</c> (or of the <c>&lt;details&gt;</c>), if any.</param>
    public void Write(HtmlWriter html, string? text, string? cssClass = null)
    {
        if (text is null)
        {
            return;
        }

        if (text.Length <= PreviewLength)
        {
            html.Element("pre", text, cssClass);
            return;
        }

        var shown = (int)Math.Min(Math.Min(text.Length, FullLength), Math.Max(_remaining, 0));
        html.Raw("<details").Raw(cssClass is null ? string.Empty : " class=\"" + cssClass + "\"").Raw("><summary>")
            .Text(text[..SafeEnd(text, PreviewLength)]).Raw("&#8230; ")
            .Element("span", string.Create(CultureInfo.InvariantCulture, $"({text.Length:N0} characters)"), "muted")
            .Raw("</summary>");
        if (shown > 0)
        {
            html.Open("pre");
            var start = html.Length;
            html.Text(text[..SafeEnd(text, shown)]);
            _remaining -= html.Length - start;
            html.Close("pre");
        }

        if (shown < text.Length)
        {
            var left = text.Length - SafeEnd(text, shown);
            CutNote(html, shown == FullLength
                ? string.Create(CultureInfo.InvariantCulture, $"{left:N0} more characters not shown (one text shows at most {FullLength:N0}).")
                : string.Create(CultureInfo.InvariantCulture, $"{left:N0} more characters not shown (this page already shows {PageBudget:N0} in full)."), Whole);
        }

        html.Raw("</details>");
    }

    /// <summary>Writes a text whole in a <c>&lt;pre&gt;</c>, unfolded (a session's task), up to <see cref="FullLength"/>
    /// characters and what is left of the page's budget, with a note of how many more there are.</summary>
    /// <param name="html">The page.</param>
    /// <param name="text">The recorded text.</param>
    /// <param name="cssClass">The class of the <c>&lt;pre&gt;</c>.</param>
    public void WriteWhole(HtmlWriter html, string text, string cssClass)
    {
        var limit = (int)Math.Min(FullLength, Math.Max(_remaining, PreviewLength));
        var end = SafeEnd(text, limit);
        html.Open("pre", cssClass);
        var start = html.Length;
        html.Text(text[..end]);
        _remaining -= html.Length - start;
        html.Close("pre");
        if (end < text.Length)
        {
            CutNote(html, limit == FullLength
                ? string.Create(CultureInfo.InvariantCulture, $"{text.Length - end:N0} more characters not shown (one text shows at most {FullLength:N0}).")
                : string.Create(CultureInfo.InvariantCulture, $"{text.Length - end:N0} more characters not shown (this page already shows {PageBudget:N0} in full)."), Whole);
        }
    }

    // The note of a cut text, linking to where it can be read whole.
    private static void CutNote(HtmlWriter html, string note, string? whole)
    {
        html.Open("p", "cut-note").Text(note);
        if (whole is not null)
        {
            html.Raw(" ").Link(whole, "The whole text, as recorded (JSON).");
        }

        html.Close("p");
    }

    /// <summary>The end of a cut of <paramref name="text"/> to at most <paramref name="length"/> characters that does not
    /// split a surrogate pair.</summary>
    /// <param name="text">The text.</param>
    /// <param name="length">The most characters to keep.</param>
    public static int SafeEnd(string text, int length)
    {
        if (length >= text.Length)
        {
            return text.Length;
        }

        return length > 0 && char.IsHighSurrogate(text[length - 1]) && char.IsLowSurrogate(text[length]) ? length - 1 : length;
    }
}
