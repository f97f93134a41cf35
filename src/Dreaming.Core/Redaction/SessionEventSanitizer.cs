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
            default:
                return sessionEvent;
        }
    }
}
