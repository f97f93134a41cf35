using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary><c>/runs?scope=KEY</c>: a scope's dream runs, newest first, the newest <see cref="AgentViewOptions.PageSize"/>
/// (one <see cref="IDreamRunStore.ListAsync"/>, which has no paging: a note says when older runs may exist). Without a
/// scope, the scopes to choose from (<see cref="KnownScopes"/>).</summary>
internal static class DreamRunsPage
{
    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    public static async Task WriteAsync(AgentViewContext view)
    {
        var requested = view.Http.Request.Query["scope"];
        if (requested.Count == 0)
        {
            if (await KnownScopes.ReadAsync(view).ConfigureAwait(false) is not ({ } scopes, var from, var next, var read))
            {
                return;
            }

            await AgentViewLayout.WritePageAsync(view, "Dream runs", html =>
            {
                KnownScopes.WriteForm(html, view, "runs", null);
                html.Raw("<ul class=\"scopes\">");
                foreach (var scope in scopes)
                {
                    html.Raw("<li>").Link(view.HrefWithQuery("runs", ("scope", scope.Key)), scope.Key).Raw("</li>");
                }

                html.Raw("</ul>");
                KnownScopes.WriteCapNote(html, view, "runs", from, next, read);
            }).ConfigureAwait(false);
            return;
        }

        if (!KnownScopes.TryParseTyped(requested.ToString(), out var key))
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"'{AgentViewLayout.Echo(requested.ToString())}' is not a memory scope: write agent:ID, team:ID or global.").ConfigureAwait(false);
            return;
        }

        var runs = await view.Http.RequestServices.GetRequiredService<IDreamRunStore>().ListAsync(key, view.Options.PageSize, view.Aborted).ConfigureAwait(false);
        var now = (view.Http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        await AgentViewLayout.WritePageAsync(view, "Dream runs of " + AgentViewLayout.Echo(key.Key), html =>
        {
            KnownScopes.WriteForm(html, view, "runs", key.Key);
            html.Raw("<p>").Link(view.Href("memory", key.Key), "Memory versions of this scope").Raw("</p>");
            if (runs.Count == 0)
            {
                html.Element("p", $"{AgentViewLayout.Echo(key.Key)} has no dream runs.", "empty");
                return;
            }

            html.Raw("<table class=\"runs\"><thead><tr><th>Run</th><th>Status</th><th>Requested (UTC)</th><th>Started (UTC)</th><th>Ended (UTC)</th><th class=\"num\">Sessions read</th><th class=\"num\">Findings</th><th>Proposed version</th><th class=\"num\">Tokens</th><th class=\"num\">Cost</th><th>Note or failure</th></tr></thead><tbody>");
            foreach (var run in runs)
            {
                var results = run.Results;
                html.Raw("<tr><td>").Link(view.Href("runs", run.Id), run.Id)
                    .Raw("</td><td>").State(MemoryHtml.Name(run.Status))
                    .Raw("</td><td>").Time(run.RequestedAt)
                    .Raw("</td><td>").Time(run.StartedAt)
                    .Raw("</td><td>").Time(run.EndedAt)
                    .Raw("</td><td class=\"num\">").Number(results.SessionIds.Count)
                    .Raw("</td><td class=\"num\">").Number(results.Report.Findings.Count)
                    .Raw("</td><td>").VersionLink(view, results.OutputVersionId)
                    .Raw("</td><td class=\"num\">").Number(results.TotalUsage.TotalTokens)
                    .Raw("</td><td class=\"num\">").Number(results.TotalUsage.CostMinorUnits)
                    .Raw("</td><td>");
                if (run.Status == DreamRunStatus.Running)
                {
                    html.Text(DreamRunLeaseText.Of(run with { LeaseHolder = run.LeaseHolder is { } holder ? AgentViewLayout.Echo(holder) : null }, now));
                }
                else if (run.Error is { } error)
                {
                    html.Raw("<span class=\"error-message\">").Short(error, 200).Raw("</span>");
                }
                else
                {
                    html.Short(results.Note, 200);
                }

                html.Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
            if (runs.Count == view.Options.PageSize)
            {
                html.Element("p", string.Create(CultureInfo.InvariantCulture, $"The newest {runs.Count} runs; older runs of the scope are not shown (the dream run store lists the newest only)."), "cap");
            }
        }).ConfigureAwait(false);
    }
}
