using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary>The memory scopes the view offers: the memory store has no list of scopes, so these are the scopes the
/// sessions name (each session's agent, <c>agent:ID</c>, and its team, <c>team:ID</c>) plus <c>global</c>, from one query of
/// <see cref="SessionsRead"/> sessions, newest first; a link pages on to the scopes of the older sessions (the sessions
/// query's cursor, <c>?cursor=</c>), and any scope is reached by typing its key in the form.</summary>
internal static class KnownScopes
{
    /// <summary>How many sessions one page of scopes reads.</summary>
    public const int SessionsRead = 500;

    /// <summary>The query name of the cursor of the sessions a page of scopes reads from.</summary>
    public const string Cursor = "cursor";

    /// <summary>Reads the scopes of one page of sessions, newest first: the newest (with <c>global</c> first), or those after
    /// the request's <see cref="Cursor"/>; agents and teams in order of key. Writes a 400 page, and returns
    /// <see langword="null"/>, for a cursor given twice or one the store did not issue.</summary>
    /// <param name="view">The request.</param>
    /// <returns>The scopes, the cursor the request gave, the cursor of the older sessions (<see langword="null"/> when none
    /// are left), and how many sessions were read.</returns>
    public static async Task<(IReadOnlyList<MemoryScope> Scopes, string? From, string? Next, int Read)?> ReadAsync(AgentViewContext view)
    {
        var given = view.Http.Request.Query[Cursor];
        if (given.Count > 1)
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"The query gives '{Cursor}' {given.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)} times; give it once.").ConfigureAwait(false);
            return null;
        }

        var from = string.IsNullOrEmpty(given.ToString()) ? null : given.ToString();
        var store = view.Http.RequestServices.GetRequiredService<ITraceStore>();
        SessionPage page;
        try
        {
            page = await store.QuerySessionsAsync(new SessionQuery { Order = SessionOrder.NewestFirst, PageSize = SessionsRead, Cursor = from }, view.Aborted).ConfigureAwait(false);
        }
        catch (ArgumentException) when (from is not null)
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"The cursor '{AgentViewLayout.Echo(from)}' is not one this store issued: open the list of scopes from its first page.").ConfigureAwait(false);
            return null;
        }

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

        return (from is null ? [MemoryScope.Global, .. keys.Values] : [.. keys.Values], from, page.NextCursor, page.Items.Count);
    }

    /// <summary>Reads a scope key given in the query (a link's or the form's): the key exactly as given when it is one, so
    /// that an id ending in a space (<c>agent:a </c>) opens its own scope and not that of <c>agent:a</c>; else the key
    /// without the white space around it (typed with a space before or after it).</summary>
    /// <param name="given">The key as given.</param>
    /// <param name="scope">The scope, when the key is one.</param>
    /// <returns>Whether it is a scope key.</returns>
    public static bool TryParseTyped(string given, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MemoryScope? scope) =>
        MemoryScope.TryParse(given, out scope) || MemoryScope.TryParse(given.Trim(), out scope);

    /// <summary>Writes the form that opens any scope by its key (a GET to <paramref name="action"/> with <c>scope</c>).</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="action">The page the form opens, such as <c>"memory"</c>.</param>
    /// <param name="value">The key to show in the field; one longer than <see cref="HtmlWriter.MaxHrefLength"/>, which the
    /// form could not send back (a server refuses such a request line), is left out.</param>
    public static void WriteForm(HtmlWriter html, AgentViewContext view, string action, string? value)
    {
        value = value is { Length: > HtmlWriter.MaxHrefLength } ? null : value;
        html.Raw("<form class=\"scope-form\" method=\"get\" action=\"").Text(view.Href(action)).Raw("\"><label>Scope <input name=\"scope\" placeholder=\"agent:ID, team:ID or global\" value=\"")
            .Value(value).Raw("\"></label> <button type=\"submit\">Open</button></form>");
    }

    /// <summary>Writes the note under a list of scopes: which sessions named them, with links to the scopes of older
    /// sessions and back to the newest.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="path">The page's path under the view, such as <c>"memory"</c>.</param>
    /// <param name="from">The cursor the page was read from, or <see langword="null"/> for the newest sessions.</param>
    /// <param name="next">The cursor of the older sessions, or <see langword="null"/> when none are left.</param>
    /// <param name="read">How many sessions named the scopes (the last page of older sessions holds fewer than
    /// <see cref="SessionsRead"/>).</param>
    public static void WriteCapNote(HtmlWriter html, AgentViewContext view, string path, string? from, string? next, int read)
    {
        if (from is null && next is null)
        {
            html.Element("p", "Scopes named by the recorded sessions.", "muted");
            return;
        }

        html.Raw("<p class=\"cap pager\">").Text(from is null
            ? $"Scopes named by the newest {SessionsRead} sessions; older sessions may name others. "
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Scopes named by {read:N0} older {(read == 1 ? "session" : "sessions")} (global and the scopes of newer sessions are on the first page). "));
        if (next is not null)
        {
            html.Link(view.HrefWithQuery(path, (Cursor, next)), "Scopes of older sessions", "next").Raw(" ");
        }

        if (from is not null)
        {
            html.Link(view.Href(path), "Scopes of the newest sessions");
        }

        html.Raw("</p>");
    }
}
