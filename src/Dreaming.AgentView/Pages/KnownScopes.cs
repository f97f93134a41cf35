using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary>The memory scopes the view offers: the memory store has no list of scopes, so these are the scopes the newest
/// sessions name (each session's agent, <c>agent:ID</c>, and its team, <c>team:ID</c>) plus <c>global</c>, from one query
/// of <see cref="SessionsRead"/> sessions; any other scope is reached by typing its key in the form.</summary>
internal static class KnownScopes
{
    /// <summary>How many of the newest sessions are read for their scopes.</summary>
    public const int SessionsRead = 500;

    /// <summary>Reads the scopes of the newest sessions, <c>global</c> first, then agents and teams in order of key.</summary>
    /// <param name="view">The request.</param>
    /// <returns>The scopes, and whether <see cref="SessionsRead"/> sessions were read (there may be scopes of older
    /// sessions not listed).</returns>
    public static async Task<(IReadOnlyList<MemoryScope> Scopes, bool Capped)> ReadAsync(AgentViewContext view)
    {
        var store = view.Http.RequestServices.GetRequiredService<ITraceStore>();
        var page = await store.QuerySessionsAsync(new SessionQuery { Order = SessionOrder.NewestFirst, PageSize = SessionsRead }, view.Aborted).ConfigureAwait(false);
        var keys = new SortedDictionary<string, MemoryScope>(StringComparer.Ordinal);
        foreach (var session in page.Items)
        {
            if (MemoryScope.TryParse("agent:" + session.AgentId, out var agent))
            {
                keys.TryAdd(agent.Key, agent);
            }

            if (session.Scope is { } team && MemoryScope.TryParse("team:" + team, out var teamScope))
            {
                keys.TryAdd(teamScope.Key, teamScope);
            }
        }

        return ([MemoryScope.Global, .. keys.Values], page.NextCursor is not null);
    }

    /// <summary>Writes the form that opens any scope by its key (a GET to <paramref name="action"/> with <c>scope</c>).</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="action">The page the form opens, such as <c>"memory"</c>.</param>
    /// <param name="value">The key to show in the field.</param>
    public static void WriteForm(HtmlWriter html, AgentViewContext view, string action, string? value)
    {
        html.Raw("<form class=\"scope-form\" method=\"get\" action=\"").Text(view.Href(action)).Raw("\"><label>Scope <input name=\"scope\" placeholder=\"agent:ID, team:ID or global\" value=\"")
            .Value(value).Raw("\"></label> <button type=\"submit\">Open</button></form>");
    }

    /// <summary>Writes the note under a list of scopes that was read from a capped number of sessions.</summary>
    /// <param name="html">The page.</param>
    /// <param name="capped">Whether the cap was reached.</param>
    public static void WriteCapNote(HtmlWriter html, bool capped)
    {
        html.Element("p", capped
            ? $"Scopes named by the newest {SessionsRead} sessions; older sessions may name others: open them by key."
            : "Scopes named by the recorded sessions.", capped ? "cap" : "muted");
    }
}
