using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Dreaming.AgentView.Rendering;

/// <summary>Builds one HTML page. Every piece of text and every attribute value goes through <see cref="HtmlEncoder"/>;
/// only the markup the view itself writes (<see cref="Raw"/>, given constant strings) is written as is.</summary>
/// <remarks>Not thread-safe: one writer per request.</remarks>
internal sealed class HtmlWriter
{
    /// <summary>The most characters of a text a tooltip shows (<see cref="Title"/>).</summary>
    public const int TitleLength = 2000;

    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Default;
    private readonly StringBuilder _html = new(4096);

    /// <summary>Writes markup as is. Pass only markup the view writes, never recorded text.</summary>
    public HtmlWriter Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    /// <summary>Writes text, encoded.</summary>
    public HtmlWriter Text(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _html.Append(s_encoder.Encode(text));
        }

        return this;
    }

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
    public HtmlWriter Link(string href, string? text, string? cssClass = null)
    {
        _html.Append("<a href=\"").Append(s_encoder.Encode(href)).Append('"');
        if (cssClass is not null)
        {
            _html.Append(" class=\"").Append(s_encoder.Encode(cssClass)).Append('"');
        }

        _html.Append('>');
        Text(text);
        return Close("a");
    }

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
    /// recorded payload.</summary>
    public HtmlWriter Title(string? text)
    {
        if (text is null)
        {
            return this;
        }

        _html.Append(" title=\"");
        if (text.Length <= TitleLength)
        {
            Text(text);
        }
        else
        {
            var end = char.IsHighSurrogate(text[TitleLength - 1]) ? TitleLength - 1 : TitleLength;
            Text(text[..end]).Text(string.Create(CultureInfo.InvariantCulture, $"\u2026 ({text.Length:N0} characters)"));
        }

        _html.Append('"');
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => _html.ToString();
}
