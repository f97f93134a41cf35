namespace Dreaming;

/// <summary>What a webhook URL must be, and how it is shown in a message: never with the user name, password, query or
/// fragment it may hold.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each). Stateless; thread-safe.</remarks>
internal static class WebhookUrls
{
    /// <summary>Reads a webhook URL: an absolute http:// or https:// URL, as an endpoint's validation and the id derived from
    /// a URL both require.</summary>
    /// <param name="url">The URL as given, or <see langword="null"/>.</param>
    /// <param name="uri">The URL read, when it is one.</param>
    /// <returns>Whether <paramref name="url"/> is an absolute http(s) URL.</returns>
    public static bool TryParse(string? url, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? uri) =>
        Uri.TryCreate(url, UriKind.Absolute, out uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Returns the URL as a message may show it, whether or not it parses: what stands between the scheme (or the
    /// start) and the last <c>@</c> before the path is a user name or password, and is shown as <c>***</c>; a query or
    /// fragment (where receivers often take a token) is shown as <c>?***</c> or <c>#***</c>. The part the checks are about
    /// (scheme, host, path) stays readable.</summary>
    /// <param name="url">The URL as given, or <see langword="null"/>.</param>
    /// <returns>The URL to show; empty for <see langword="null"/>.</returns>
    public static string Shown(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return url ?? string.Empty;
        }

        var start = url.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? scheme + 3 : 0;
        var end = url.IndexOfAny(['/', '?', '#'], start) is var path and >= 0 ? path : url.Length;
        var at = end > start ? url.LastIndexOf('@', end - 1, end - start) : -1;
        var shown = at < 0 ? url : string.Concat(url.AsSpan(0, start), "***", url.AsSpan(at));
        var tail = shown.IndexOfAny(['?', '#'], at < 0 ? start : start + 3);
        return tail < 0 ? shown : string.Concat(shown.AsSpan(0, tail + 1), "***");
    }
}
