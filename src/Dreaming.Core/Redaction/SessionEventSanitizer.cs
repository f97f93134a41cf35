namespace Dreaming;

/// <summary>Runs every text field of an event through the content filter before the event is queued.</summary>
/// <remarks>The event is copied only when the filter changed something: most text holds no secret and fits the limit.</remarks>
internal static class SessionEventSanitizer
{
    public static SessionEvent Sanitize(SessionEvent sessionEvent, TraceContentFilter filter)
    {
        switch (sessionEvent)
        {
            case MessageEvent m:
                var text = filter.Apply(m.Text);
                return ReferenceEquals(text, m.Text) ? m : m with { Text = text };
            case ToolCallEvent c:
                var arguments = filter.ApplyNullable(c.Arguments);
                return ReferenceEquals(arguments, c.Arguments) ? c : c with { Arguments = arguments };
            case ToolResultEvent r:
                var result = filter.ApplyNullable(r.Result);
                var errorMessage = filter.ApplyNullable(r.ErrorMessage);
                return ReferenceEquals(result, r.Result) && ReferenceEquals(errorMessage, r.ErrorMessage)
                    ? r
                    : r with { Result = result, ErrorMessage = errorMessage };
            case ErrorEvent e:
                var message = filter.Apply(e.Message);
                return ReferenceEquals(message, e.Message) ? e : e with { Message = message };
            case NoteEvent n:
                var note = filter.Apply(n.Text);
                return ReferenceEquals(note, n.Text) ? n : n with { Text = note };
            case OrchestrationStartedEvent o:
                var goal = filter.Apply(o.Goal);
                return ReferenceEquals(goal, o.Goal) ? o : o with { Goal = goal };
            case OrchestrationItemCompletedEvent i:
                var itemError = filter.ApplyNullable(i.Error);
                return ReferenceEquals(itemError, i.Error) ? i : i with { Error = itemError };
            case OrchestrationFailedEvent f:
                var reason = filter.Apply(f.Reason);
                return ReferenceEquals(reason, f.Reason) ? f : f with { Reason = reason };
            default:
                return sessionEvent;
        }
    }
}
