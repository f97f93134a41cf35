using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary><c>/memory</c>: the memory scopes (<see cref="KnownScopes"/>, <c>?cursor=</c> for those of older sessions) with
/// links to their versions and dream runs, and a form to open any scope by key. <c>/memory?scope=KEY</c> redirects to that scope's page.</summary>
internal static class MemoryScopesPage
{
    /// <summary>Writes the page, or redirects to the scope the query names.</summary>
    /// <param name="view">The request.</param>
    public static async Task WriteAsync(AgentViewContext view)
    {
        var requested = view.Http.Request.Query["scope"];
        if (requested.Count > 0)
        {
            if (!KnownScopes.TryParseTyped(requested.ToString(), out var scope))
            {
                await AgentViewLayout.WriteBadRequestAsync(view, $"'{AgentViewLayout.Echo(requested.ToString())}' is not a memory scope: write agent:ID, team:ID or global.").ConfigureAwait(false);
                return;
            }

            view.Http.Response.Redirect(view.Href("memory", scope.Key));
            return;
        }

        if (await KnownScopes.ReadAsync(view).ConfigureAwait(false) is not ({ } scopes, var from, var next, var read))
        {
            return;
        }

        await AgentViewLayout.WritePageAsync(view, "Memory", html =>
        {
            KnownScopes.WriteForm(html, view, "memory", null);
            html.Raw("<table class=\"scopes\"><thead><tr><th>Scope</th><th>Dream runs</th></tr></thead><tbody>");
            foreach (var scope in scopes)
            {
                html.Raw("<tr><td>").Link(view.Href("memory", scope.Key), scope.Key)
                    .Raw("</td><td>").Link(view.HrefWithQuery("runs", ("scope", scope.Key)), "runs").Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
            KnownScopes.WriteCapNote(html, view, "memory", from, next, read);
        }).ConfigureAwait(false);
    }
}
