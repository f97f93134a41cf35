using System.Globalization;

namespace Dreaming;

// The agent's own signals: it asked for help (AgentNeedsHelpException) or reported itself blocked (AgentBlockedException);
// and the notes that record them and the escalation handler's answer (guidance or a give-up).
public sealed partial class OutcomeRunner
{
    /// <summary>How the note of an agent's help request starts, followed by <c> (iteration N): </c> and the question.</summary>
    internal const string HelpNotePrefix = "outcome.help_requested";

    /// <summary>How the note of an agent's block starts, followed by <c> (iteration N): </c> and the reason.</summary>
    internal const string BlockedNotePrefix = "outcome.blocked";

    /// <summary>How the note of an escalation handler's guidance starts, followed by <c> (after iteration N): </c> and the guidance.</summary>
    internal const string GuidanceNotePrefix = "outcome.guidance";

    /// <summary>How the note of an escalation handler's give-up starts, followed by <c> (after iteration N): </c> and its reason.</summary>
    internal const string GaveUpNotePrefix = "outcome.gave_up";

    /// <summary>How the note of a help request no handler answered starts, followed by <c> (after iteration N): </c> and why
    /// (<c>no escalation handler is set</c> or <c>no escalation is left</c>).</summary>
    internal const string HelpUnansweredNotePrefix = "outcome.help_unanswered";

    /// <summary>How the note of an escalation handler that threw (or returned no decision) starts, followed by
    /// <c> (after iteration N): </c> and its error.</summary>
    internal const string EscalationFailedNotePrefix = "outcome.escalation_failed";

    /// <summary>Ends the loop blocked before its iterations ran out: <see cref="OutcomeResult.Failed"/>, as a handler's give-up
    /// after a failed iteration reads (never the non-terminal <see cref="OutcomeResult.NeedsRevision"/>).</summary>
    private static void Block(LoopState state, string error)
    {
        state.Result = OutcomeResult.Failed;
        state.Blocked = true;
        state.Error = error;
    }

    // A NoteEvent, not a new event kind: every store and reader (the CLI's session view, an older library reading the same
    // store, whose polymorphic reader fails on a kind it does not know) already handles it, and it is redacted like all text.
    private static ValueTask NoteDecisionAsync(LoopState state, EscalationDecision decision) =>
        NoteAfterIterationAsync(state, decision.GaveUp ? GaveUpNotePrefix : GuidanceNotePrefix, decision.GaveUp ? decision.Reason : decision.Guidance);

    // What came after the iteration that ended (the handler's answer, or why none came): "prefix (after iteration N): text".
    private static ValueTask NoteAfterIterationAsync(LoopState state, string prefix, string? text) =>
        NoteAsync(state, $"{prefix} (after iteration {state.Iteration.ToString(CultureInfo.InvariantCulture)}): {text}");

    private static ValueTask NoteAsync(LoopState state, string text) =>
        state.Session.RecordAsync(new NoteEvent { Text = text }, CancellationToken.None);
}
