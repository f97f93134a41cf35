using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary>The view's first page: sessions grouped by state, the newest of each group first, the groups that need a
/// person first (blocked, failed, abandoned), then running, then completed.</summary>
/// <remarks>Each group is one query of <see cref="AgentViewOverview.RowsPerGroup"/> sessions, newest first, with a link
/// to the full list of that state: the page costs five queries however large the store is.</remarks>
internal static class OverviewPage
{
    private static readonly (SessionStatus Status, string Heading)[] s_groups =
    [
        (SessionStatus.Blocked, "Blocked: asked for help or reported itself blocked"),
        (SessionStatus.Failed, "Failed"),
        (SessionStatus.Abandoned, "Abandoned: never ended by the app"),
        (SessionStatus.Running, "Running"),
        (SessionStatus.Completed, "Completed"),
    ];

    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    public static async Task WriteAsync(AgentViewContext view)
    {
        var store = view.Http.RequestServices.GetRequiredService<ITraceStore>();
        var groups = new List<(SessionStatus Status, string Heading, SessionPage Page)>(s_groups.Length);
        foreach (var (status, heading) in s_groups)
        {
            var query = new SessionQuery { Status = status, Order = SessionOrder.NewestFirst, PageSize = AgentViewOverview.RowsPerGroup };
            groups.Add((status, heading, await store.QuerySessionsAsync(query, view.Aborted).ConfigureAwait(false)));
        }

        await AgentViewLayout.WritePageAsync(view, "Sessions by state", html =>
        {
            foreach (var (status, heading, page) in groups)
            {
                html.Raw("<section id=\"").Text(SessionTable.Status(status)).Raw("\">").Element("h3", heading);
                SessionTable.Write(html, view, page.Items, "None.");
                if (page.NextCursor is not null)
                {
                    html.Raw("<p class=\"pager\">").Link(view.HrefWithQuery("sessions", ("status", SessionTable.Status(status))), "All " + SessionTable.Status(status) + " sessions").Raw("</p>");
                }

                html.Raw("</section>");
            }
        }).ConfigureAwait(false);
    }
}

/// <summary>The overview's fixed sizes.</summary>
internal static class AgentViewOverview
{
    /// <summary>How many sessions each state's group shows.</summary>
    public const int RowsPerGroup = 10;
}
