using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dreaming.AgentView.Rendering;

/// <summary>Writes the pieces the memory and dream run pages share: enum names, authors, scope and version links, long
/// text cut to a bounded length, and a scope read back from a path segment.</summary>
internal static class MemoryHtml
{
    /// <summary>The most characters of one recorded text (an insight, a change's reason, a note) a page shows; the rest is
    /// counted, not shown, so a 1 MB text costs the page a few kilobytes.</summary>
    public const int MaxTextLength = 4000;

    /// <summary>An enum's name as the CLI and the JSON write it: lower case, words joined by '_' (<c>dream_run</c>).</summary>
    /// <param name="value">The value.</param>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => Enum.IsDefined(value)
            ? JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString())
            : Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes a state as a coloured label, such as <c>&lt;span class="status status-active"&gt;active&lt;/span&gt;</c>.</summary>
    /// <param name="html">The page.</param>
    /// <param name="name">The state's name (from <see cref="Name{TEnum}"/>).</param>
    public static HtmlWriter State(this HtmlWriter html, string name) => html.Element("span", name, "status status-" + name);

    /// <summary>Writes an author: a dream run links to its report, a person is their name.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="author">The author, or <see langword="null"/> ("-").</param>
    public static HtmlWriter Author(this HtmlWriter html, AgentViewContext view, MemoryAuthor? author) => author switch
    {
        null => html.Text("-"),
        { Kind: MemoryAuthorKind.DreamRun } => html.Text("dream run ").Link(view.Href("runs", author.Id), author.Id),
        _ => html.Text("person ").Element("span", author.Id, "person"),
    };

    /// <summary>Writes a link to a version's page, or "-".</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="versionId">The version id, or <see langword="null"/>.</param>
    /// <param name="text">The link's text; the id when <see langword="null"/>.</param>
    public static HtmlWriter VersionLink(this HtmlWriter html, AgentViewContext view, string? versionId, string? text = null) =>
        versionId is null ? html.Text("-") : html.Link(view.Href("memory", "versions", versionId), text ?? versionId);

    /// <summary>Writes a link to a session's page.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="sessionId">The session id.</param>
    /// <param name="text">The link's text; the id when <see langword="null"/>.</param>
    public static HtmlWriter SessionLink(this HtmlWriter html, AgentViewContext view, string sessionId, string? text = null) =>
        html.Link(view.Href("sessions", sessionId), text ?? sessionId);

    /// <summary>Writes recorded text in a <c>&lt;pre&gt;</c>, cut at <see cref="MaxTextLength"/> characters (never inside a
    /// surrogate pair) with a note of how many more there are.</summary>
    /// <param name="html">The page.</param>
    /// <param name="text">The text.</param>
    /// <param name="cssClass">The class of the <c>&lt;pre&gt;</c>.</param>
    public static HtmlWriter LongText(this HtmlWriter html, string? text, string cssClass = "text")
    {
        html.Open("pre", cssClass);
        if (text is null || text.Length <= MaxTextLength)
        {
            return html.Text(text).Close("pre");
        }

        var end = char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength;
        html.Text(text[..end]).Close("pre");
        return html.Element("p", string.Create(CultureInfo.InvariantCulture, $"(cut: {text.Length - end:N0} more characters not shown)"), "cap");
    }

    /// <summary>Writes a short text (a note in a table) cut at <paramref name="maxLength"/> characters with the text up to
    /// <see cref="MaxTextLength"/> characters as its title.</summary>
    /// <param name="html">The page.</param>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">The most characters shown.</param>
    public static HtmlWriter Short(this HtmlWriter html, string? text, int maxLength)
    {
        if (text is { Length: > MaxTextLength })
        {
            text = text[..(char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength)];
        }

        return html.Cut(text, maxLength);
    }

    /// <summary>Reads a scope key from a path segment (see <see cref="Segment"/>).</summary>
    /// <param name="view">The request.</param>
    /// <param name="routeValue">The route value.</param>
    /// <param name="scope">The scope, when the key is valid.</param>
    /// <returns>Whether the key is valid.</returns>
    public static bool TryParseScope(AgentViewContext view, string routeValue, out MemoryScope? scope) =>
        MemoryScope.TryParse(Segment(view, routeValue), out scope);

    /// <summary>Reads an id (a scope key, a version or run id) from a path segment as the link escaped it. The server
    /// decodes every escape of the path but <c>%2F</c>, so the route value of <c>a%2Fb</c> ('/') and of <c>a%252Fb</c> (the
    /// text "%2F") are both <c>a%2Fb</c>: the segment is read from the request's raw target instead, when the server
    /// gives one that matches the route value, and otherwise from the route value with <c>%2F</c> read as '/'.</summary>
    /// <param name="view">The request.</param>
    /// <param name="routeValue">The route value.</param>
    /// <param name="fromEnd">Which segment, counted from the last (0).</param>
    public static string Segment(AgentViewContext view, string routeValue, int fromEnd = 0)
    {
        var raw = view.Http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is { Length: > 0 } && raw[0] == '/')
        {
            var end = raw.IndexOfAny(['?', '#']);
            var segments = (end < 0 ? raw : raw[..end]).TrimEnd('/').Split('/');
            if (segments.Length > fromEnd)
            {
                var segment = segments[^(fromEnd + 1)];
                var asServerDecodes = string.Join("%2F", segment.Split("%2F", StringSplitOptions.None).Select(part => string.Join("%2f", part.Split("%2f").Select(Uri.UnescapeDataString))));
                if (string.Equals(asServerDecodes, routeValue, StringComparison.Ordinal))
                {
                    return Uri.UnescapeDataString(segment);
                }
            }
        }

        return routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Writes a page saying a change was refused because of the state it found (status 409).</summary>
    /// <param name="view">The request.</param>
    /// <param name="message">The store's refusal.</param>
    /// <param name="versionId">The version the change was asked for, linked back to.</param>
    public static Task WriteConflictAsync(AgentViewContext view, string message, string versionId) =>
        AgentViewLayout.WritePageAsync(view, "Refused", html =>
        {
            html.Element("p", message, "error-message");
            html.Raw("<p>").Link(view.Href("memory", "versions", versionId), "Back to the version").Raw("</p>");
        }, StatusCodes.Status409Conflict);
}
