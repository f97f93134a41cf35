using System.Runtime.InteropServices;

namespace Dreaming;

/// <summary>Reads one session's events into the pattern table; its per-session state is reused from one session to the next.</summary>
internal sealed class SessionScanner(PatternTable table, int minRepeatedFailures)
{
    private const string UnknownTool = "(unknown)";
    private const string LengthLimitSignature = "finish_reason: length";
    private const string IterationLimitSignature = "outcome: " + SessionVerdicts.MaxIterationsReached;
    private const int MaxCachedBigrams = 10_000;
    private const int MaxLoopSequences = 20;
    private const string BlockedNote = OutcomeRunner.BlockedNotePrefix + " (iteration ";
    private const string HelpNote = OutcomeRunner.HelpNotePrefix + " (iteration ";
    private const string BlockedSignature = "blocked: ";
    private const string HelpSignature = "help_requested: ";

    /// <summary>The signature of every call of a tool whose arguments the provider could not read
    /// (<see cref="ToolCallEvent.ArgumentsError"/>): one pattern a tool, whatever the parse error's wording.</summary>
    internal const string UnreadArgumentsSignature = "arguments not valid JSON";

    /// <summary>The signature of every call of a tool a person refused to approve (<see cref="ToolResultEvent.RejectedErrorType"/>):
    /// one pattern a tool, whatever the reason given.</summary>
    internal const string RejectedSignature = "refused by a person";

    private readonly Dictionary<string, CallInfo> _calls = new(StringComparer.Ordinal);
    private readonly List<CallInfo> _unpricedCalls = [];
    private readonly List<CallInfo> _unreadCalls = [];
    private readonly Dictionary<LoopKey, LoopState> _failingCalls = [];
    private readonly Dictionary<(string, string), string> _bigrams = [];
    private readonly SignatureCache _signatures = new();
    private readonly SessionValues _values = new();

    public void Scan(SessionWithEvents session, SessionContext context)
    {
        _calls.Clear();
        _unpricedCalls.Clear();
        _unreadCalls.Clear();
        _failingCalls.Clear();
        // The session's values are all known before its first error is signed: an error may quote a name the customer
        // says, or a tool returns, only later, and must be signed as the same error quoting it after.
        _values.Reset(session.Session.Task);
        _values.AddEvents(session.Events);

        CallInfo? previous = null;
        foreach (var sessionEvent in session.Events)
        {
            switch (sessionEvent)
            {
                case ToolCallEvent call:
                    previous = OnCall(call, previous, context);
                    break;
                case ModelResponseEvent response:
                    OnResponse(response, context);
                    break;
                case ToolResultEvent { IsError: true } result:
                    OnError(result, context);
                    break;
                case OutcomeEvaluationEndedEvent evaluation:
                    OnEvaluation(evaluation, context);
                    break;
                case NoteEvent note:
                    OnNote(note, context);
                    break;
                case ErrorEvent error:
                    OnItemError(error, session.Session.Status, context);
                    break;
            }
        }

        // A call whose arguments were not read failed there, whatever its result: priced now that its response is read.
        // Its arguments are unknown, so the same tool's unread calls in a session are the same failing call repeated.
        foreach (var call in _unreadCalls)
        {
            var (line, _) = _signatures.Get(call.ArgumentsError);
            table.Get(FindingKinds.ToolError, call.Tool, UnreadArgumentsSignature)?.Record(context, 1, 1, call.Tokens, line, call.Sequence);
            TrackFailingCall(new LoopKey(call.Tool, null, UnreadArgumentsSignature), line, call.Tokens, [call.Sequence]);
        }

        foreach (var (key, loop) in _failingCalls)
        {
            if (loop.Count >= minRepeatedFailures)
            {
                table.Get(FindingKinds.RepeatedFailingCall, key.Tool, key.Signature)
                    ?.Record(context, loop.Count, loop.Count - 1, loop.RepeatTokens, loop.Example, CollectionsMarshal.AsSpan(loop.Sequences));
            }
        }

        if (SessionVerdicts.HitIterationLimit(session.Session))
        {
            table.Get(FindingKinds.LimitHit, null, IterationLimitSignature)?.Record(context, 1, 0, 0, null);
        }
    }

    private CallInfo OnCall(ToolCallEvent call, CallInfo? previous, SessionContext context)
    {
        var tool = string.IsNullOrWhiteSpace(call.ToolName) ? UnknownTool : call.ToolName;
        var info = new CallInfo(tool, call.Arguments, call.Sequence) { ArgumentsError = call.ArgumentsError };
        _calls[call.CallId] = info;
        _unpricedCalls.Add(info);
        if (call.ArgumentsError is not null)
        {
            _unreadCalls.Add(info);
        }

        if (previous is not null)
        {
            table.Get(FindingKinds.ToolSequence, null, Bigram(previous.Tool, tool))?.Record(context, 1, 0, 0, null, previous.Sequence, call.Sequence);
        }

        return info;
    }

    private void OnResponse(ModelResponseEvent response, SessionContext context)
    {
        // The calls a turn asked for are recorded just before its response, so they share its tokens.
        var tokens = response.Usage?.TotalTokens ?? 0;
        if (_unpricedCalls.Count > 0)
        {
            var share = tokens / _unpricedCalls.Count;
            foreach (var call in _unpricedCalls)
            {
                call.Tokens = share;
            }

            _unpricedCalls[0].Tokens += tokens % _unpricedCalls.Count;
            _unpricedCalls.Clear();
        }

        if (string.Equals(response.FinishReason, "length", StringComparison.OrdinalIgnoreCase))
        {
            table.Get(FindingKinds.LimitHit, null, LengthLimitSignature)?.Record(context, 1, 1, tokens, null, response.Sequence);
        }
    }

    private void OnError(ToolResultEvent result, SessionContext context)
    {
        var call = _calls.GetValueOrDefault(result.CallId);
        if (call?.ArgumentsError is not null)
        {
            // The result of a call whose arguments were not read (a missing-argument error) follows from that: the call
            // is counted once, as unread arguments, not again under the error its missing arguments caused.
            return;
        }

        var tool = !string.IsNullOrWhiteSpace(result.ToolName) ? result.ToolName : call?.Tool ?? UnknownTool;

        // The exception message is the precise one when the model was shown a generic text.
        var text = !string.IsNullOrWhiteSpace(result.ErrorMessage) ? result.ErrorMessage : result.Result;
        var (line, signature) = _signatures.Get(text);
        if (string.Equals(result.ErrorType, ToolResultEvent.RejectedErrorType, StringComparison.Ordinal))
        {
            // A person refused the call: one pattern a tool, whatever reason they gave (it is the example), as the
            // lesson is to confirm first, not to fix what an error names.
            signature = RejectedSignature;
        }
        else
        {
            // A name, an address or free text of this session's customer is a variable part too (SessionValues); so is a
            // value the call sent, echoed by its error (a booking reference of letters only), and then any other code in
            // capitals the session's customer or tools supplied.
            signature = _values.Mask(signature, capitals: false);
            signature = ErrorSignature.MaskEchoedArguments(signature, call?.Arguments);
            signature = _values.Mask(signature, capitals: true);
            if (!string.IsNullOrWhiteSpace(result.ErrorType) && !signature.Contains(result.ErrorType, StringComparison.Ordinal))
            {
                signature = result.ErrorType + ": " + signature;
            }
        }

        var tokens = call?.Tokens ?? 0;
        long[] sequences = call is null ? [result.Sequence] : [call.Sequence, result.Sequence];
        table.Get(FindingKinds.ToolError, tool, signature)?.Record(context, 1, 1, tokens, line, sequences);
        if (call is null)
        {
            return;
        }

        // The same arguments with other spacing or property order are the same call (CallArguments).
        TrackFailingCall(new LoopKey(tool, CallArguments.Canonical(call.Arguments), signature), line, tokens, sequences);
    }

    private void TrackFailingCall(LoopKey key, string line, long tokens, ReadOnlySpan<long> sequences)
    {
        if (!_failingCalls.TryGetValue(key, out var loop))
        {
            _failingCalls[key] = loop = new LoopState(line);
        }
        else
        {
            loop.RepeatTokens = SaturatingSum.Add(loop.RepeatTokens, tokens);
        }

        loop.Count++;
        if (loop.Sequences.Count < MaxLoopSequences)
        {
            loop.Sequences.AddRange(sequences);
        }
    }

    // A report-only criterion (weight 0, not required, as recorded) never failed an iteration nor sent the work back: its
    // verdict is not mined, so no lesson makes a rule of what the rubric only reports. A verdict recorded before weights
    // were is mined as it always was.
    // Whether a criterion is required is what its latest verdict recorded (met or not), so a rubric that stopped (or
    // started) requiring it is taught as it is now, whatever the order the sessions are read in.
    private void OnEvaluation(OutcomeEvaluationEndedEvent evaluation, SessionContext context)
    {
        foreach (var criterion in evaluation.Criteria)
        {
            var failed = criterion.Verdict is "not_met" or "partially_met" && !criterion.IsReportOnly;
            if (!failed && criterion.Required is null)
            {
                continue;
            }

            // A failing verdict makes its criterion a pattern first, so the pattern keeps what the verdict records.
            var signature = evaluation.RubricId + "/" + criterion.Id;
            if (failed && table.Get(FindingKinds.RubricCriterion, null, signature) is { } pattern)
            {
                pattern.Record(context, 1, 1, 0, criterion.Reason, evaluation.Sequence);
            }

            if (criterion.Required is { } required)
            {
                table.NoteRequired(signature, required, evaluation.Timestamp);
            }
        }
    }

    // The outcome loop notes the agent's own signals as "outcome.blocked (iteration N): reason" and
    // "outcome.help_requested (iteration N): question" (OutcomeRunner); their text is signed like an error's, so the same
    // reason or question with other numbers, ids or quoted values is one pattern. Other notes are the host's free text.
    private void OnNote(NoteEvent note, SessionContext context)
    {
        var text = note.Text;
        string kind;
        int end;
        if (text.StartsWith(BlockedNote, StringComparison.Ordinal))
        {
            (kind, end) = (BlockedSignature, text.IndexOf("): ", BlockedNote.Length, StringComparison.Ordinal));
        }
        else if (text.StartsWith(HelpNote, StringComparison.Ordinal))
        {
            (kind, end) = (HelpSignature, text.IndexOf("): ", HelpNote.Length, StringComparison.Ordinal));
        }
        else
        {
            return;
        }

        if (end < 0)
        {
            return;
        }

        // One iteration that ended so: the agent ran, and handed in no work.
        RecordStuck(kind, text[(end + 3)..], note.Sequence, context);
    }

    // An orchestration item without a rubric has no outcome loop to note its agent's signal: the error that ended the
    // attempt records it (PlanExecution), with the exception's type name and its message, which is the reason or the
    // question. It is read like the loop's note, so the same block in outcome loops and in plain items is one pattern.
    // A cancellation is a stopped run's, not the agent's signal; the item's other errors (a thrown tool, a timeout) are its
    // failure, not mined. An exception derived from either one is recorded under its own name, in a session that ended
    // blocked, which only a signal ends so: it reads as blocked (the orchestrator answers a question no one in the run can
    // answer with a block too).
    private void OnItemError(ErrorEvent error, SessionStatus status, SessionContext context)
    {
        if (error.IsCancellation || !string.Equals(error.Operation, PlanExecution.ItemErrorOperation, StringComparison.Ordinal))
        {
            return;
        }

        if (string.Equals(error.ErrorType, nameof(AgentNeedsHelpException), StringComparison.Ordinal))
        {
            RecordStuck(HelpSignature, error.Message, error.Sequence, context);
        }
        else if (status == SessionStatus.Blocked || string.Equals(error.ErrorType, nameof(AgentBlockedException), StringComparison.Ordinal))
        {
            RecordStuck(BlockedSignature, error.Message, error.Sequence, context);
        }
    }

    private void RecordStuck(string kind, string text, long sequence, SessionContext context)
    {
        var (line, signature) = _signatures.Get(text);
        table.Get(FindingKinds.AgentStuck, null, kind + _values.Mask(_values.Mask(signature, capitals: false), capitals: true))?.Record(context, 1, 1, 0, line, sequence);
    }

    private string Bigram(string first, string second)
    {
        if (_bigrams.TryGetValue((first, second), out var bigram))
        {
            return bigram;
        }

        if (_bigrams.Count >= MaxCachedBigrams)
        {
            _bigrams.Clear();
        }

        bigram = first + " -> " + second;
        _bigrams[(first, second)] = bigram;
        return bigram;
    }

    private sealed class CallInfo(string tool, string? arguments, long sequence)
    {
        public string Tool { get; } = tool;

        public string? Arguments { get; } = arguments;

        public long Sequence { get; } = sequence;

        public long Tokens { get; set; }

        public string? ArgumentsError { get; init; }
    }

    private readonly record struct LoopKey(string Tool, string? Arguments, string Signature);

    private sealed class LoopState(string example)
    {
        public int Count { get; set; }

        public long RepeatTokens { get; set; }

        public string Example { get; } = example;

        public List<long> Sequences { get; } = [];
    }
}
