using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary><c>/memory/{scope}</c>: a scope's memory versions, newest first, a page of
/// <see cref="AgentViewOptions.PageSize"/> at a time (<c>?before=N</c> for the versions numbered below N), the active one
/// marked. One <see cref="IMemoryStore.ListVersionsAsync"/> per page, without insights.</summary>
internal static class MemoryScopePage
{
    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    /// <param name="segment">The scope key from the path.</param>
    public static async Task WriteAsync(AgentViewContext view, string segment)
    {
        if (!MemoryHtml.TryParseScope(view, segment, out var scope))
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"'{AgentViewLayout.Echo(RouteSegments.Read(view.Http, segment))}' is not a memory scope: write agent:ID, team:ID or global.").ConfigureAwait(false);
            return;
        }

        int? before = null;
        var beforeText = view.Http.Request.Query["before"];
        if (beforeText.Count > 0)
        {
            if (!int.TryParse(beforeText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            {
                await AgentViewLayout.WriteBadRequestAsync(view, $"before '{AgentViewLayout.Echo(beforeText.ToString())}' is not a version number (a whole number from 1).").ConfigureAwait(false);
                return;
            }

            before = number;
        }

        var store = view.Http.RequestServices.GetRequiredService<IMemoryStore>();
        // An imported agent's id as its log gave it lists the versions of its capped form, as 'dreaming memory list' does.
        (scope, var versions) = await IdentifierCap.FindAsync(scope!, given => store.ListVersionsAsync(given, view.Options.PageSize, before, view.Aborted), static found => found.Count > 0).ConfigureAwait(false);
        await AgentViewLayout.WritePageAsync(view, "Memory of " + AgentViewLayout.Echo(scope!.Key), html =>
        {
            html.Raw("<p>").Link(view.HrefWithQuery("runs", ("scope", scope.Key)), "Dream runs of this scope").Raw("</p>");
            if (versions.Count == 0)
            {
                html.Element("p", before is null ? $"{AgentViewLayout.Echo(scope.Key)} has no memory versions." : $"No versions of {AgentViewLayout.Echo(scope.Key)} numbered below {before}.", "empty");
                return;
            }

            html.Raw("<table class=\"versions\"><thead><tr><th class=\"num\">#</th><th>Version</th><th>State</th><th>Author</th><th>Created (UTC)</th><th class=\"num\">Insights</th><th>Note</th></tr></thead><tbody>");
            foreach (var version in versions)
            {
                var state = MemoryHtml.Name(version.State);
                html.Raw(version.State == MemoryVersionState.Active ? "<tr class=\"active-version\">" : "<tr>")
                    .Raw("<td class=\"num\">").Text(version.Number.ToString(CultureInfo.InvariantCulture))
                    .Raw("</td><td>").VersionLink(view, version.Id)
                    .Raw("</td><td>").State(state);
                if (version.State == MemoryVersionState.Active)
                {
                    html.Raw(" ").Element("span", "(in use)", "marker");
                }

                html.Raw("</td><td>").Author(view, version.Author)
                    .Raw("</td><td>").Time(version.CreatedAt)
                    .Raw("</td><td class=\"num\">").Number(version.InsightCount)
                    .Raw("</td><td>").Short(version.Note, 160).Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
            if (versions.Count == view.Options.PageSize && versions[^1].Number > 1)
            {
                html.Raw("<p class=\"pager\">").Link(view.Href("memory", scope.Key) + "?before=" + versions[^1].Number.ToString(CultureInfo.InvariantCulture), "Older versions").Raw("</p>");
            }
        }).ConfigureAwait(false);
    }
}
