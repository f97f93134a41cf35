using System.Globalization;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>The version page's diff: insights added, removed and changed (field by field) against the base version.</summary>
internal static partial class MemoryVersionPage
{
    private static void WriteDiff(HtmlWriter html, AgentViewContext view, MemoryVersion version, string? baseId, MemoryDiff? diff)
    {
        html.Raw("<section id=\"diff\">").Element("h3", "Changes");
        if (diff is null)
        {
            html.Element("p", baseId is null
                ? (version.State == MemoryVersionState.Active ? "The first version of its scope: every insight is new." : "The scope has no active version to compare with: every insight is new.")
                : $"The base version '{AgentViewLayout.Echo(baseId)}' could not be read.", "empty");
            html.Raw("</section>");
            return;
        }

        html.Raw("<p class=\"diff-base\">Compared with ").VersionLink(view, diff.FromVersionId)
            .Text(string.Equals(diff.FromVersionId, version.ParentVersionId, StringComparison.Ordinal) ? " (the version it is based on)" : " (the active version)")
            .Text(string.Create(CultureInfo.InvariantCulture, $": {diff.Added.Count} added, {diff.Removed.Count} removed, {diff.Changed.Count} changed, {diff.UnchangedCount} unchanged."))
            .Raw("</p>");
        if (diff.IsEmpty)
        {
            html.Element("p", "No insight differs.", "empty");
            html.Raw("</section>");
            return;
        }

        if (diff.Added.Count > 0)
        {
            html.Element("h4", "Added", "diff-added");
            WriteInsights(html, view, diff.Added, "insights diff-added");
        }

        if (diff.Removed.Count > 0)
        {
            html.Element("h4", "Removed", "diff-removed");
            WriteInsights(html, view, diff.Removed, "insights diff-removed");
        }

        if (diff.Changed.Count > 0)
        {
            html.Element("h4", "Changed", "diff-changed");
            html.Raw("<table class=\"diff-changed\"><thead><tr><th>Insight</th><th>Field</th><th>Before</th><th>After</th></tr></thead><tbody>");
            foreach (var change in diff.Changed.Take(MaxInsights))
            {
                foreach (var field in change.Fields)
                {
                    html.Raw("<tr><td>").Short(change.InsightId)
                        .Raw("</td><td>").Short(field.Field)
                        .Raw("</td><td class=\"before\">").LongText(field.Before)
                        .Raw("</td><td class=\"after\">").LongText(field.After, whole: RecordedValues.RecordHref).Raw("</td></tr>");
                }
            }

            html.Raw("</tbody></table>");
            WriteCap(html, diff.Changed.Count, "changed insights");
        }

        html.Raw("</section>");
    }
}
