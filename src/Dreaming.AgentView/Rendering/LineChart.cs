using System.Globalization;

namespace Dreaming.AgentView.Rendering;

/// <summary>One line of a <see cref="LineChart"/>: a value, or a gap, for each day.</summary>
/// <param name="Label">The line's name (its group's <c>data-series</c>).</param>
/// <param name="CssClass">The class that colours it (<c>series-0</c> to <c>series-7</c>, <c>series-none</c>).</param>
/// <param name="Points">One entry a day: the value with its tooltip, or <see langword="null"/> for a day without one (a
/// gap in the line, never a 0).</param>
internal sealed record ChartLine(string Label, string CssClass, IReadOnlyList<ChartPoint?> Points);

/// <summary>A value of a <see cref="ChartLine"/> and the tooltip giving it exactly.</summary>
/// <param name="Value">The value.</param>
/// <param name="Title">The tooltip (the point's <c>&lt;title&gt;</c>).</param>
internal readonly record struct ChartPoint(double Value, string Title);

/// <summary>Writes a chart of values per day as inline SVG: no script, no style attribute (the view's content security
/// policy allows neither), only SVG presentation attributes and the style sheet's classes. The days are the x axis, each
/// in the middle of its slot; each line is one <c>&lt;g class="series ..."&gt;</c> with one <c>&lt;path&gt;</c> (a new
/// "M" after each gap) and one <c>&lt;circle&gt;</c> with a <c>&lt;title&gt;</c> per value.</summary>
internal static class LineChart
{
    /// <summary>The chart's width in SVG units.</summary>
    public const double Width = 720;

    /// <summary>The chart's height in SVG units.</summary>
    public const double Height = 260;

    /// <summary>The space left of the plot, for the y axis's labels.</summary>
    public const double Left = 56;

    /// <summary>The space right of the plot.</summary>
    public const double Right = 16;

    /// <summary>The space above the plot.</summary>
    public const double Top = 16;

    /// <summary>The space below the plot, for the days.</summary>
    public const double Bottom = 44;

    /// <summary>The most days labelled on the x axis.</summary>
    public const int MaxDayLabels = 8;

    /// <summary>Writes the chart.</summary>
    /// <param name="html">The page.</param>
    /// <param name="id">The chart's element id (its title is <c>id-title</c>).</param>
    /// <param name="title">What the chart shows (its accessible name).</param>
    /// <param name="yLabel">The y axis's label.</param>
    /// <param name="days">The days' dates (<c>yyyy-MM-dd</c>), the x axis.</param>
    /// <param name="lines">The lines, each with one entry per day.</param>
    /// <param name="max">The value at the top of the y axis (the bottom is 0); values beyond are drawn at the edge.</param>
    /// <param name="ticks">The values the y axis labels.</param>
    public static void Write(HtmlWriter html, string id, string title, string yLabel, IReadOnlyList<string> days, IReadOnlyList<ChartLine> lines, double max, IReadOnlyList<double> ticks)
    {
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        html.Raw("<svg class=\"chart\" id=\"").Text(id).Raw("\" viewBox=\"0 0 ").Raw(F(Width)).Raw(" ").Raw(F(Height))
            .Raw("\" width=\"").Raw(F(Width)).Raw("\" height=\"").Raw(F(Height)).Raw("\" role=\"img\" aria-labelledby=\"").Text(id).Raw("-title\" font-size=\"11\">")
            .Raw("<title id=\"").Text(id).Raw("-title\">").Text(title).Raw("</title><g class=\"axis y-axis\">");
        foreach (var tick in ticks)
        {
            var y = F(Y(tick, max, plotHeight));
            html.Raw("<line class=\"grid\" x1=\"").Raw(F(Left)).Raw("\" y1=\"").Raw(y).Raw("\" x2=\"").Raw(F(Width - Right)).Raw("\" y2=\"").Raw(y).Raw("\" stroke-width=\"1\"/>")
                .Raw("<text x=\"").Raw(F(Left - 6)).Raw("\" y=\"").Raw(y).Raw("\" dy=\"4\" text-anchor=\"end\">").Text(Value(tick)).Raw("</text>");
        }

        html.Raw("<text class=\"axis-label\" x=\"12\" y=\"").Raw(F(Top + (plotHeight / 2))).Raw("\" transform=\"rotate(-90 12 ").Raw(F(Top + (plotHeight / 2)))
            .Raw(")\" text-anchor=\"middle\">").Text(yLabel).Raw("</text></g><g class=\"axis x-axis\">");
        var every = Math.Max(1, (days.Count + MaxDayLabels - 1) / MaxDayLabels);
        for (var day = 0; day < days.Count; day += every)
        {
            html.Raw("<text x=\"").Raw(F(X(day, days.Count, plotWidth))).Raw("\" y=\"").Raw(F(Height - Bottom + 16)).Raw("\" text-anchor=\"middle\">").Text(days[day][5..]).Raw("</text>");
        }

        html.Raw("<text class=\"axis-label\" x=\"").Raw(F(Left + (plotWidth / 2))).Raw("\" y=\"").Raw(F(Height - 6)).Raw("\" text-anchor=\"middle\">Day (UTC)</text></g>");
        foreach (var line in lines)
        {
            html.Raw("<g class=\"series ").Text(line.CssClass).Raw("\" data-series=\"").Text(line.Label).Raw("\"><path d=\"").Raw(PathOf(line, max, plotWidth, plotHeight)).Raw("\" fill=\"none\" stroke-width=\"2\"/>");
            for (var day = 0; day < line.Points.Count; day++)
            {
                if (line.Points[day] is { } point)
                {
                    html.Raw("<circle cx=\"").Raw(F(X(day, line.Points.Count, plotWidth))).Raw("\" cy=\"").Raw(F(Y(point.Value, max, plotHeight))).Raw("\" r=\"3.5\"><title>")
                        .Text(point.Title).Raw("</title></circle>");
                }
            }

            html.Raw("</g>");
        }

        html.Raw("</svg>");
    }

    /// <summary>A "nice" top for a y axis that must reach <paramref name="largest"/>: 1, 2 or 5 times a power of ten (1 for
    /// nothing above 0).</summary>
    /// <param name="largest">The largest value drawn.</param>
    public static double NiceMax(double largest)
    {
        if (!(largest > 0) || double.IsInfinity(largest))
        {
            return largest > 0 ? double.MaxValue : 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(largest)));
        var fraction = largest / power;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
    }

    /// <summary>A value as an axis writes it: up to two decimals, thousands separated, invariant culture.</summary>
    /// <param name="value">The value.</param>
    public static string Value(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    /// <summary>A coordinate as the SVG holds it: up to two decimals, invariant culture.</summary>
    /// <param name="value">The coordinate.</param>
    public static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The x of a day: the middle of its slot.</summary>
    /// <param name="day">The day's index.</param>
    /// <param name="days">The days on the axis.</param>
    /// <param name="plotWidth">The plot's width.</param>
    public static double X(int day, int days, double plotWidth) => Left + ((day + 0.5) * plotWidth / days);

    /// <summary>The y of a value: 0 at the bottom, <paramref name="max"/> at the top, values beyond at the edge.</summary>
    /// <param name="value">The value.</param>
    /// <param name="max">The axis's top.</param>
    /// <param name="plotHeight">The plot's height.</param>
    public static double Y(double value, double max, double plotHeight) => Top + (plotHeight * (1 - Math.Clamp(value / max, 0, 1)));

    // One path: "M" starts each run of days with a value (so a day without one is a gap), "L" continues it.
    private static string PathOf(ChartLine line, double max, double plotWidth, double plotHeight)
    {
        var path = new System.Text.StringBuilder();
        var drawing = false;
        for (var day = 0; day < line.Points.Count; day++)
        {
            if (line.Points[day] is not { } point)
            {
                drawing = false;
                continue;
            }

            path.Append(path.Length == 0 ? "" : " ").Append(drawing ? 'L' : 'M')
                .Append(F(X(day, line.Points.Count, plotWidth))).Append(',').Append(F(Y(point.Value, max, plotHeight)));
            drawing = true;
        }

        return path.ToString();
    }
}
