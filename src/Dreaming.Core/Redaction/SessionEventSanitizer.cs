namespace Dreaming;

/// <summary>Runs every text field of an event through the content filter before the event is queued.</summary>
internal static class SessionEventSanitizer
{
    public static SessionEvent Sanitize(SessionEvent sessionEvent, TraceContentFilter filter) => sessionEvent switch
    {
        MessageEvent m => m with { Text = filter.Apply(m.Text) },
        ToolCallEvent c => c with { Arguments = filter.ApplyNullable(c.Arguments) },
        ToolResultEvent r => r with { Result = filter.ApplyNullable(r.Result), ErrorMessage = filter.ApplyNullable(r.ErrorMessage) },
        ErrorEvent e => e with { Message = filter.Apply(e.Message) },
        NoteEvent n => n with { Text = filter.Apply(n.Text) },
        _ => sessionEvent,
    };
}
