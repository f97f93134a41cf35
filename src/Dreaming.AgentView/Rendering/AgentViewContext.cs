using Microsoft.AspNetCore.Http;

namespace Dreaming.AgentView.Rendering;

/// <summary>One request to the view: its <see cref="HttpContext"/>, the view's options and the path the view is mapped
/// at, from which every link is built.</summary>
/// <param name="Http">The request.</param>
/// <param name="Options">The view's options.</param>
/// <param name="BasePath">The path the view is mapped at, without a trailing '/': the host's path base plus the pattern
/// given to <c>MapDreamingAgentView</c>.</param>
internal sealed record AgentViewContext(HttpContext Http, AgentViewOptions Options, string BasePath)
{
    /// <summary>The request's cancellation: the client going away stops the store's reads.</summary>
    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>A link to a page of the view: the segments are escaped (a session id may hold '/', '?' or '#').</summary>
    /// <param name="segments">The path segments under the view, such as <c>"sessions", id</c>.</param>
    public string Href(params string[] segments)
    {
        if (segments.Length == 0)
        {
            return BasePath + "/";
        }

        return BasePath + "/" + string.Join('/', segments.Select(Uri.EscapeDataString));
    }

    /// <summary>A link to a page of the view with a query string; <see langword="null"/> values are left out.</summary>
    /// <param name="path">The path under the view (already escaped, from constants), such as <c>"sessions"</c>.</param>
    /// <param name="query">The query's names and values; the values are escaped.</param>
    public string HrefWithQuery(string path, params (string Name, string? Value)[] query)
    {
        var parts = query.Where(q => q.Value is not null).Select(q => q.Name + "=" + Uri.EscapeDataString(q.Value!)).ToArray();
        return parts.Length == 0 ? BasePath + "/" + path : BasePath + "/" + path + "?" + string.Join('&', parts);
    }
}
