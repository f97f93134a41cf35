using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Dreaming.AgentView.Rendering;

/// <summary>Builds one HTML page. Every piece of text and every attribute value goes through <see cref="HtmlEncoder"/>
/// (but the control characters of a form field's value, which mean nothing to markup: <see cref="Value"/>); only the
/// markup the view itself writes (<see cref="Raw"/>, given constant strings) is written as is.</summary>
/// <remarks>Recorded text is written as the browser would show it, in markup that parses without error: a carriage return
/// as a line feed, a NUL or another control character (but tab and line feed) as U+FFFD, the character a browser shows
/// for it (encoded as a reference, such a character is a parse error, and U+0080 to U+009F would read as Windows-1252);
/// a bidirectional embedding, override or isolate (U+202A to U+202E, U+2066 to U+2069) as its code point in brackets
/// (<c>[U+202E]</c>), so a recorded id cannot reorder what follows it on the page. A form field's value
/// (<see cref="Value"/>) keeps both (but NUL and carriage return, which the parser changes anyway), so that the field
/// sends back what it was given. Not thread-safe: one writer per
/// request.</remarks>
internal sealed class HtmlWriter
{
    /// <summary>The most characters of a text a tooltip shows (<see cref="Title"/>).</summary>
    public const int TitleLength = 2000;

    /// <summary>The most characters of HTML a page's tooltips hold in all (a character such as '&lt;' or 'é' is written as
    /// several): a tooltip that does not fit in what is left gives only the text's length, so a window of 2,000 events each
    /// holding a value of megabytes costs the page a bounded number of tooltips, whatever characters they hold.</summary>
    public const int PageTitleBudget = 200_000;

    /// <summary>The most characters of a short recorded value (an id, a name, a label, a type) a page shows where it is
    /// written (<see cref="Short"/>): a longer one is cut, the rest in its tooltip up to <see cref="TitleLength"/>.</summary>
    public const int ValueLength = 200;

    /// <summary>The longest link the view writes: a longer address (an id of many kilobytes in its path) could not be
    /// opened (Kestrel refuses a request line over 8 KB by default, <c>MaxRequestLineSize</c>), so its text is written
    /// without a link, saying why.</summary>
    public const int MaxHrefLength = 8000;

    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Default;
    private readonly StringBuilder _html = new(4096);
    private int _titleBudget = PageTitleBudget;

    /// <summary>Gets the characters written so far.</summary>
    public int Length => _html.Length;

    /// <summary>Writes markup as is. Pass only markup the view writes, never recorded text.</summary>
    public HtmlWriter Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    /// <summary>Writes text, encoded, as the browser shows it (see the remarks of <see cref="HtmlWriter"/>).</summary>
    public HtmlWriter Text(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _html.Append(s_encoder.Encode(Shown(text, visibleBidi: true)));
        }

        return this;
    }

    /// <summary>Writes the value of a form field, encoded, so that the field sends back the value it was given: the
    /// bidirectional controls are kept, and so are the control characters, written as they are (a reference to one would
    /// read as another character for U+0080 to U+009F; either way it is a parse error, which a field that is to send back
    /// its value must accept). A NUL is U+FFFD and a carriage return a line feed, as the parser reads them anyway.</summary>
    public HtmlWriter Value(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return this;
        }

        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]) && text[i] is not ('\0' or '\r' or '\t' or '\n'))
            {
                _html.Append(s_encoder.Encode(Shown(text[start..i], visibleBidi: false))).Append(text[i]);
                start = i + 1;
            }
        }

        _html.Append(s_encoder.Encode(Shown(text[start..], visibleBidi: false)));
        return this;
    }

    /// <summary>Writes a short recorded value (an id, a name, a label): cut at <see cref="ValueLength"/> characters with
    /// the value as its tooltip (<see cref="Cut"/>).</summary>
    public HtmlWriter Short(string? text) => Cut(text, ValueLength);

    /// <summary>A class name made of a recorded value (<c>status-</c> and an outcome label): the value when it is a plain
    /// name (lower-case letters, digits, '_' and '-', at most 40 characters), else <c>other</c>, so a label cannot add
    /// classes of its own nor cost the page its length.</summary>
    /// <param name="value">The value.</param>
    public static string ClassName(string? value) =>
        value is { Length: > 0 and <= 40 } && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-') ? value : "other";

    // The text as the page shows it: no control character but tab and line feed (a carriage return is a line break, the
    // others U+FFFD), and, when visibleBidi, each bidirectional embedding, override or isolate as "[U+202E]".
    private static string Shown(string text, bool visibleBidi)
    {
        var span = text.AsSpan();
        var needed = false;
        foreach (var c in span)
        {
            if ((char.IsControl(c) && c is not ('\t' or '\n')) || (visibleBidi && IsBidiControl(c)))
            {
                needed = true;
                break;
            }
        }

        if (!needed)
        {
            return text;
        }

        var shown = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r')
            {
                shown.Append('\n');
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
            }
            else if (char.IsControl(c) && c is not ('\t' or '\n'))
            {
                shown.Append('\uFFFD');
            }
            else if (visibleBidi && IsBidiControl(c))
            {
                shown.Append(CultureInfo.InvariantCulture, $"[U+{(int)c:X4}]");
            }
            else
            {
                shown.Append(c);
            }
        }

        return shown.ToString();
    }

    private static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>Writes a number in the invariant culture.</summary>
    public HtmlWriter Number(long value) => Raw(value.ToString("N0", CultureInfo.InvariantCulture));

    /// <summary>Writes <c>&lt;tag class="..."&gt;text&lt;/tag&gt;</c>.</summary>
    public HtmlWriter Element(string tag, string? text, string? cssClass = null)
    {
        Open(tag, cssClass);
        Text(text);
        return Close(tag);
    }

    /// <summary>Writes an opening tag with an optional class.</summary>
    public HtmlWriter Open(string tag, string? cssClass = null)
    {
        _html.Append('<').Append(tag);
        if (cssClass is not null)
        {
            _html.Append(" class=\"").Append(s_encoder.Encode(cssClass)).Append('"');
        }

        _html.Append('>');
        return this;
    }

    /// <summary>Writes a closing tag.</summary>
    public HtmlWriter Close(string tag)
    {
        _html.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>Writes a link; <paramref name="href"/> is a URL the view built (<see cref="AgentViewContext.Href(string[])"/>).</summary>
    /// <remarks>The text is cut at <see cref="ValueLength"/> (<see cref="Short"/>). A link longer than
    /// <see cref="MaxHrefLength"/> is written as its text alone, in a <c>span class="unlinked"</c> whose tooltip says why.</remarks>
    public HtmlWriter Link(string href, string? text, string? cssClass = null)
    {
        if (!OpenLink(href, cssClass))
        {
            return Short(text).Close("span");
        }

        Short(text);
        return Close("a");
    }

    /// <summary>Opens a link (<c>&lt;a href="..."&gt;</c>), or, when <paramref name="href"/> is longer than
    /// <see cref="MaxHrefLength"/>, a <c>&lt;span class="unlinked"&gt;</c> saying why there is no link; the caller writes
    /// the content and closes the element <see cref="CloseLink"/> names.</summary>
    /// <param name="href">A URL the view built.</param>
    /// <param name="cssClass">The link's class, if any.</param>
    /// <returns>Whether a link was opened (else a span).</returns>
    public bool OpenLink(string href, string? cssClass = null)
    {
        if (href.Length > MaxHrefLength)
        {
            _html.Append("<span class=\"unlinked\" title=\"")
                .Append(string.Create(CultureInfo.InvariantCulture, $"Not linked: its address would be {href.Length:N0} characters long, more than a server accepts ({MaxHrefLength:N0} here)."))
                .Append("\">");
            return false;
        }

        _html.Append("<a href=\"").Append(s_encoder.Encode(href)).Append('"');
        if (cssClass is not null)
        {
            _html.Append(" class=\"").Append(s_encoder.Encode(cssClass)).Append('"');
        }

        _html.Append('>');
        return true;
    }

    /// <summary>Closes what <see cref="OpenLink"/> opened.</summary>
    /// <param name="linked">What <see cref="OpenLink"/> returned.</param>
    public HtmlWriter CloseLink(bool linked) => Close(linked ? "a" : "span");

    /// <summary>Writes a <c>&lt;time&gt;</c> element: UTC, to the second, with the full ISO 8601 value as its
    /// <c>datetime</c>.</summary>
    public HtmlWriter Time(DateTimeOffset? value)
    {
        if (value is not { } time)
        {
            return Text("-");
        }

        var utc = time.ToUniversalTime();
        _html.Append("<time datetime=\"").Append(utc.ToString("O", CultureInfo.InvariantCulture)).Append("\">")
            .Append(utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append("</time>");
        return this;
    }

    /// <summary>Writes text cut to <paramref name="maxLength"/> characters (never inside a surrogate pair), with an ellipsis
    /// when cut and the text as the element's title (<see cref="Title"/>: at most <see cref="TitleLength"/> characters).</summary>
    public HtmlWriter Cut(string? text, int maxLength)
    {
        if (text is null || text.Length <= maxLength)
        {
            return Text(text);
        }

        var end = maxLength;
        if (char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        _html.Append("<span");
        Title(text).Raw(">");
        Text(text[..end]).Raw("&#8230;");
        return Close("span");
    }

    /// <summary>Writes a <c> title="..."</c> attribute (a tooltip) holding the text, or its first
    /// <see cref="TitleLength"/> characters and its length when longer: a row's tooltip must not cost the page a whole
    /// recorded payload. A tooltip whose HTML does not fit in what is left of the page's <see cref="PageTitleBudget"/> gives
    /// only the text's length.</summary>
    public HtmlWriter Title(string? text)
    {
        if (text is null)
        {
            return this;
        }

        _html.Append(" title=\"");
        var end = text.Length <= TitleLength ? text.Length : char.IsHighSurrogate(text[TitleLength - 1]) ? TitleLength - 1 : TitleLength;
        var shown = s_encoder.Encode(Shown(text[..end], visibleBidi: true));
        if (shown.Length <= _titleBudget)
        {
            _titleBudget -= shown.Length;
            _html.Append(shown);
            if (end < text.Length)
            {
                Text(string.Create(CultureInfo.InvariantCulture, $"\u2026 ({text.Length:N0} characters)"));
            }
        }
        else
        {
            Text(string.Create(CultureInfo.InvariantCulture, $"({text.Length:N0} characters)"));
        }

        _html.Append('"');
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => _html.ToString();
}
