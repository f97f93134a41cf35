using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary><c>/runs?scope=KEY</c>: a scope's dream runs, newest first, the newest <see cref="AgentViewOptions.PageSize"/>
/// (one <see cref="IDreamRunStore.ListAsync"/>, which has no paging: a note says when older runs may exist). Without a
/// scope, the runs of every scope (<c>status</c> filters them, <c>cursor</c> pages them: one
/// <see cref="IDreamRunStore.QueryRunsAsync"/> a page), each linked to its scope's runs and memory, then the scopes to
/// choose from (<see cref="KnownScopes"/>).</summary>
internal static class DreamRunsPage
{
    /// <summary>The status names the <c>status</c> parameter takes.</summary>
    private static readonly DreamRunStatus[] Statuses = Enum.GetValues<DreamRunStatus>();

    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    public static async Task WriteAsync(AgentViewContext view)
    {
        var requested = view.Http.Request.Query["scope"];
        if (requested.Count == 0)
        {
            await WriteEveryScopeAsync(view).ConfigureAwait(false);
            return;
        }

        if (!KnownScopes.TryParseTyped(requested.ToString(), out var key))
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"'{AgentViewLayout.Echo(requested.ToString())}' is not a memory scope: write agent:ID, team:ID or global.").ConfigureAwait(false);
            return;
        }

        // An imported agent's id as its log gave it lists the runs of its capped form, as 'dreaming runs' does.
        var runStore = view.Http.RequestServices.GetRequiredService<IDreamRunStore>();
        (key, var runs) = await IdentifierCap.FindAsync(key, given => runStore.ListAsync(given, view.Options.PageSize, view.Aborted), static found => found.Count > 0).ConfigureAwait(false);
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

            WriteTable(html, view, runs, now, withScope: false);
            if (runs.Count == view.Options.PageSize)
            {
                html.Element("p", string.Create(CultureInfo.InvariantCulture, $"The newest {runs.Count} runs; older runs of the scope are not shown (the dream run store lists the newest only)."), "cap");
            }
        }).ConfigureAwait(false);
    }

    private static async Task WriteEveryScopeAsync(AgentViewContext view)
    {
        var query = view.Http.Request.Query;
        DreamRunStatus? status = null;
        if (query["status"].ToString() is { Length: > 0 } given)
        {
            if (Statuses.Where(s => MemoryHtml.Name(s) == given).Select(s => (DreamRunStatus?)s).FirstOrDefault() is not { } parsed)
            {
                await AgentViewLayout.WriteBadRequestAsync(view, $"'{AgentViewLayout.Echo(given)}' is not a dream run status: write {string.Join(", ", Statuses.Select(MemoryHtml.Name))}, or leave it out for every run.").ConfigureAwait(false);
                return;
            }

            status = parsed;
        }

        var cursor = query["after"].ToString() is { Length: > 0 } c ? c : null;
        DreamRunPage? page = null;
        string? unsupported = null;
        try
        {
            page = await view.Http.RequestServices.GetRequiredService<IDreamRunStore>()
                .QueryRunsAsync(new DreamRunQuery { Status = status, Limit = view.Options.PageSize, Cursor = cursor }, view.Aborted).ConfigureAwait(false);
        }
        catch (ArgumentException ex) when (cursor is not null)
        {
            var message = ex.ParamName is { } parameter ? ex.Message.Replace($" (Parameter '{parameter}')", string.Empty, StringComparison.Ordinal) : ex.Message;
            await AgentViewLayout.WriteBadRequestAsync(view, message.Replace(cursor, AgentViewLayout.Echo(cursor), StringComparison.Ordinal) + " Open the list from its first page.").ConfigureAwait(false);
            return;
        }
        catch (NotSupportedException ex)
        {
            unsupported = ex.Message;
        }

        if (await KnownScopes.ReadAsync(view).ConfigureAwait(false) is not ({ } scopes, var from, var next, var read))
        {
            return;
        }

        var now = (view.Http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        await AgentViewLayout.WritePageAsync(view, "Dream runs", html =>
        {
            html.Element("h3", "Runs of every scope");
            html.Raw("<form class=\"filters\" method=\"get\" action=\"").Text(view.Href("runs")).Raw("\"><label>Status <select name=\"status\"><option value=\"\">any</option>");
            foreach (var option in Statuses)
            {
                var name = MemoryHtml.Name(option);
                html.Raw("<option value=\"").Text(name).Raw("\"" + (status == option ? " selected" : string.Empty) + ">").Text(name).Raw("</option>");
            }

            html.Raw("</select></label> <button type=\"submit\">Filter</button></form>");
            if (page is null)
            {
                html.Element("p", AgentViewLayout.Echo(unsupported ?? string.Empty), "empty");
            }
            else if (page.Items.Count == 0)
            {
                html.Element("p", status is { } only ? $"No {MemoryHtml.Name(only)} dream runs in any scope." : "No dream runs in any scope.", "empty");
            }
            else
            {
                var stuck = page.Items.Count(run => DreamRunLeaseText.Expired(run, now));
                if (stuck > 0)
                {
                    html.Element("p", string.Create(CultureInfo.InvariantCulture, $"{stuck} stuck on this page: running with a lease that expired, so their process stopped. The next dream of the scope ends such a run and takes the scope over; the dreaming tool's 'dreaming runs recover --all', or the app's IDreamRunStore.RecoverAbandonedAsync, ends them all."), "error-message");
                }

                WriteTable(html, view, page.Items, now, withScope: true);
                html.Raw("<p class=\"pager\">");
                var filter = ("status", status is { } s ? MemoryHtml.Name(s) : null);
                if (cursor is not null)
                {
                    html.Link(view.HrefWithQuery("runs", filter), "First page").Raw(" ");
                }

                if (page.NextCursor is not null)
                {
                    html.Link(view.HrefWithQuery("runs", filter, ("after", page.NextCursor)), "Next page", "next");
                }

                html.Raw("</p>");
            }

            html.Element("h3", "Runs of one scope");
            KnownScopes.WriteForm(html, view, "runs", null);
            html.Raw("<ul class=\"scopes\">");
            foreach (var scope in scopes)
            {
                html.Raw("<li>").Link(view.HrefWithQuery("runs", ("scope", scope.Key)), scope.Key).Raw("</li>");
            }

            html.Raw("</ul>");
            KnownScopes.WriteCapNote(html, view, "runs", from, next, read);
        }).ConfigureAwait(false);
    }

    private static void WriteTable(HtmlWriter html, AgentViewContext view, IReadOnlyList<DreamRun> runs, DateTimeOffset now, bool withScope)
    {
        html.Raw("<table class=\"runs\"><thead><tr>").Raw(withScope ? "<th>Scope</th>" : string.Empty).Raw("<th>Run</th><th>Status</th><th>Requested (UTC)</th><th>Started (UTC)</th><th>Ended (UTC)</th><th class=\"num\">Sessions read</th><th class=\"num\">Findings</th><th>Proposed version</th><th class=\"num\">Tokens</th><th class=\"num\">Cost</th><th>Note or failure</th></tr></thead><tbody>");
        foreach (var run in runs)
        {
            var results = run.Results;
            html.Raw("<tr>");
            if (withScope)
            {
                html.Raw("<td>").Link(view.HrefWithQuery("runs", ("scope", run.Scope.Key)), run.Scope.Key).Raw(" (").Link(view.Href("memory", run.Scope.Key), "memory").Raw(")</td>");
            }

            html.Raw("<td>").Link(view.Href("runs", run.Id), run.Id)
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
    }
}
