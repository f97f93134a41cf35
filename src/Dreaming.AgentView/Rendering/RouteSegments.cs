using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dreaming.AgentView.Rendering;

/// <summary>Reads an id (a session, agent, scope, version or run id) from a path segment as the view's link escaped it.</summary>
/// <remarks>The server decodes every escape of the path before routing except <c>%2F</c> (so that it does not split the
/// path), so the route value of <c>a%2Fb</c> (an id holding '/') and of <c>a%252Fb</c> (an id holding the text "%2F") are
/// both <c>a%2Fb</c>. The segment is therefore read from the request's raw target when the server keeps one (Kestrel does)
/// and it is the segment routing matched: decoded as the server decodes it, it equals the route value. Otherwise (a server
/// that keeps no raw target, such as the test server; a path a middleware rewrote; a target Kestrel normalised, with dot
/// segments or a literal '#') the route value is used, with <c>%2F</c> read as '/'. So the page always shows the id the
/// request was routed, and authorized, on.</remarks>
internal static class RouteSegments
{
    /// <summary>Reads the segment.</summary>
    /// <param name="http">The request.</param>
    /// <param name="routeValue">The route value of the segment.</param>
    /// <param name="fromEnd">Which segment of the path, counted from the last (0).</param>
    /// <returns>The id.</returns>
    public static string Read(HttpContext http, string routeValue, int fromEnd = 0)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is { Length: > 0 } && raw[0] == '/')
        {
            var query = raw.IndexOf('?', StringComparison.Ordinal);
            var path = (query < 0 ? raw : raw[..query]).TrimEnd('/');
            var segments = path.Split('/');
            if (segments.Length > fromEnd + 1 && string.Equals(AsServerDecodes(segments[^(fromEnd + 1)]), routeValue, StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(segments[^(fromEnd + 1)]);
            }
        }

        return routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
    }

    // Every escape decoded but %2F (either case), as the server decodes a path before routing.
    private static string AsServerDecodes(string segment) =>
        string.Join("%2F", segment.Split("%2F", StringSplitOptions.None).Select(part => string.Join("%2f", part.Split("%2f").Select(Uri.UnescapeDataString))));
}
