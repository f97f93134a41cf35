using System.Globalization;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>A session's events in sequence, each with its time from the session's start, its type and a rendering of its
/// fields; tool calls and their results link to each other, and failures are marked.</summary>
internal static partial class SessionTimeline
{
    /// <summary>The most events the timeline renders at once; links lead to the next of them and back to the first.</summary>
    public const int MaxEvents = 2000;

    /// <summary>The query name of the event number the timeline starts after.</summary>
    public const string After = "after";

    /// <summary>Writes the timeline section: the window of at most <see cref="MaxEvents"/> events after
    /// <paramref name="after"/>, with links to the next window and back to the first.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="session">The session.</param>
    /// <param name="events">The window and its tool pairs (<see cref="SessionDetailPage.ReadEventsAsync"/>).</param>
    /// <param name="after">The sequence number the window starts after, or <see langword="null"/> for the first window.</param>
    /// <param name="texts">The page's long-text budget.</param>
    public static void Write(HtmlWriter html, AgentViewContext view, SessionRecord session, TimelineEvents events, long? after, LongTextWriter texts)
    {
        html.Raw("<section id=\"timeline\">").Element("h3", "Timeline");
        var page = view.Href("sessions", session.Id);
        var shown = events.Window;
        if (shown.Count == 0)
        {
            var none = after is null || session.EventCount == 0;
            html.Raw("<p class=\"empty\">").Text(none ? "No events." : string.Create(CultureInfo.InvariantCulture, $"No events after #{after}. "));
            if (!none)
            {
                html.Link(page + "#timeline", "First events");
            }

            html.Raw("</p></section>");
            return;
        }

        var window = new Window(shown[0].Sequence, shown[^1].Sequence, page, events.Pairs, events.AllCalls, events.AllResults);
        html.Raw("<table class=\"timeline\"><thead><tr><th class=\"num\">#</th><th class=\"num\">Offset</th><th>Type</th><th>Details</th></tr></thead><tbody>");
        foreach (var e in shown)
        {
            var seq = e.Sequence.ToString(CultureInfo.InvariantCulture);
            html.Raw("<tr id=\"event-" + seq + "\" class=\"event" + (IsFailure(e) ? " event-failure" : string.Empty) + "\"><td class=\"num\">")
                .Raw("<a href=\"?" + RecordedValues.Event + "=" + seq + "\">" + seq + "</a>").Raw("</td><td class=\"num\"><span title=\"")
                .Text(e.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)).Raw("\">")
                .Text(Offset(e.Timestamp - session.StartedAt)).Raw("</span></td><td><code>").Short(e.EventType).Raw("</code></td><td>");
            texts.Whole = RecordedValues.EventHref(e.Sequence);
            WriteDetails(html, view, session, e, window, texts);
            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        var notFirst = after > 0;
        if (notFirst || events.HasNext)
        {
            // The window is named by its sequence numbers: the events before it are not read, so its position is not known.
            html.Raw("<p class=\"cap-note\">").Text(string.Create(CultureInfo.InvariantCulture, $"Events #{window.First} to #{window.Last} of {session.EventCount:N0} are shown. "));
            if (events.HasNext)
            {
                html.Link(page + "?" + After + "=" + window.Last.ToString(CultureInfo.InvariantCulture) + "#timeline", "Next events", "next");
            }

            if (notFirst)
            {
                html.Raw(events.HasNext ? " " : string.Empty).Link(page + "#timeline", "First events");
            }

            html.Raw("</p>");
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
    /// <param name="events">Events in sequence order; only tool calls and results count.</param>
    internal static Dictionary<long, long> ToolPairs(IReadOnlyList<SessionEvent> events)
    {
        var pairs = new Dictionary<long, long>();
        Dictionary<string, Queue<long>>? open = null;
        for (var i = 0; i < events.Count; i++)
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

    /// <summary>The events a page shows (by sequence number), the session page's link, the tool pairs of the window and
    /// the tool events read around it (a pair's other half outside the window is linked on the window that starts with
    /// it), and whether those reached the session's first call and last result.</summary>
    private sealed record Window(long First, long Last, string Page, Dictionary<long, long> Pairs, bool AllCalls, bool AllResults)
    {
        public string Link(long sequence)
        {
            var target = sequence.ToString(CultureInfo.InvariantCulture);
            return sequence >= First && sequence <= Last
                ? "#event-" + target
                : Page + "?" + After + "=" + (sequence - 1).ToString(CultureInfo.InvariantCulture) + "#event-" + target;
        }
    }
}
