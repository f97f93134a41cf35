using System.Globalization;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>A session's events in sequence, each with its time from the session's start, its type and a rendering of its
/// fields; tool calls and their results link to each other, and failures are marked.</summary>
internal static partial class SessionTimeline
{
    /// <summary>The most events the timeline renders; a note says how many more the session has.</summary>
    public const int MaxEvents = 2000;

    /// <summary>Writes the timeline section.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="session">The session.</param>
    /// <param name="events">Its events, in sequence.</param>
    /// <param name="texts">The page's long-text budget.</param>
    public static void Write(HtmlWriter html, AgentViewContext view, SessionRecord session, IReadOnlyList<SessionEvent> events, LongTextWriter texts)
    {
        html.Raw("<section id=\"timeline\">").Element("h3", "Timeline");
        if (events.Count == 0)
        {
            html.Element("p", "No events.", "empty").Raw("</section>");
            return;
        }

        var shown = Math.Min(events.Count, MaxEvents);
        var pairs = ToolPairs(events, shown);
        html.Raw("<table class=\"timeline\"><thead><tr><th class=\"num\">#</th><th class=\"num\">Offset</th><th>Type</th><th>Details</th></tr></thead><tbody>");
        for (var i = 0; i < shown; i++)
        {
            var e = events[i];
            var seq = e.Sequence.ToString(CultureInfo.InvariantCulture);
            html.Raw("<tr id=\"event-" + seq + "\" class=\"event" + (IsFailure(e) ? " event-failure" : string.Empty) + "\"><td class=\"num\">")
                .Raw(seq).Raw("</td><td class=\"num\"><span title=\"")
                .Text(e.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)).Raw("\">")
                .Text(Offset(e.Timestamp - session.StartedAt)).Raw("</span></td><td><code>").Text(e.EventType).Raw("</code></td><td>");
            WriteDetails(html, view, session, e, pairs, texts);
            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        if (events.Count > shown)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"Only the first {shown:N0} of {events.Count:N0} events are shown; {events.Count - shown:N0} were left out."), "cap-note");
        }

        html.Raw("</section>");
    }

    /// <summary>A time from the session's start: "+0.250 s", "+12.500 s", "+3:05.250" (minutes), "+2:04:05" (hours); a
    /// negative one (a clock that went back, an imported log) with a minus.</summary>
    /// <param name="offset">The time from the start.</param>
    public static string Offset(TimeSpan offset)
    {
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var span = offset.Duration();
        return span switch
        {
            { TotalMinutes: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{sign}{span.TotalSeconds:0.000} s"),
            { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{sign}{span.Minutes}:{span.Seconds:00}.{span.Milliseconds:000}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{sign}{(long)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}"),
        };
    }

    /// <summary>Whether an event records something that went wrong: a tool that failed or was refused, arguments the
    /// provider could not read, an error, a failed orchestration or item, an evaluation that failed.</summary>
    private static bool IsFailure(SessionEvent e) => e switch
    {
        ToolResultEvent r => r.IsError,
        ToolCallEvent c => c.ArgumentsError is not null,
        ErrorEvent => true,
        OrchestrationFailedEvent => true,
        OrchestrationItemCompletedEvent i => !string.Equals(i.Status, "completed", StringComparison.Ordinal),
        OutcomeEvaluationEndedEvent o => o.Error is not null,
        _ => false,
    };

    /// <summary>Pairs each tool call with its result by call id, in order (a call id used twice pairs each call with the
    /// next result after it): the sequence of the other event of each pair, by sequence.</summary>
    private static Dictionary<long, long> ToolPairs(IReadOnlyList<SessionEvent> events, int count)
    {
        var pairs = new Dictionary<long, long>();
        Dictionary<string, Queue<long>>? open = null;
        for (var i = 0; i < count; i++)
        {
            switch (events[i])
            {
                case ToolCallEvent call:
                    open ??= new Dictionary<string, Queue<long>>(StringComparer.Ordinal);
                    if (!open.TryGetValue(call.CallId, out var calls))
                    {
                        open[call.CallId] = calls = new Queue<long>();
                    }

                    calls.Enqueue(call.Sequence);
                    break;
                case ToolResultEvent result when open is not null && open.TryGetValue(result.CallId, out var waiting) && waiting.TryDequeue(out var callSequence):
                    pairs[callSequence] = result.Sequence;
                    pairs[result.Sequence] = callSequence;
                    break;
            }
        }

        return pairs;
    }
}
