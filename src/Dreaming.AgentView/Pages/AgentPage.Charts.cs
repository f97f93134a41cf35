using System.Globalization;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>The agent page's charts: mean score and cost per day, one line per series, each with its legend and the table
/// of the same figures.</summary>
internal static partial class AgentPage
{
    private static readonly double[] s_scoreTicks = [0, 0.25, 0.5, 0.75, 1];

    private static void WriteCharts(HtmlWriter html, AgentViewContext view, AgentWindow window, IReadOnlyList<AgentSeries> ordered)
    {
        var days = Enumerable.Range(0, window.Days).Select(window.Date).ToArray();

        // The series with the latest sessions are drawn, in the table's order, each its own colour; the tables hold all.
        var drawn = ordered.Count <= MaxChartLines ? ordered : [.. ordered.Where(new HashSet<AgentSeries>(ordered.OrderByDescending(s => s.Total.Last).Take(MaxChartLines)).Contains)];
        var classes = new Dictionary<AgentSeries, string>();
        var colour = 0;
        foreach (var series in drawn)
        {
            classes.Add(series, series.Versions.Count == 0 ? "series-none" : "series-" + (colour++).ToString(CultureInfo.InvariantCulture));
        }

        var scoreLines = Lines(drawn, classes, days, static f => f.MeanScore, static (date, label, f) => string.Create(CultureInfo.InvariantCulture, $"{date}, {label}: mean score {f.MeanScore:0.####} of {f.Scored:N0} scored of {f.Ended:N0} sessions"));
        var costLines = Lines(drawn, classes, days, static f => f.Cost, static (date, label, f) => string.Create(CultureInfo.InvariantCulture, $"{date}, {label}: cost {f.Cost:N0} over {f.Ended:N0} sessions"));
        var costMax = LineChart.NiceMax(costLines.SelectMany(l => l.Points).Max(p => p?.Value ?? 0));

        html.Raw("<section id=\"score\">").Element("h3", "Mean outcome score per day");
        WriteLegend(html, view, drawn, scoreLines, classes);
        LineChart.Write(html, "score-chart", "Mean outcome score per day (UTC) and memory version", "Mean score", days, scoreLines, 1, s_scoreTicks);
        WriteNotDrawn(html, ordered.Count - drawn.Count);
        WriteTable(html, view, ordered, days, "score-data", "Mean score", static f => AgentFigures.Score(f.MeanScore), static f => f.Scored, "Scored");
        html.Element("p", "A day without sessions of a version is a gap in its line, and a day whose sessions have no score is too: a missing score is not 0. Scores are drawn between 0 and 1; a score outside is drawn at the edge, and its tooltip and the table give it exactly.", "muted");
        html.Raw("</section><section id=\"cost\">").Element("h3", "Cost per day");
        WriteLegend(html, view, drawn, costLines, classes);
        LineChart.Write(html, "cost-chart", "Total cost per day (UTC) and memory version", "Cost", days, costLines, costMax, [0, costMax / 2, costMax]);
        WriteNotDrawn(html, ordered.Count - drawn.Count);
        WriteTable(html, view, ordered, days, "cost-data", "Cost", static f => f.Cost.ToString("N0", CultureInfo.InvariantCulture), static f => null, null);
        html.Element("p", "Cost is the sum of the day's ended sessions of the version, in the minor units the app prices in.", "muted");
        html.Raw("</section>");
    }

    private static List<ChartLine> Lines(IReadOnlyList<AgentSeries> drawn, Dictionary<AgentSeries, string> classes, string[] days, Func<AgentFigures, double?> value, Func<string, string, AgentFigures, string> title)
    {
        var lines = new List<ChartLine>(drawn.Count);
        foreach (var series in drawn)
        {
            var points = new ChartPoint?[days.Length];
            var any = false;
            for (var day = 0; day < days.Length; day++)
            {
                if (series.Day(day) is { } figures && value(figures) is { } y)
                {
                    points[day] = new ChartPoint(y, title(days[day], series.Label, figures));
                    any = true;
                }
            }

            if (any)
            {
                lines.Add(new ChartLine(series.Label, classes[series], points));
            }
        }

        return lines;
    }

    // The legend of the lines drawn: each series' colour and name, its versions linking to their pages.
    private static void WriteLegend(HtmlWriter html, AgentViewContext view, IReadOnlyList<AgentSeries> drawn, List<ChartLine> lines, Dictionary<AgentSeries, string> classes)
    {
        html.Raw("<ul class=\"legend\">");
        foreach (var series in drawn)
        {
            var css = classes[series];
            if (lines.Exists(l => string.Equals(l.CssClass, css, StringComparison.Ordinal)))
            {
                html.Raw("<li>").Element("span", null, "swatch " + css);
                WriteSeriesName(html, view, series);
                html.Raw("</li>");
            }
        }

        html.Raw("</ul>");
    }

    private static void WriteNotDrawn(HtmlWriter html, int notDrawn)
    {
        if (notDrawn > 0)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"{notDrawn:N0} more memory versions are in the table below but not drawn: a chart draws the {MaxChartLines} with the latest sessions."), "cap-note");
        }
    }

    // The figures of the chart as a table: one row per day and series with sessions, oldest day first.
    private static void WriteTable(HtmlWriter html, AgentViewContext view, IReadOnlyList<AgentSeries> ordered, string[] days, string id, string heading, Func<AgentFigures, string> value, Func<AgentFigures, long?> count, string? countHeading)
    {
        html.Raw("<table class=\"chart-data\" id=\"").Raw(id).Raw("\"><thead><tr><th>Day (UTC)</th><th>Memory version</th><th class=\"num\">Sessions</th>");
        if (countHeading is not null)
        {
            html.Raw("<th class=\"num\">").Text(countHeading).Raw("</th>");
        }

        html.Raw("<th class=\"num\">").Text(heading).Raw("</th></tr></thead><tbody>");
        for (var day = 0; day < days.Length; day++)
        {
            foreach (var series in ordered)
            {
                if (series.Day(day) is not { } figures)
                {
                    continue;
                }

                html.Raw("<tr><td>").Text(days[day]).Raw("</td><td>");
                WriteSeriesName(html, view, series);
                html.Raw("</td><td class=\"num\">").Number(figures.Ended);
                if (count(figures) is { } counted)
                {
                    html.Raw("</td><td class=\"num\">").Number(counted);
                }

                html.Raw("</td><td class=\"num\">").Text(value(figures)).Raw("</td></tr>");
            }
        }

        html.Raw("</tbody></table>");
    }
}
