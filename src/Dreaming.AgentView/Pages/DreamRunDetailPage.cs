using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary><c>/runs/{id}</c>: one dream run's report: its facts, the sessions it read, its stages' usage, its findings with
/// their evidence, the changes it proposed and the version it produced. One <see cref="IDreamRunStore.GetAsync"/>.</summary>
internal static class DreamRunDetailPage
{
    /// <summary>The most sessions read, findings and changes listed; a note says when there are more.</summary>
    public const int MaxRows = 500;

    /// <summary>The most evidence sessions a finding lists (<c>MiningOptions.MaxEvidence</c> is 10 by default); a note
    /// says how many more there are.</summary>
    public const int MaxEvidence = 20;

    /// <summary>The most event sequences an evidence session names; the rest are counted.</summary>
    public const int MaxSequences = 10;

    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    /// <param name="segment">The run id from the path.</param>
    public static async Task WriteAsync(AgentViewContext view, string segment)
    {
        var runId = RouteSegments.Read(view.Http, segment);
        var run = await view.Http.RequestServices.GetRequiredService<IDreamRunStore>().GetAsync(runId, view.Aborted).ConfigureAwait(false);
        if (run is null)
        {
            await AgentViewLayout.WriteNotFoundAsync(view, $"No dream run '{AgentViewLayout.Echo(runId)}'.").ConfigureAwait(false);
            return;
        }

        if (await RecordedValues.TryWriteRecordAsync(view, run, AgentViewJson.Default.DreamRun, "dream-run.json").ConfigureAwait(false))
        {
            return;
        }

        var results = run.Results;
        await AgentViewLayout.WritePageAsync(view, "Dream run " + AgentViewLayout.Echo(run.Id), html =>
        {
            html.Raw("<dl class=\"facts\">");
            html.Raw("<dt>Scope</dt><dd>").Link(view.HrefWithQuery("runs", ("scope", run.Scope.Key)), run.Scope.Key).Raw("</dd>");
            html.Raw("<dt>Status</dt><dd>").State(MemoryHtml.Name(run.Status)).Raw("</dd>");
            html.Raw("<dt>Requested (UTC)</dt><dd>").Time(run.RequestedAt).Raw("</dd>");
            html.Raw("<dt>Started (UTC)</dt><dd>").Time(run.StartedAt).Raw("</dd>");
            html.Raw("<dt>Ended (UTC)</dt><dd>").Time(run.EndedAt).Raw("</dd>");
            if (run.Status == DreamRunStatus.Running)
            {
                var leased = run with { LeaseHolder = run.LeaseHolder is { } holder ? AgentViewLayout.Echo(holder) : null };
                html.Raw("<dt>Lease</dt><dd>").Text(DreamRunLeaseText.Of(leased, (view.Http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow())).Raw("</dd>");
            }

            html.Raw("<dt>Review</dt><dd>").Text(MemoryHtml.Name(run.Request.ReviewMode)).Raw("</dd>");
            html.Raw("<dt>Started from</dt><dd>").VersionLink(view, results.InputVersionId).Raw("</dd>");
            html.Raw("<dt>Proposed version</dt><dd>").VersionLink(view, results.OutputVersionId).Raw("</dd>");
            html.Raw("<dt>Tokens</dt><dd>").Number(results.TotalUsage.TotalTokens).Raw("</dd>");
            html.Raw("<dt>Cost</dt><dd>").Number(results.TotalUsage.CostMinorUnits).Raw("</dd>");
            html.Raw("<dt>Recorded</dt><dd>").Link(RecordedValues.RecordHref, "the run as JSON (every value whole)", "record").Raw("</dd>");
            html.Raw("<dt>Note</dt><dd>").LongText(results.Note ?? "-", whole: RecordedValues.RecordHref).Raw("</dd>");
            if (run.Error is { } error)
            {
                html.Raw("<dt>Failure</dt><dd>").LongText(error, "text error-message", whole: RecordedValues.RecordHref).Raw("</dd>");
            }

            html.Raw("</dl>");
            WriteSessions(html, view, results.SessionIds);
            WriteStages(html, results.StageUsage);
            WriteFindings(html, view, results.Report);
            WriteChanges(html, results.Report.Changes);
        }).ConfigureAwait(false);
    }

    private static void WriteSessions(HtmlWriter html, AgentViewContext view, IReadOnlyList<string> sessionIds)
    {
        html.Raw("<section id=\"sessions-read\">").Element("h3", string.Create(CultureInfo.InvariantCulture, $"Sessions read ({sessionIds.Count})"));
        html.Raw("<ul class=\"session-ids\">");
        foreach (var id in sessionIds.Take(MaxRows))
        {
            html.Raw("<li>").SessionLink(view, id).Raw("</li>");
        }

        html.Raw("</ul>");
        Cap(html, sessionIds.Count, "sessions");
        html.Raw("</section>");
    }

    private static void WriteStages(HtmlWriter html, IReadOnlyList<DreamStageUsage> stages)
    {
        if (stages.Count == 0)
        {
            return;
        }

        html.Raw("<section id=\"stages\">").Element("h3", "Stages");
        html.Raw("<table class=\"stages\"><thead><tr><th>Stage</th><th class=\"num\">Tokens</th><th class=\"num\">Model calls</th><th class=\"num\">Duration (ms)</th></tr></thead><tbody>");
        foreach (var stage in stages.Take(MaxRows))
        {
            html.Raw("<tr><td>").Short(stage.Stage).Raw("</td><td class=\"num\">").Number(stage.Usage.TotalTokens)
                .Raw("</td><td class=\"num\">").Number(stage.Usage.ModelCalls)
                .Raw("</td><td class=\"num\">").Number((long)stage.Duration.TotalMilliseconds).Raw("</td></tr>");
        }

        html.Raw("</tbody></table></section>");
    }

    private static void WriteFindings(HtmlWriter html, AgentViewContext view, DreamReport report)
    {
        html.Raw("<section id=\"findings\">").Element("h3", string.Create(CultureInfo.InvariantCulture, $"Findings ({report.Findings.Count})"));
        html.Element("p", string.Create(CultureInfo.InvariantCulture, $"{report.SessionsMined:N0} sessions mined, {report.FailedSessions:N0} failed (base failure rate {report.BaseFailureRate:0.00})."), "muted");
        if (report.Findings.Count == 0)
        {
            html.Element("p", "No findings.", "empty");
            html.Raw("</section>");
            return;
        }

        html.Raw("<table class=\"findings\"><thead><tr><th>Kind</th><th>Signature</th><th class=\"num\">Sessions</th><th class=\"num\">Failed</th><th class=\"num\">Lift</th><th class=\"num\">Strength</th><th>Evidence</th></tr></thead><tbody>");
        foreach (var finding in report.Findings.Take(MaxRows))
        {
            html.Raw("<tr><td>").Short(finding.Kind);
            if (finding.Tool is { } tool)
            {
                html.Raw("<div class=\"muted\">tool ").Short(tool).Raw("</div>");
            }

            html.Raw("</td><td>").LongText(finding.Signature, whole: RecordedValues.RecordHref)
                .Raw("</td><td class=\"num\">").Number(finding.Sessions)
                .Raw("</td><td class=\"num\">").Number(finding.FailedSessions)
                .Raw("</td><td class=\"num\">").Text(finding.Lift.ToString("0.00", CultureInfo.InvariantCulture))
                .Raw("</td><td class=\"num\">").Text(finding.Strength.ToString("0.00", CultureInfo.InvariantCulture))
                .Raw("</td><td><ul class=\"evidence\">");
            foreach (var evidence in finding.Evidence.Take(MaxEvidence))
            {
                html.Raw("<li>");
                var linked = html.OpenLink(view.Href("sessions", evidence.SessionId));
                html.Short(evidence.SessionId).Text(Sequences(evidence.EventSequences)).CloseLink(linked);
                if (evidence.Failed)
                {
                    html.Raw(" ").Element("span", "failed", "status status-failed");
                }

                html.Raw("</li>");
            }

            html.Raw("</ul>");
            if (finding.Evidence.Count > MaxEvidence)
            {
                html.Element("p", string.Create(CultureInfo.InvariantCulture, $"and {finding.Evidence.Count - MaxEvidence} more sessions"), "cap");
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        Cap(html, report.Findings.Count, "findings");
        html.Raw("</section>");
    }

    /// <summary>An evidence session's event sequences as " #4, #7", the first <see cref="MaxSequences"/> and how many more.</summary>
    private static string Sequences(IReadOnlyList<long> sequences)
    {
        if (sequences.Count == 0)
        {
            return string.Empty;
        }

        var shown = " #" + string.Join(", #", sequences.Take(MaxSequences).Select(s => s.ToString(CultureInfo.InvariantCulture)));
        return sequences.Count <= MaxSequences ? shown : string.Create(CultureInfo.InvariantCulture, $"{shown} and {sequences.Count - MaxSequences} more");
    }

    private static void WriteChanges(HtmlWriter html, IReadOnlyList<DreamChange> changes)
    {
        html.Raw("<section id=\"changes\">").Element("h3", string.Create(CultureInfo.InvariantCulture, $"Changes proposed ({changes.Count})"));
        if (changes.Count == 0)
        {
            html.Element("p", "No changes.", "empty");
            html.Raw("</section>");
            return;
        }

        html.Raw("<table class=\"changes\"><thead><tr><th>Op</th><th>Insight</th><th>Kind</th><th>Text</th><th>Reason</th></tr></thead><tbody>");
        foreach (var change in changes.Take(MaxRows))
        {
            var op = MemoryHtml.Name(change.Op);
            html.Raw("<tr class=\"op-").Text(op).Raw("\"><td>").Element("span", op, "op")
                .Raw("</td><td>").Short(change.InsightId)
                .Raw("</td><td>").Text(MemoryHtml.Name(change.Kind))
                .Raw("</td><td>").LongText(change.Text, whole: RecordedValues.RecordHref)
                .Raw("</td><td>").LongText(change.Reason, whole: RecordedValues.RecordHref).Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        Cap(html, changes.Count, "changes");
        html.Raw("</section>");
    }

    private static void Cap(HtmlWriter html, int count, string what)
    {
        if (count > MaxRows)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"Showing the first {MaxRows} of {count} {what}."), "cap");
        }
    }
}
