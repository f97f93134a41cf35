using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Dreaming.AgentView.Rendering;

/// <summary>Writes a page of the view: the shell (title, navigation, style sheet) around a body, with the headers every
/// page carries.</summary>
internal static class AgentViewLayout
{
    /// <summary>The headers of every page: a strict content security policy (no script at all, styles from the app
    /// itself only, forms posting back to the app only, never framed), no caching (the pages show recorded prompts), no
    /// referrer (a link out must not carry a session id) and no content sniffing.</summary>
    private const string ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The navigation: each entry's text and its path under the view.</summary>
    private static readonly (string Text, string Path)[] s_navigation =
    [
        ("Sessions", ""),
        ("All sessions", "sessions"),
        ("Agents", "agents"),
        ("Memory", "memory"),
        ("Dream runs", "runs"),
        ("Webhooks", "webhooks"),
    ];

    /// <summary>Writes a whole page.</summary>
    /// <param name="view">The request.</param>
    /// <param name="title">The page's title (shown and in the window title).</param>
    /// <param name="body">Writes the page's content.</param>
    /// <param name="statusCode">The response's status code.</param>
    public static Task WritePageAsync(AgentViewContext view, string title, Action<HtmlWriter> body, int statusCode = StatusCodes.Status200OK)
    {
        var html = new HtmlWriter();
        html.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
            .Text(title).Text(" - ").Text(view.Options.Title).Raw("</title><link rel=\"stylesheet\" href=\"")
            .Text(view.Href(AgentViewStyles.Path.Split('/'))).Raw("\"></head><body><header>")
            .Element("h1", view.Options.Title).Raw("<nav>");
        foreach (var (text, path) in s_navigation)
        {
            html.Link(path.Length == 0 ? view.Href() : view.Href(path), text);
        }

        html.Raw("</nav></header><main>").Element("h2", title);
        body(html);
        html.Raw("</main></body></html>");

        var response = view.Http.Response;
        response.StatusCode = statusCode;
        response.ContentType = "text/html; charset=utf-8";
        SetHeaders(response);
        return response.WriteAsync(html.ToString(), Encoding.UTF8, view.Aborted);
    }

    /// <summary>The most characters of a value a message echoes (<see cref="Echo(string)"/>).</summary>
    public const int EchoLength = 200;

    /// <summary>A value as a message (a 400's, a 404's, a title) echoes it: whole up to <see cref="EchoLength"/> characters,
    /// else its start (never half a surrogate pair), an ellipsis and its length, so a request holding a value of
    /// megabytes (a cursor, an id) gets a page of a few hundred bytes back.</summary>
    /// <param name="value">The value.</param>
    public static string Echo(string value) => Echo(value, EchoLength);

    /// <summary>A text as a message echoes it: whole up to <paramref name="length"/> characters, else its start, an ellipsis
    /// and its length.</summary>
    /// <param name="value">The text.</param>
    /// <param name="length">The most characters echoed.</param>
    public static string Echo(string value, int length)
    {
        if (value.Length <= length)
        {
            return value;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value.AsSpan(0, LongTextWriter.SafeEnd(value, length))}\u2026 ({value.Length:N0} characters)");
    }

    /// <summary>Writes a page saying what was not found (status 404).</summary>
    /// <param name="view">The request.</param>
    /// <param name="message">What was not found, such as "No session 'abc'.".</param>
    public static Task WriteNotFoundAsync(AgentViewContext view, string message) =>
        WritePageAsync(view, "Not found", html => html.Element("p", message, "error-message"), StatusCodes.Status404NotFound);

    /// <summary>Writes a page saying what was wrong with the request (status 400).</summary>
    /// <param name="view">The request.</param>
    /// <param name="message">What is wrong, naming the value.</param>
    public static Task WriteBadRequestAsync(AgentViewContext view, string message) =>
        WritePageAsync(view, "Bad request", html => html.Element("p", message, "error-message"), StatusCodes.Status400BadRequest);

    /// <summary>Sets the headers every response of the view carries.</summary>
    /// <param name="response">The response.</param>
    public static void SetHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
