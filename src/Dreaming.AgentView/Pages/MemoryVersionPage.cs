using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary><c>/memory/versions/{id}</c>: one memory version: its facts and review history, the review forms (unless
/// read-only), its diff against the version it was based on (its parent, or else the active version) and its insights.
/// Costs <see cref="IMemoryStore.GetVersionAsync"/>, <see cref="IMemoryStore.DiffAsync"/> (two more version reads) and,
/// for a version without a parent, <see cref="IMemoryStore.GetActiveVersionAsync"/>.</summary>
internal static partial class MemoryVersionPage
{
    /// <summary>The most insights (and diff entries of each kind) the page shows; a note says when there are more.</summary>
    public const int MaxInsights = 500;

    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    /// <param name="segment">The version id from the path.</param>
    /// <param name="review">The review actions, or <see langword="null"/> when the view is read-only.</param>
    public static async Task WriteAsync(AgentViewContext view, string segment, MemoryReview? review)
    {
        var versionId = RouteSegments.Read(view.Http, segment);
        var store = view.Http.RequestServices.GetRequiredService<IMemoryStore>();
        var version = await store.GetVersionAsync(versionId, view.Aborted).ConfigureAwait(false);
        if (version is null)
        {
            await AgentViewLayout.WriteNotFoundAsync(view, $"No memory version '{AgentViewLayout.Echo(versionId)}'.").ConfigureAwait(false);
            return;
        }

        if (await RecordedValues.TryWriteRecordAsync(view, version, AgentViewJson.Default.MemoryVersion, "memory-version.json").ConfigureAwait(false))
        {
            return;
        }

        var baseId = version.ParentVersionId;
        if (baseId is null && version.State != MemoryVersionState.Active)
        {
            baseId = (await store.GetActiveVersionAsync(version.Scope, view.Aborted).ConfigureAwait(false))?.Id;
        }

        MemoryDiff? diff = null;
        if (baseId is not null)
        {
            try
            {
                diff = await store.DiffAsync(baseId, version.Id, view.Aborted).ConfigureAwait(false);
            }
            catch (MemoryVersionNotFoundException)
            {
                diff = null;
            }
        }

        var reviewer = MemoryReview.ReviewerName(view);
        var tokens = reviewer is null ? null : review?.Tokens(view.Http);
        await AgentViewLayout.WritePageAsync(view, string.Create(CultureInfo.InvariantCulture, $"Version {version.Number} of {AgentViewLayout.Echo(version.Scope.Key)}"), html =>
        {
            WriteFacts(html, view, version);
            if (tokens is not null)
            {
                MemoryReview.WriteForms(html, view, version, tokens);
            }
            else if (review is not null)
            {
                html.Element("p", "Reviews are recorded with the reviewer's name, and the signed-in user has none: sign in as a named user to approve, reject or roll back.", "muted no-review");
            }

            WriteDiff(html, view, version, baseId, diff);
            html.Raw("<section id=\"insights\">").Element("h3", string.Create(CultureInfo.InvariantCulture, $"Insights ({version.Insights.Count})"));
            WriteInsights(html, view, version.Insights);
            html.Raw("</section>");
        }).ConfigureAwait(false);
    }

    private static void WriteFacts(HtmlWriter html, AgentViewContext view, MemoryVersion version)
    {
        html.Raw("<dl class=\"facts\">");
        html.Raw("<dt>Id</dt><dd>").Short(version.Id).Raw("</dd>");
        html.Raw("<dt>Scope</dt><dd>").Link(view.Href("memory", version.Scope.Key), version.Scope.Key).Raw("</dd>");
        html.Raw("<dt>State</dt><dd>").State(MemoryHtml.Name(version.State)).Raw("</dd>");
        html.Raw("<dt>Author</dt><dd>").Author(view, version.Author).Raw("</dd>");
        html.Raw("<dt>Created (UTC)</dt><dd>").Time(version.CreatedAt).Raw("</dd>");
        html.Raw("<dt>Recorded</dt><dd>").Link(RecordedValues.RecordHref, "the version as JSON (every value whole)", "record").Raw("</dd>");
        html.Raw("<dt>Note</dt><dd>").LongText(version.Note ?? "-", whole: RecordedValues.RecordHref).Raw("</dd>");
        html.Raw("<dt>Based on</dt><dd>").VersionLink(view, version.ParentVersionId).Raw("</dd>");
        if (version.RestoredFromVersionId is { } restored)
        {
            html.Raw("<dt>Restores</dt><dd>").VersionLink(view, restored).Raw("</dd>");
        }

        html.Raw("</dl>");
        html.Raw("<section id=\"history\">").Element("h3", "History").Raw("<ol class=\"history\">");
        html.Raw("<li>").Time(version.CreatedAt).Text(" proposed by ").Author(view, version.Author).Raw("</li>");
        if (version.ReviewedAt is not null || version.ReviewedBy is not null)
        {
            var what = version.RestoredFromVersionId is not null ? "made active by rollback" : version.State == MemoryVersionState.Rejected ? "rejected" : "approved";
            html.Raw("<li>").Time(version.ReviewedAt).Text(" " + what + " by ").Author(view, version.ReviewedBy);
            if (version.ReviewNote is { } reviewNote)
            {
                html.LongText(reviewNote, "review-note", whole: RecordedValues.RecordHref);
            }

            html.Raw("</li>");
        }

        if (version.SupersededAt is not null || version.SupersededByVersionId is not null)
        {
            html.Raw("<li>").Time(version.SupersededAt).Text(" superseded by ").VersionLink(view, version.SupersededByVersionId).Raw("</li>");
        }

        html.Raw("</ol></section>");
    }

    private static void WriteInsights(HtmlWriter html, AgentViewContext view, IReadOnlyList<Insight> insights, string cssClass = "insights")
    {
        if (insights.Count == 0)
        {
            html.Element("p", "No insights.", "empty");
            return;
        }

        html.Raw("<table class=\"").Raw(cssClass).Raw("\"><thead><tr><th>Id</th><th>Kind</th><th>Status</th><th>Text</th><th>Triggers</th><th>Evidence</th><th class=\"num\">Helpful / harmful / seen</th><th>Source</th></tr></thead><tbody>");
        foreach (var insight in insights.Take(MaxInsights))
        {
            html.Raw("<tr><td>").Short(insight.Id)
                .Raw("</td><td>").Text(MemoryHtml.Name(insight.Kind))
                .Raw("</td><td>").State(MemoryHtml.Name(insight.Status))
                .Raw("</td><td>").LongText(insight.Text, whole: RecordedValues.RecordHref)
                .Raw("</td><td>");
            WriteTriggers(html, insight.Triggers);
            html.Raw("</td><td>");
            WriteEvidence(html, view, insight.Evidence);
            html.Raw("</td><td class=\"num\">").Text(string.Create(CultureInfo.InvariantCulture, $"{insight.Helpful} / {insight.Harmful} / {insight.Seen}"))
                .Raw("</td><td>").Text(MemoryHtml.Name(insight.Source)).Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        WriteCap(html, insights.Count, "insights");
    }

    private static void WriteTriggers(HtmlWriter html, InsightTriggers? triggers)
    {
        if (triggers is null || (triggers.Tools.Count == 0 && triggers.Keywords.Count == 0))
        {
            html.Element("span", "-", "muted");
            return;
        }

        if (triggers.Tools.Count > 0)
        {
            html.Raw("<div class=\"triggers\">tools: ").Short(string.Join(", ", triggers.Tools.Take(50)), 400).Raw("</div>");
        }

        if (triggers.Keywords.Count > 0)
        {
            html.Raw("<div class=\"triggers\">keywords: ").Short(string.Join(", ", triggers.Keywords.Take(50)), 400).Raw("</div>");
        }
    }

    private static void WriteEvidence(HtmlWriter html, AgentViewContext view, IReadOnlyList<InsightEvidence>? evidence)
    {
        if (evidence is null || evidence.Count == 0)
        {
            html.Element("span", "-", "muted");
            return;
        }

        html.Raw("<ul class=\"evidence\">");
        foreach (var item in evidence.Take(20))
        {
            html.Raw("<li>").SessionLink(view, item.SessionId, item.ToString()).Raw("</li>");
        }

        html.Raw("</ul>");
        if (evidence.Count > 20)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"and {evidence.Count - 20} more"), "cap");
        }
    }

    private static void WriteCap(HtmlWriter html, int count, string what)
    {
        if (count > MaxInsights)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"Showing the first {MaxInsights} of {count} {what}."), "cap");
        }
    }
}
