using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dreaming;

/// <summary>The default <see cref="IOutcomeRunner"/>: agent → grade → feedback → agent, in one recorded session.</summary>
/// <remarks>
/// Each graded iteration leaves an <see cref="OutcomeEvaluationStartedEvent"/> and an <see cref="OutcomeEvaluationEndedEvent"/>
/// (result, score, verdicts, grader usage) in the session (an iteration whose agent threw only the ended one, <c>failed</c>;
/// one cancelled while graded ends <c>interrupted</c>; one whose agent asked for help or reported itself blocked only a
/// <see cref="NoteEvent"/> starting <c>outcome.help_requested</c> or <c>outcome.blocked</c>; an escalation handler's guidance
/// or give-up leaves a <see cref="NoteEvent"/> starting <c>outcome.guidance</c> or <c>outcome.gave_up</c>, a help request no
/// handler answered one starting <c>outcome.help_unanswered</c>, and a handler that threw one starting
/// <c>outcome.escalation_failed</c>), and a <c>gen_ai.evaluation.result</c> event per criterion and
/// for the total on the session's span. Criterion reasons and errors are redacted like every recorded text, in the
/// session, on the span and in webhooks alike. The session is completed with the result as its outcome label and the final
/// score. Thread-safe: loops may run concurrently, each in its own session.
/// </remarks>
public sealed partial class OutcomeRunner : IOutcomeRunner
{
    private readonly IAgentSessionFactory _sessions;
    private readonly IRubricEvaluator _evaluator;
    private readonly ILogger _logger;
    private readonly IWebhookPublisher? _webhooks;
    private readonly TraceContentFilter _contentFilter;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="sessions">Starts the session the loop runs in.</param>
    /// <param name="evaluator">Grades each attempt.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    /// <param name="webhooks">Raises <c>outcome.evaluation_ended</c> after each graded iteration and <c>outcome.satisfied</c> or
    /// <c>outcome.unsatisfied</c> when the loop ends (their text redacted like the session's), or <see langword="null"/>.</param>
    /// <remarks>Text published from a session that <paramref name="sessions"/> made but the library did not (a custom
    /// factory's) is redacted with the built-in secret patterns and the default size limit; the instance
    /// <c>AddDreamingAgents()</c> registers uses the registered redactors and <see cref="DreamingOptions"/> instead.</remarks>
    public OutcomeRunner(IAgentSessionFactory sessions, IRubricEvaluator evaluator, ILogger<OutcomeRunner>? logger = null, IWebhookPublisher? webhooks = null)
        : this(sessions, evaluator, logger, webhooks, TraceContentFilter.BuiltIn)
    {
    }

    internal OutcomeRunner(IAgentSessionFactory sessions, IRubricEvaluator evaluator, ILogger<OutcomeRunner>? logger, IWebhookPublisher? webhooks, TraceContentFilter contentFilter)
    {
        _contentFilter = contentFilter ?? throw new ArgumentNullException(nameof(contentFilter));
        _webhooks = webhooks is { IsEnabled: true } ? webhooks : null;
        _sessions = sessions ?? throw new ArgumentNullException(nameof(sessions));
        _evaluator = evaluator ?? throw new ArgumentNullException(nameof(evaluator));
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<OutcomeRun> RunAsync(OutcomeRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);
        await using var session = _sessions.StartSession(new AgentSessionOptions
        {
            AgentId = request.AgentId,
            Task = request.Task,
            ParentSessionId = request.ParentSessionId,
            Scope = request.Scope,
            Metadata = { ["outcome.rubric"] = $"{request.Rubric.Id}@{request.Rubric.Version.ToString(CultureInfo.InvariantCulture)}" },
        });
        var state = new LoopState(request, session);
        try
        {
            await RunIterationsAsync(state, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.Result = OutcomeResult.Interrupted;
            state.Error = "canceled";
        }

        var run = state.ToRun();
        await CompleteAsync(session, run, request.Rubric).ConfigureAwait(false);
        LogLoopEnded(_logger, session.Id, run.Result, run.Iterations, run.Blocked);
        if (_webhooks is not null)
        {
            // The error may quote an exception message and the artifact is the agent's work: both are redacted and size-limited
            // like recorded text (the caller's run keeps them whole).
            var published = run with
            {
                Error = SessionEventSanitizer.TextForPublishing(run.Error, session, _contentFilter),
                FinalArtifact = _webhooks.IncludeFullPayloads ? SessionEventSanitizer.TextForPublishing(run.FinalArtifact, session, _contentFilter) : null,
            };
            var (type, data) = WebhookEventData.OutcomeEnded(published, request.AgentId, request.Rubric, _webhooks.IncludeFullPayloads);
            await _webhooks.PublishAsync(type, data, CancellationToken.None).ConfigureAwait(false);
        }

        return run;
    }

    private async Task RunIterationsAsync(LoopState state, CancellationToken cancellationToken)
    {
        var limit = state.Request.MaxIterations;
        var escalations = 0;
        while (true)
        {
            while (state.Iteration < limit)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await RunIterationAsync(state, state.Iteration == limit - 1, cancellationToken).ConfigureAwait(false))
                {
                    if (state.Result == OutcomeResult.Satisfied || state.Blocked)
                    {
                        return;
                    }

                    // Failed: unsatisfied like running out of iterations, so the escalation handler is asked too; or the
                    // agent asked for help, and the handler is asked at once.
                    break;
                }
            }

            var question = state.Question;
            state.Question = null;
            if (state.Request.Escalation is null || escalations >= state.Request.MaxEscalations)
            {
                if (question is not null)
                {
                    // Noted like the handler's answers, so the session says why the loop ended (the question is noted already).
                    var why = state.Request.Escalation is null ? "no escalation handler is set" : "no escalation is left";
                    await NoteAfterIterationAsync(state, HelpUnansweredNotePrefix, why).ConfigureAwait(false);
                    Block(state, $"the agent asked for help and {why}: {question}");
                }

                return;
            }

            escalations++;
            EscalationDecision decision;
            try
            {
                // The loop has not ended when the agent asks for help: the handler is told needs_revision and the question.
                var escalation = new OutcomeEscalation(state.Request.Task, question is null ? state.Result : OutcomeResult.NeedsRevision, state.Artifact, state.LastEvaluation, state.Iteration)
                {
                    Question = question,
                };

                // WaitAsync, as for the agent: a handler that ignores its token (a person who never answers) cannot hold
                // up a cancelled loop; the handler left running is abandoned, and what it throws later observed.
                decision = await AbandonedTask.WaitAsync(state.Request.Escalation(escalation, cancellationToken), cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("it returned no decision");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Like an agent that throws: the loop ends failed, and the session is still completed with its outcome; the
                // handler's error is noted, so the session says why the loop ended.
                await NoteAfterIterationAsync(state, EscalationFailedNotePrefix, ex.Message).ConfigureAwait(false);
                state.Result = OutcomeResult.Failed;
                state.Error = $"the escalation handler failed: {ex.Message}";
                return;
            }

            // The decision is recorded like the question (a note, redacted and size-limited by the session), so a reader of
            // the session sees why the agent changed course, or why the loop stopped.
            await NoteDecisionAsync(state, decision).ConfigureAwait(false);
            if (decision.GaveUp)
            {
                if (question is null)
                {
                    state.Blocked = true;
                    state.Error = decision.Reason;
                }
                else
                {
                    Block(state, $"the agent asked for help and the escalation handler gave up ({decision.Reason}): {question}");
                }

                return;
            }

            state.Guidance = decision.Guidance;
            state.Error = null;
            limit = Math.Min(state.Iteration + state.Request.MaxIterations, state.Iteration + OutcomeRequest.MaxIterationsLimit);
        }
    }

    /// <returns><see langword="true"/> when the loop must stop (satisfied, or failed).</returns>
    private async Task<bool> RunIterationAsync(LoopState state, bool last, CancellationToken cancellationToken)
    {
        var iteration = ++state.Iteration;
        var attempt = new OutcomeAttempt
        {
            Iteration = iteration,
            Task = state.Request.Task,
            Session = state.Session,
            Feedback = state.LastEvaluation is null ? null : OutcomeFeedback.Render(state.LastEvaluation),
            PreviousArtifact = state.Artifact,
            PreviousEvaluation = state.LastEvaluation,
            Guidance = state.Guidance,
        };

        try
        {
            // WaitAsync: a cancellation ends the loop even when the agent ignores its token; the agent left running is
            // abandoned (what it throws later is observed), as for the evaluator below.
            state.Artifact = await AbandonedTask.WaitAsync(state.Request.Agent(attempt, cancellationToken), cancellationToken).ConfigureAwait(false) ?? string.Empty;
        }
        catch (AgentNeedsHelpException help)
        {
            // Not graded (there is no work): the question is noted, and the loop asks the escalation handler.
            state.Question = help.Question;
            await NoteAsync(state, $"{HelpNotePrefix} (iteration {iteration.ToString(CultureInfo.InvariantCulture)}): {help.Question}").ConfigureAwait(false);
            return true;
        }
        catch (AgentBlockedException blocked)
        {
            await NoteAsync(state, $"{BlockedNotePrefix} (iteration {iteration.ToString(CultureInfo.InvariantCulture)}): {blocked.Reason}").ConfigureAwait(false);
            Block(state, blocked.Reason);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await FailAsync(state, iteration, $"the agent failed: {ex.Message}").ConfigureAwait(false);
            return true;
        }

        var rubric = state.Request.Rubric;
        await state.Session.RecordAsync(new OutcomeEvaluationStartedEvent { Iteration = iteration, RubricId = rubric.Id, RubricVersion = rubric.Version }, CancellationToken.None).ConfigureAwait(false);
        RubricEvaluation evaluation;
        Task<RubricEvaluation>? grading = null;
        try
        {
            // WaitAsync: a cancellation (a timeout, a stopped orchestration) ends the loop even when a custom evaluator
            // ignores its token; the evaluation left running is abandoned (what it throws later is observed).
            grading = _evaluator.EvaluateAsync(rubric, state.Artifact, state.Request.Task, cancellationToken);
            evaluation = await grading.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (grading is not null)
            {
                AbandonedTask.Observe(grading);
                // A grading still running is held by an orchestration item against its run's MaxConcurrency. The built-in
                // evaluator's ends as soon as ModelGrader has seen the same cancellation and reported its own call left
                // running; reported here too, it covers the moment before that (the loop can return, and the item's retry
                // look for a place, before ModelGrader's continuation has run), and counts twice only for that moment.
                AbandonedGraderCalls.Report(grading);
            }

            // As on the hosted platform, an interrupt after the evaluation started ends it "interrupted": a started
            // evaluation is never left without its end in the record.
            var interrupted = new OutcomeEvaluationEndedEvent { Iteration = iteration, RubricId = rubric.Id, Result = OutcomeResultNames.Of(OutcomeResult.Interrupted), Error = "canceled" };
            await state.Session.RecordAsync(interrupted, CancellationToken.None).ConfigureAwait(false);
            await PublishEvaluationEndedAsync(state, SessionEventSanitizer.ForPublishing(interrupted, state.Session, _contentFilter)).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await FailAsync(state, iteration, $"the rubric could not be applied: {ex.Message}").ConfigureAwait(false);
            return true;
        }

        state.Evaluations.Add(evaluation);
        state.GraderUsage = state.GraderUsage.Add(evaluation.GraderUsage);
        var unpassable = evaluation.Passed || evaluation.HasErrors ? null : WhyUnpassable(evaluation);
        state.Result = evaluation.Passed ? OutcomeResult.Satisfied
            : evaluation.HasErrors || unpassable is not null ? OutcomeResult.Failed
            : last ? OutcomeResult.MaxIterationsReached
            : OutcomeResult.NeedsRevision;
        if (state.Result == OutcomeResult.Failed)
        {
            state.Error = unpassable ?? "the grader could not check every criterion";
        }

        var ended = new OutcomeEvaluationEndedEvent
        {
            Iteration = iteration,
            RubricId = rubric.Id,
            Result = OutcomeResultNames.Of(state.Result),
            Score = evaluation.Score,
            Threshold = rubric.PassThreshold,
            Aggregation = RubricAggregationNames.Of(rubric.Aggregation),
            Passed = evaluation.Passed,
            Criteria = evaluation.Criteria.Select(OutcomeFeedback.ToRecord).ToList(),
            GraderUsage = evaluation.GraderUsage,
            Error = state.Error,
        };
        await state.Session.RecordAsync(ended, CancellationToken.None).ConfigureAwait(false);
        var published = SessionEventSanitizer.ForPublishing(ended, state.Session, _contentFilter);
        await PublishEvaluationEndedAsync(state, published).ConfigureAwait(false);
        EvaluationTelemetry.Record(state.Session, evaluation, published?.Criteria);
        return state.Result is OutcomeResult.Satisfied or OutcomeResult.Failed;
    }

    /// <summary>Why no revision of the work can pass, when criteria were skipped (no grader): a required criterion skipped,
    /// or none scored. Revising would only spend the agent's iterations, so the loop fails at once, naming it.</summary>
    private static string? WhyUnpassable(RubricEvaluation evaluation)
    {
        if (evaluation.Criteria.FirstOrDefault(c => c.Criterion.Required && c.Verdict == CriterionVerdict.Skipped) is { } required)
        {
            return $"the required criterion {required.Criterion.Id} was skipped ({required.Reason}), so no work can pass";
        }

        return evaluation.Criteria.Any(c => c.Verdict == CriterionVerdict.Skipped) && !evaluation.Criteria.Any(c => c.Criterion.Weight > 0 && c.Score is not null)
            ? $"every scored criterion was skipped ({evaluation.Criteria.First(c => c.Verdict == CriterionVerdict.Skipped).Reason}), so no work can pass"
            : null;
    }

    private async Task FailAsync(LoopState state, int iteration, string error)
    {
        state.Result = OutcomeResult.Failed;
        state.Error = error;
        var ended = new OutcomeEvaluationEndedEvent
        {
            Iteration = iteration,
            RubricId = state.Request.Rubric.Id,
            Result = OutcomeResultNames.Of(OutcomeResult.Failed),
            Aggregation = RubricAggregationNames.Of(state.Request.Rubric.Aggregation),
            Error = error,
        };
        await state.Session.RecordAsync(ended, CancellationToken.None).ConfigureAwait(false);
        await PublishEvaluationEndedAsync(state, SessionEventSanitizer.ForPublishing(ended, state.Session, _contentFilter)).ConfigureAwait(false);
    }

    // The published copy is redacted like the stored event; null when it could not be (the stored one is dropped then too).
    private Task PublishEvaluationEndedAsync(LoopState state, OutcomeEvaluationEndedEvent? ended) =>
        _webhooks is null || ended is null
            ? Task.CompletedTask
            : _webhooks.PublishAsync(WebhookEventTypes.OutcomeEvaluationEnded, WebhookEventData.OutcomeEvaluationEnded(state.Session.Id, state.Request.AgentId, ended, _webhooks.IncludeFullPayloads), CancellationToken.None);

    private static async Task CompleteAsync(IAgentSession session, OutcomeRun run, Rubric rubric)
    {
        var status = run.Blocked ? SessionStatus.Blocked
            : run.Result switch
            {
                OutcomeResult.Failed => SessionStatus.Failed,
                OutcomeResult.Interrupted => SessionStatus.Abandoned,
                _ => SessionStatus.Completed,
            };
        var outcome = new SessionOutcome
        {
            Label = OutcomeResultNames.Of(run.Result),
            Score = run.FinalEvaluation?.Score,
            Source = $"rubric:{rubric.Id}@{rubric.Version.ToString(CultureInfo.InvariantCulture)}",
        };

        // The loop's own token may be cancelled by now; the record of what happened must still be written.
        await session.CompleteAsync(status, outcome, CancellationToken.None).ConfigureAwait(false);
    }

    // Blocked: a blocked loop's Result is failed (or max_iterations_reached when the handler gave up), which alone reads like
    // any other failure; the session's status (blocked) is what tells them apart.
    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Outcome loop of session {SessionId} ended {Result} after {Iterations} iterations (blocked: {Blocked}).")]
    private static partial void LogLoopEnded(ILogger logger, string sessionId, OutcomeResult result, int iterations, bool blocked);

    private sealed class LoopState(OutcomeRequest request, IAgentSession session)
    {
        public OutcomeRequest Request { get; } = request;

        public IAgentSession Session { get; } = session;

        public List<RubricEvaluation> Evaluations { get; } = [];

        public int Iteration { get; set; }

        public OutcomeResult Result { get; set; } = OutcomeResult.NeedsRevision;

        public string? Artifact { get; set; }

        public string? Guidance { get; set; }

        public string? Error { get; set; }

        public string? Question { get; set; }

        public bool Blocked { get; set; }

        public SessionUsage GraderUsage { get; set; } = SessionUsage.Zero;

        public RubricEvaluation? LastEvaluation => Evaluations.Count == 0 ? null : Evaluations[^1];

        public OutcomeRun ToRun() => new()
        {
            Result = Result,
            SessionId = Session.Id,
            Evaluations = Evaluations,
            FinalArtifact = Artifact,
            Iterations = Iteration,
            Blocked = Blocked,
            Error = Error,
            GraderUsage = GraderUsage,
        };
    }
}
