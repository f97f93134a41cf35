namespace Dreaming;

/// <summary>Runs every text field of an event through the content filter before the event is stored, and before a copy of
/// it leaves the process another way (webhooks, span events, orchestration observers); the identifiers a provider gives (a
/// tool call's id and tool name, a response's model id, response id and finish reason, a message's role and author name,
/// an error's type) are capped (<see cref="RecordedIdentifiers"/>).</summary>
/// <remarks>The event is copied only when the filter changed something: most text holds no secret and fits the limit, and
/// most ids and names are short.</remarks>
internal static class SessionEventSanitizer
{
    /// <summary>Returns the copy of an event that may be published: the same redaction and size limit as the stored one, or
    /// <see langword="null"/> when a redactor threw (the writer drops that event too, rather than store it unredacted).</summary>
    /// <typeparam name="T">The event's type.</typeparam>
    /// <param name="sessionEvent">The event, as the library made it (never an already filtered copy: it is filtered once, here).</param>
    /// <param name="session">The session it is recorded in.</param>
    /// <param name="registered">The registered filter, applied to the events of a session the library did not make (a
    /// custom <see cref="IAgentSessionFactory"/>'s), which offers no filter of its own; the library's sessions use theirs.</param>
    /// <returns>The redacted event, or <see langword="null"/>.</returns>
    public static T? ForPublishing<T>(T sessionEvent, IAgentSession session, TraceContentFilter registered)
        where T : SessionEvent
    {
        try
        {
            return (T)Sanitize(sessionEvent, FilterOf(session, registered));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>Returns text of a session that may be published, redacted like <see cref="ForPublishing{T}"/>; <see langword="null"/>
    /// for <see langword="null"/> or when a redactor threw.</summary>
    /// <param name="text">The text.</param>
    /// <param name="session">The session the text belongs to.</param>
    /// <param name="registered">The registered filter, for a session the library did not make.</param>
    /// <returns>The redacted text, or <see langword="null"/>.</returns>
    public static string? TextForPublishing(string? text, IAgentSession session, TraceContentFilter registered)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return FilterOf(session, registered).Apply(text);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    // A session of the library's carries the filter its writer applies; any other session (a custom factory's, even one that
    // decorates a library session and so stores through the writer) gets the registered filter, so nothing leaves unredacted.
    private static TraceContentFilter FilterOf(IAgentSession session, TraceContentFilter registered) =>
        (session as AgentSession)?.ContentFilter ?? registered;

    public static SessionEvent Sanitize(SessionEvent sessionEvent, TraceContentFilter filter)
    {
        switch (sessionEvent)
        {
            case MessageEvent m:
                var role = RecordedIdentifiers.Role(m.Role);
                var text = filter.Apply(m.Text);
                var authorName = m.AuthorName is null ? null : AuthorName(m.AuthorName, filter.Apply);
                return ReferenceEquals(role, m.Role) && ReferenceEquals(text, m.Text) && ReferenceEquals(authorName, m.AuthorName)
                    ? m
                    : m with { Role = role, Text = text, AuthorName = authorName };
            case ModelResponseEvent response:
                // Keys, like a call id: capped, not filtered (a price table matches the model id, mining the finish reason).
                var modelId = RecordedIdentifiers.ModelId(response.ModelId);
                var responseId = RecordedIdentifiers.ResponseId(response.ResponseId);
                var finishReason = RecordedIdentifiers.FinishReason(response.FinishReason);
                return ReferenceEquals(modelId, response.ModelId) && ReferenceEquals(responseId, response.ResponseId) && ReferenceEquals(finishReason, response.FinishReason)
                    ? response
                    : response with { ModelId = modelId, ResponseId = responseId, FinishReason = finishReason };
            case ToolCallEvent c:
                // The call id and tool name are capped, not filtered: a provider's value of any length is stored as its
                // start and a hash of the whole, so a call still pairs with its result (RecordedIdentifiers).
                var callId = RecordedIdentifiers.CallId(c.CallId);
                var toolName = RecordedIdentifiers.ToolName(c.ToolName)!;
                var arguments = filter.ApplyNullable(c.Arguments);
                var argumentsError = filter.ApplyNullable(c.ArgumentsError);
                return ReferenceEquals(callId, c.CallId) && ReferenceEquals(toolName, c.ToolName)
                    && ReferenceEquals(arguments, c.Arguments) && ReferenceEquals(argumentsError, c.ArgumentsError)
                    ? c
                    : c with { CallId = callId, ToolName = toolName, Arguments = arguments, ArgumentsError = argumentsError };
            case ToolResultEvent r:
                var resultCallId = RecordedIdentifiers.CallId(r.CallId);
                var resultToolName = RecordedIdentifiers.ToolName(r.ToolName);
                var result = filter.ApplyNullable(r.Result);
                var resultErrorType = RecordedIdentifiers.ErrorType(r.ErrorType);
                var errorMessage = filter.ApplyNullable(r.ErrorMessage);
                return ReferenceEquals(resultCallId, r.CallId) && ReferenceEquals(resultToolName, r.ToolName)
                    && ReferenceEquals(result, r.Result) && ReferenceEquals(resultErrorType, r.ErrorType) && ReferenceEquals(errorMessage, r.ErrorMessage)
                    ? r
                    : r with { CallId = resultCallId, ToolName = resultToolName, Result = result, ErrorType = resultErrorType, ErrorMessage = errorMessage };
            case ErrorEvent e:
                var errorType = RecordedIdentifiers.ErrorType(e.ErrorType)!;
                var message = filter.Apply(e.Message);
                return ReferenceEquals(errorType, e.ErrorType) && ReferenceEquals(message, e.Message) ? e : e with { ErrorType = errorType, Message = message };
            case NoteEvent n:
                var note = filter.Apply(n.Text);
                return ReferenceEquals(note, n.Text) ? n : n with { Text = note };
            case OrchestrationStartedEvent o:
                var goal = filter.Apply(o.Goal);
                return ReferenceEquals(goal, o.Goal) ? o : o with { Goal = goal };
            case OrchestrationItemCompletedEvent i:
                var itemError = filter.ApplyNullable(i.Error);
                return ReferenceEquals(itemError, i.Error) ? i : i with { Error = itemError };
            case OutcomeEvaluationEndedEvent o:
                var criteria = Sanitize(o.Criteria, filter);
                var outcomeError = filter.ApplyNullable(o.Error);
                return ReferenceEquals(criteria, o.Criteria) && ReferenceEquals(outcomeError, o.Error)
                    ? o
                    : o with { Criteria = criteria, Error = outcomeError };
            case OrchestrationFailedEvent f:
                var reason = filter.Apply(f.Reason);
                return ReferenceEquals(reason, f.Reason) ? f : f with { Reason = reason };
            default:
                return sessionEvent;
        }
    }

    /// <summary>Returns an author name as stored, live and imported alike: capped first, so a long name is told by the
    /// whole of it (not by what the content filter's size limit keeps), then redacted like content, then capped again in
    /// case a redaction made it longer.</summary>
    /// <param name="authorName">The name.</param>
    /// <param name="filter">The content filter.</param>
    /// <returns>The name as stored; the same instance when nothing changed it.</returns>
    internal static string AuthorName(string authorName, Func<string, string> filter) =>
        RecordedIdentifiers.AuthorName(filter(RecordedIdentifiers.AuthorName(authorName)!))!;

    // Deterministic checks quote the work in their reasons, and a grader's reasons cite it.
    private static IReadOnlyList<CriterionVerdictRecord> Sanitize(IReadOnlyList<CriterionVerdictRecord> criteria, TraceContentFilter filter)
    {
        CriterionVerdictRecord[]? copy = null;
        for (var i = 0; i < criteria.Count; i++)
        {
            var criterion = criteria[i];
            var reason = filter.ApplyNullable(criterion.Reason);
            if (!ReferenceEquals(reason, criterion.Reason))
            {
                copy ??= [.. criteria];
                copy[i] = criterion with { Reason = reason };
            }
        }

        return copy ?? criteria;
    }
}
