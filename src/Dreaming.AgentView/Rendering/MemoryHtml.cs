using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

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
        _ => html.Text("person ").Open("span", "person").Short(author.Id).Close("span"),
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
    /// <param name="whole">Where the text can be read whole (a link the view built), named by the note when it is cut.</param>
    public static HtmlWriter LongText(this HtmlWriter html, string? text, string cssClass = "text", string? whole = null)
    {
        html.Open("pre", cssClass);
        if (text is null || text.Length <= MaxTextLength)
        {
            return html.Text(text).Close("pre");
        }

        var end = char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength;
        html.Text(text[..end]).Close("pre");
        html.Open("p", "cap").Text(string.Create(CultureInfo.InvariantCulture, $"(cut: {text.Length - end:N0} more characters not shown)"));
        if (whole is not null)
        {
            html.Raw(" ").Link(whole, "The whole text, as recorded (JSON).");
        }

        return html.Close("p");
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

    /// <summary>Reads a scope key from a path segment (<see cref="RouteSegments.Read"/>).</summary>
    /// <param name="view">The request.</param>
    /// <param name="routeValue">The route value.</param>
    /// <param name="scope">The scope, when the key is valid.</param>
    /// <returns>Whether the key is valid.</returns>
    public static bool TryParseScope(AgentViewContext view, string routeValue, out MemoryScope? scope) =>
        MemoryScope.TryParse(RouteSegments.Read(view.Http, routeValue), out scope);

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
