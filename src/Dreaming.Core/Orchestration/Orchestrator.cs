using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Dreaming;

/// <summary>The default <see cref="IOrchestrator"/>: validates the plan, runs it as a DAG of child sessions, and synthesises the answer.</summary>
/// <remarks>
/// <para>The run has its own session (agent <see cref="OrchestrationRequest.AgentId"/>, task = the goal) that records
/// <see cref="OrchestrationStartedEvent"/>, an <see cref="OrchestrationItemCompletedEvent"/> per item that ran or was
/// skipped, and <see cref="OrchestrationCompletedEvent"/> or <see cref="OrchestrationFailedEvent"/>. Each attempt of an
/// item runs in a child session (its parent id is the run's session), through the outcome loop when the item has a rubric.</para>
/// <para>Attempts go through one Polly pipeline: a retry (<see cref="OrchestratorOptions.ItemRetries"/>, exponential
/// from <see cref="OrchestratorOptions.RetryDelay"/>) around a timeout (the item's, or <see cref="OrchestratorOptions.ItemTimeout"/>),
/// both on the injected <see cref="TimeProvider"/>. Cancellation, a stop and a used-up item budget are never retried.
/// A first attempt that succeeds before its first await skips the pipeline (it could be neither retried nor timed out);
/// one still running is handed to the pipeline as its first attempt, its timeout counted from the item's start.</para>
/// <para>Thread-safe: runs may go on concurrently.</para>
/// </remarks>
public sealed partial class Orchestrator : IOrchestrator
{
    private readonly IChatClient? _coordinator;
    private readonly IReadOnlyList<IOrchestrationObserver> _observers;
    private readonly Func<IChatClient, IChatClient> _traced;
    private readonly ILogger _logger;

    /// <summary>Gets the orchestrator's logger, for the runs it makes.</summary>
    internal ILogger Logger => _logger;
    private readonly TraceContentFilter _contentFilter;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="sessions">Starts the run's session and the items' child sessions.</param>
    /// <param name="outcomes">Runs the items that have a rubric.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults; read once, here.</param>
    /// <param name="coordinator">The coordinator model that plans goals and synthesises answers, or <see langword="null"/>.</param>
    /// <param name="observers">Observers of every run's events, or <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock of timeouts, retry delays and timestamps, or <see langword="null"/> for the system clock.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <remarks>Chat agents' calls are recorded in their items' sessions when their clients have <c>UseDreaming()</c>;
    /// <c>AddOrchestrator()</c> adds it to clients that lack it. Observers hear the events of a session that
    /// <paramref name="sessions"/> made but the library did not (a custom factory's) redacted with the built-in secret
    /// patterns and the default size limit; the instance <c>AddOrchestrator()</c> registers uses the registered redactors
    /// and <see cref="DreamingOptions"/> instead.</remarks>
    public Orchestrator(
        IAgentSessionFactory sessions,
        IOutcomeRunner outcomes,
        OrchestratorOptions? options = null,
        IChatClient? coordinator = null,
        IEnumerable<IOrchestrationObserver>? observers = null,
        TimeProvider? timeProvider = null,
        ILogger<Orchestrator>? logger = null)
        : this(sessions, outcomes, options, coordinator, observers, timeProvider, logger, static client => client, TraceContentFilter.BuiltIn)
    {
    }

    internal Orchestrator(
        IAgentSessionFactory sessions,
        IOutcomeRunner outcomes,
        OrchestratorOptions? options,
        IChatClient? coordinator,
        IEnumerable<IOrchestrationObserver>? observers,
        TimeProvider? timeProvider,
        ILogger<Orchestrator>? logger,
        Func<IChatClient, IChatClient> traced,
        TraceContentFilter contentFilter)
    {
        Sessions = sessions ?? throw new ArgumentNullException(nameof(sessions));
        Outcomes = outcomes ?? throw new ArgumentNullException(nameof(outcomes));
        Options = options ?? new OrchestratorOptions();
        var validation = new OrchestratorOptionsValidator().Validate(null, Options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _coordinator = coordinator;
        _observers = observers?.ToArray() ?? [];
        _traced = traced;
        _contentFilter = contentFilter ?? throw new ArgumentNullException(nameof(contentFilter));
        TimeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Pipeline = ItemPipeline.Build(Options, TimeProvider);
    }

    internal IAgentSessionFactory Sessions { get; }

    internal IOutcomeRunner Outcomes { get; }

    internal OrchestratorOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal ResiliencePipeline Pipeline { get; }

    /// <inheritdoc />
    public async Task<OrchestrationPlan> PlanAsync(string goal, IReadOnlyList<RosterAgent> agents, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(goal);
        var roster = OrchestrationPlanValidation.Roster(agents);
        var coordinator = _coordinator ?? throw new InvalidOperationException("Planning a goal needs a coordinator model: pass one to the Orchestrator or to AddOrchestrator().");
        var (plan, _) = await CoordinatorPlanner.PlanAsync(coordinator, goal, [.. roster.Values], Options.MaxItems, agentId: null, price: null, new PlanningUsage(), cancellationToken).ConfigureAwait(false);
        return plan;
    }

    /// <inheritdoc />
    public async Task<OrchestrationRun> RunAsync(OrchestrationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var roster = OrchestrationPlanValidation.Roster(request.Agents);
        var policy = request.FailurePolicy ?? Options.FailurePolicy;
        var budget = request.MaxTotalTokens ?? Options.MaxTotalTokens;
        var costBudget = request.MaxTotalCostMinorUnits ?? Options.MaxTotalCostMinorUnits;
        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentException($"OrchestrationRequest.FailurePolicy has the undefined value {(int)policy}.", nameof(request));
        }

        if (budget is <= 0)
        {
            throw new ArgumentException($"OrchestrationRequest.MaxTotalTokens is {budget}; it must be positive or null.", nameof(request));
        }

        if (costBudget is <= 0)
        {
            throw new ArgumentException($"OrchestrationRequest.MaxTotalCostMinorUnits is {costBudget}; it must be positive or null.", nameof(request));
        }

        // Read once for the run (the options object can be changed after the orchestrator was made): an invalid value is
        // refused here, before anything is recorded, not when the first output is cut.
        var outputLimit = Options.MaxDependencyOutputLength;
        if (outputLimit is <= 0)
        {
            throw new ArgumentException($"OrchestratorOptions.MaxDependencyOutputLength is {outputLimit}; it must be positive or null.", nameof(request));
        }

        var outputTotalLimit = Options.MaxDependencyOutputTotalLength;
        if (outputTotalLimit is <= 0)
        {
            throw new ArgumentException($"OrchestratorOptions.MaxDependencyOutputTotalLength is {outputTotalLimit}; it must be positive or null.", nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.AgentId))
        {
            throw new ArgumentException("OrchestrationRequest.AgentId is blank.", nameof(request));
        }

        AgentIds.ThrowIfInvalid(request.AgentId, "OrchestrationRequest.AgentId", nameof(request));
        AgentIds.ThrowIfInvalid(request.Scope, "OrchestrationRequest.Scope", nameof(request));

        if (request.Plan is null && (string.IsNullOrWhiteSpace(request.Goal) || _coordinator is null))
        {
            throw new ArgumentException("OrchestrationRequest needs a Plan, or a Goal and an orchestrator with a coordinator model to plan it.", nameof(request));
        }

        // A host's plan is checked (and its rubric files loaded) before anything is recorded or run.
        PlanGraph? graph = null;
        var plan = request.Plan;
        if (plan is not null)
        {
            (plan, graph) = await OrchestrationPlanValidation.CheckAsync(plan, roster, Options.MaxItems, cancellationToken).ConfigureAwait(false);
        }

        var goal = plan?.Goal ?? request.Goal!;
        var started = TimeProvider.GetUtcNow();
        var clock = Stopwatch.StartNew();
        // Marked as a run from its start, so that crash recovery can end it with orchestration.failed even when its process
        // died while the coordinator was planning it (before orchestration.started).
        var planSource = request.Plan is null ? "coordinator" : "host";
        var sessionOptions = new AgentSessionOptions { AgentId = request.AgentId, Task = goal, ParentSessionId = request.ParentSessionId, Scope = request.Scope };
        sessionOptions.Metadata[OrchestrationRun.SessionMetadataKey] = planSource;
        await using var session = Sessions.StartSession(sessionOptions);
        var record = RecorderFor(session, request.Observer, cancellationToken);
        // The coordinator's calls are recorded in the run's session, so CostOf prices them under the run's agent id.
        Func<SessionUsage, SessionUsage>? priceCoordinator = Options.CostOf is null ? null : usage => Options.Priced(request.AgentId, usage);
        var planningUsage = SessionUsage.Zero;
        long planningUnreported = 0;
        if (plan is null)
        {
            // Filled as each coordinator call returns: a failed planning still records what its calls used.
            var spent = new PlanningUsage();
            try
            {
                (plan, graph) = await CoordinatorPlanner.PlanAsync(_traced(_coordinator!), goal, [.. roster.Values], Options.MaxItems, request.AgentId, priceCoordinator, spent, cancellationToken).ConfigureAwait(false);
                planningUsage = spent.Usage;
                planningUnreported = spent.UnreportedTokens;
                plan = await OrchestrationPlanValidation.LoadRubricsAsync(plan, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // An invalid plan, a coordinator that failed (or timed out on its own), or a cancellation: recorded, then
                // thrown. Once the run's token is cancelled, whatever the coordinator throws (an aborted request's
                // HttpRequestException, a disposed client's ObjectDisposedException) is that cancellation, as for an item.
                var cancelled = cancellationToken.IsCancellationRequested;
                var planningStatus = cancelled ? OrchestrationStatus.Interrupted : OrchestrationStatus.Failed;
                await record(new OrchestrationFailedEvent { Status = OrchestrationNames.Of(planningStatus), Reason = "planning: " + ex.Message, Usage = spent.Usage, EstimatedTokens = spent.UnreportedTokens }).ConfigureAwait(false);
                await CompleteRunSessionAsync(session, planningStatus).ConfigureAwait(false);
                if (cancelled && ex is not OperationCanceledException)
                {
                    throw new OperationCanceledException($"The run was cancelled during planning; the coordinator then threw {ex.GetType().Name}: {ex.Message}", ex, cancellationToken);
                }

                throw;
            }
        }

        await record(new OrchestrationStartedEvent
        {
            Goal = goal,
            ItemCount = plan.Items.Count,
            MaxConcurrency = plan.MaxConcurrency,
            FailurePolicy = OrchestrationNames.Of(policy),
            MaxTotalTokens = budget,
            MaxTotalCostMinorUnits = costBudget,
            PlanSource = planSource,
        }).ConfigureAwait(false);
        LogRunStarted(_logger, session.Id, plan.Items.Count, plan.MaxConcurrency);

        using var execution = new PlanExecution(this, plan, graph!, Traced(roster), session, request.Scope, policy, new PlanExecution.Budget(budget, costBudget, planningUsage.TotalTokens, planningUsage.CostMinorUnits, planningUnreported), outputLimit, outputTotalLimit, record);
        await execution.RunAsync(cancellationToken).ConfigureAwait(false);
        var items = execution.Results(out var completed);
        var stop = execution.Stopped;
        // A stop that came after the last item completed (the budget reached by it, a late cancellation) stopped nothing.
        var allCompleted = completed == items.Count;
        var status = allCompleted ? OrchestrationStatus.Completed : stop?.Status ?? OrchestrationStatus.Failed;
        var error = allCompleted ? null : stop?.Reason ?? $"{items.Count - completed} of {items.Count} items did not complete";
        if (allCompleted)
        {
            stop = null;
        }

        var usage = planningUsage.Add(execution.Usage);

        string? answer = null;
        var synthesise = status == OrchestrationStatus.Completed
            || (status == OrchestrationStatus.Failed && stop is null && completed > 0);
        if (synthesise)
        {
            try
            {
                (answer, var synthesisUsage) = await RunSynthesis.SynthesizeAsync(request, _coordinator is null ? null : _traced(_coordinator), priceCoordinator, goal, items, execution, session, cancellationToken).ConfigureAwait(false);
                usage = usage.Add(synthesisUsage);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                // Whatever the synthesis throws once the run's token is cancelled (its request aborted, its client
                // disposed) is that cancellation, as for an item.
                (status, error) = (OrchestrationStatus.Interrupted, "the run was cancelled during the synthesis");
            }
            catch (Exception ex)
            {
                (status, error) = (OrchestrationStatus.Failed, $"the synthesis failed: {ex.Message}");
            }
        }

        SessionEvent ended = status == OrchestrationStatus.Completed
            ? new OrchestrationCompletedEvent { ItemCount = items.Count, Usage = usage, DurationMs = clock.Elapsed.TotalMilliseconds }
            : new OrchestrationFailedEvent
            {
                Status = OrchestrationNames.Of(status),
                Reason = error!,
                CompletedItems = completed,
                ItemCount = items.Count,
                ItemId = stop?.ItemId,
                Usage = usage,
                EstimatedTokens = execution.EstimatedTokens,
            };
        await record(ended).ConfigureAwait(false);
        await CompleteRunSessionAsync(session, status).ConfigureAwait(false);
        LogRunEnded(_logger, session.Id, status, completed, items.Count);
        return new OrchestrationRun
        {
            SessionId = session.Id,
            Status = status,
            Plan = plan,
            Items = items,
            FinalAnswer = answer,
            Usage = usage,
            StartedAt = started,
            EndedAt = TimeProvider.GetUtcNow(),
            Error = error,
        };
    }

    // Records an event in the run's session, then hands it to the observers: an event is always recorded before they
    // hear it. The run waits for them only until it is cancelled (RunObservers).
    private Func<SessionEvent, ValueTask> RecorderFor(IAgentSession session, IOrchestrationObserver? requestObserver, CancellationToken cancellationToken)
    {
        var observers = requestObserver is null ? _observers : [.. _observers, requestObserver];
        if (observers.Count == 0)
        {
            return sessionEvent => session.RecordAsync(sessionEvent, CancellationToken.None);
        }

        var notify = new RunObservers(observers, _logger, cancellationToken);
        return async sessionEvent =>
        {
            await session.RecordAsync(sessionEvent, CancellationToken.None).ConfigureAwait(false);

            // Observers (webhooks among them) get the event redacted like the stored one, or not at all when it cannot be.
            if (SessionEventSanitizer.ForPublishing(sessionEvent with { SessionId = session.Id, Timestamp = TimeProvider.GetUtcNow() }, session, _contentFilter) is { } stamped)
            {
                await notify.NotifyAsync(stamped).ConfigureAwait(false);
            }
        };
    }

    private Dictionary<string, RosterAgent> Traced(Dictionary<string, RosterAgent> roster) =>
        roster.ToDictionary(p => p.Key, p => p.Value.ChatClient is null ? p.Value : p.Value with { ChatClient = _traced(p.Value.ChatClient) }, StringComparer.Ordinal);

    // A session this run started that the store says does not exist was never written: its start was lost on the way
    // (the trace writer retried and logged the store's error), which "Session ... does not exist" would not say. The
    // store's error is named here, from the session (its inner exception): a host may write no log (the dreaming tool).
    private static async Task CompleteRunSessionAsync(IAgentSession session, OrchestrationStatus status)
    {
        try
        {
            await session.CompleteAsync(SessionStatusOf(status), Outcome(status), CancellationToken.None).ConfigureAwait(false);
        }
        catch (SessionNotFoundException ex)
        {
            throw new TraceStoreException(
                $"The trace store did not record the run's session '{session.Id}': writing its start failed, so the run ({OrchestrationNames.Of(status)}) "
                + "could not be stored. The store was unavailable or, for a SQLite file, locked by another process for longer than its busy timeout "
                + $"and the trace writer's retries: {(ex.InnerException ?? ex).Message}",
                ex);
        }
    }

    private static SessionStatus SessionStatusOf(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Completed => SessionStatus.Completed,
        OrchestrationStatus.Interrupted => SessionStatus.Abandoned,
        _ => SessionStatus.Failed,
    };

    private static SessionOutcome Outcome(OrchestrationStatus status) => new()
    {
        Label = status == OrchestrationStatus.Completed ? SessionOutcome.Success : OrchestrationNames.Of(status),
        Source = "orchestration",
    };

    [LoggerMessage(EventId = 80, Level = LogLevel.Information, Message = "Orchestration {SessionId} started: {Items} items, at most {MaxConcurrency} at once.")]
    private static partial void LogRunStarted(ILogger logger, string sessionId, int items, int maxConcurrency);

    [LoggerMessage(EventId = 81, Level = LogLevel.Information, Message = "Orchestration {SessionId} ended {Status}: {Completed} of {Items} items completed.")]
    private static partial void LogRunEnded(ILogger logger, string sessionId, OrchestrationStatus status, int completed, int items);
}
