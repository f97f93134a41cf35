using System.Globalization;

namespace Dreaming;

/// <summary>Checks an orchestration plan without running it: the checks <see cref="IOrchestrator.RunAsync"/> makes
/// before it records or runs anything.</summary>
/// <remarks>One implementation serves both: <see cref="Orchestrator"/> runs these same checks (with its
/// <see cref="OrchestratorOptions.MaxItems"/>) at the start of every run, so a plan this finds valid is not refused by a
/// run for its shape or its rubrics (a rubric file changed or removed in between still is). Thread-safe: it keeps no
/// state.</remarks>
public static class OrchestrationPlanValidation
{
    /// <summary>Checks a plan against a roster as a run does before anything runs, with the default item cap
    /// (<see cref="OrchestratorOptions.DefaultMaxItems"/>), and returns every problem found.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="agents">The roster the plan's items may name, as <see cref="OrchestrationRequest.Agents"/> would give it.</param>
    /// <param name="cancellationToken">Cancels the check (the loading of the plan's rubric files).</param>
    /// <returns>The problems: none when the plan can run, with the plan as a run uses it, its rubric files loaded
    /// (<see cref="PlanValidationResult.Plan"/>, to run without reading them again); else the same problems, in the same
    /// order, that <see cref="IOrchestrator.RunAsync"/> would refuse it with (<see cref="PlanValidationException.Problems"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="plan"/> or <paramref name="agents"/> is null.</exception>
    /// <exception cref="ArgumentException">The roster itself is invalid (a null agent, a blank or repeated name, an agent
    /// without exactly one of a chat client and a delegate), as a run refuses it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<PlanValidationResult> ValidateAsync(this OrchestrationPlan plan, IReadOnlyList<RosterAgent> agents, CancellationToken cancellationToken = default) =>
        ValidateAsync(plan, agents, OrchestratorOptions.DefaultMaxItems, cancellationToken);

    /// <summary>Checks a plan against a roster as a run does before anything runs, with an orchestrator's item cap, and
    /// returns every problem found.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="agents">The roster the plan's items may name, as <see cref="OrchestrationRequest.Agents"/> would give it.</param>
    /// <param name="maxItems">The most items the plan may hold: the <see cref="OrchestratorOptions.MaxItems"/> of the
    /// orchestrator that is to run it; 1 to <see cref="OrchestratorOptions.MaxItemsLimit"/>.</param>
    /// <param name="cancellationToken">Cancels the check (the loading of the plan's rubric files).</param>
    /// <returns>The problems: none when the plan can run, with the plan as a run uses it, its rubric files loaded
    /// (<see cref="PlanValidationResult.Plan"/>, to run without reading them again); else the same problems, in the same
    /// order, that <see cref="IOrchestrator.RunAsync"/> would refuse it with (<see cref="PlanValidationException.Problems"/>).</returns>
    /// <remarks>The plan is checked in O(items + dependencies): its goal, items and limits, each item's id, agent,
    /// instructions and limits, its dependencies and every cycle (naming the items on it); once that finds nothing, each
    /// item's <see cref="WorkItem.RubricPath"/> is loaded (relative to <see cref="OrchestrationPlan.BaseDirectory"/>), and
    /// every rubric that cannot be loaded is a problem. Nothing is recorded and no agent is called.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="plan"/> or <paramref name="agents"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxItems"/> is outside 1 to <see cref="OrchestratorOptions.MaxItemsLimit"/>.</exception>
    /// <exception cref="ArgumentException">The roster itself is invalid (a null agent, a blank or repeated name, an agent
    /// without exactly one of a chat client and a delegate), as a run refuses it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<PlanValidationResult> ValidateAsync(this OrchestrationPlan plan, IReadOnlyList<RosterAgent> agents, int maxItems, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxItems, OrchestratorOptions.MaxItemsLimit);
        var roster = Roster(agents);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var (checkedPlan, _) = await CheckAsync(plan, roster, maxItems, cancellationToken).ConfigureAwait(false);
            return new PlanValidationResult(checkedPlan);
        }
        catch (PlanValidationException invalid)
        {
            return new PlanValidationResult(invalid.Problems, invalid.OmittedProblemCount);
        }
    }

    /// <summary>Checks a plan against a roster as this orchestrator's runs check it before anything runs, with its item
    /// cap, and returns every problem found.</summary>
    /// <param name="orchestrator">The orchestrator that is to run the plan: for the library's orchestrator (the one
    /// <c>AddOrchestrator</c> registers, or one made with its constructor), its <see cref="OrchestratorOptions.MaxItems"/>
    /// is the cap; for another implementation of <see cref="IOrchestrator"/>, whose cap this cannot know,
    /// <see cref="OrchestratorOptions.DefaultMaxItems"/>.</param>
    /// <param name="plan">The plan.</param>
    /// <param name="agents">The roster the plan's items may name, as <see cref="OrchestrationRequest.Agents"/> would give it.</param>
    /// <param name="cancellationToken">Cancels the check (the loading of the plan's rubric files).</param>
    /// <returns>The problems: none when the plan can run, with the plan as a run uses it, its rubric files loaded
    /// (<see cref="PlanValidationResult.Plan"/>, to run without reading them again); else the same problems, in the same
    /// order, that <see cref="IOrchestrator.RunAsync"/> would refuse it with (<see cref="PlanValidationException.Problems"/>).</returns>
    /// <remarks>A host that holds an <see cref="IOrchestrator"/> from dependency injection calls this rather than
    /// <see cref="ValidateAsync(OrchestrationPlan, IReadOnlyList{RosterAgent}, CancellationToken)"/>, whose default cap a
    /// configured <see cref="OrchestratorOptions.MaxItems"/> may be below.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="orchestrator"/>, <paramref name="plan"/> or
    /// <paramref name="agents"/> is null.</exception>
    /// <exception cref="ArgumentException">The roster itself is invalid, as a run refuses it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<PlanValidationResult> ValidatePlanAsync(this IOrchestrator orchestrator, OrchestrationPlan plan, IReadOnlyList<RosterAgent> agents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        var maxItems = orchestrator is Orchestrator own ? own.Options.MaxItems : OrchestratorOptions.DefaultMaxItems;
        return ValidateAsync(plan, agents, maxItems, cancellationToken);
    }

    /// <summary>Checks a plan and loads its rubrics: what a run does with a host's plan before it starts its session.</summary>
    /// <returns>The plan with its rubrics loaded, and its graph.</returns>
    /// <exception cref="PlanValidationException">The plan cannot run; every problem found is listed.</exception>
    internal static async Task<(OrchestrationPlan Plan, PlanGraph Graph)> CheckAsync(OrchestrationPlan plan, Dictionary<string, RosterAgent> roster, int maxItems, CancellationToken cancellationToken)
    {
        var graph = PlanGraph.Build(plan, roster.Keys.ToHashSet(StringComparer.Ordinal), maxItems);
        return (await LoadRubricsAsync(plan, cancellationToken).ConfigureAwait(false), graph);
    }

    /// <summary>Returns the plan with the rubric files of its items loaded (<see cref="WorkItem.RubricPath"/>), or the plan
    /// itself when it names none.</summary>
    /// <exception cref="PlanValidationException">A rubric file cannot be loaded, or the base directory is not a path; every
    /// such file is named.</exception>
    internal static async Task<OrchestrationPlan> LoadRubricsAsync(OrchestrationPlan plan, CancellationToken cancellationToken)
    {
        if (!plan.Items.Any(i => i.Rubric is null && i.RubricPath is not null))
        {
            return plan;
        }

        // A relative BaseDirectory is relative to the current directory (GetFullPath refuses a relative base).
        string baseDirectory, baseName;
        try
        {
            baseDirectory = string.IsNullOrWhiteSpace(plan.BaseDirectory) ? Directory.GetCurrentDirectory() : Path.GetFullPath(plan.BaseDirectory);
            baseName = string.IsNullOrWhiteSpace(plan.BaseDirectory) ? "the current directory" : "the plan's base directory";
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException or IOException)
        {
            throw new PlanValidationException($"The plan's BaseDirectory '{plan.BaseDirectory}' is not a valid path: {ex.Message}");
        }

        var items = new List<WorkItem>(plan.Items.Count);
        List<PlanProblem>? problems = null;
        var omitted = 0;
        foreach (var item in plan.Items)
        {
            if (item.Rubric is not null || item.RubricPath is null)
            {
                items.Add(item);
                continue;
            }

            var path = item.RubricPath;
            try
            {
                path = Path.GetFullPath(item.RubricPath, baseDirectory);
                items.Add(item with { Rubric = await MarkdownRubricParser.LoadAsync(item.RubricPath, baseDirectory, baseName, path, cancellationToken).ConfigureAwait(false) });
            }
            catch (Exception ex) when (ex is RubricException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                // Every rubric that cannot be loaded is named, not only the first.
                problems ??= [];
                if (problems.Count < PlanValidationException.MaxProblems)
                {
                    problems.Add(new PlanProblem($"Item {PlanNames.Quote(item.Id)}: the rubric {PlanNames.Quote(path)} cannot be loaded: {PlanNames.OneLine(ex.Message)}", [item.Id]));
                }
                else
                {
                    omitted++;
                }
            }
        }

        return problems is null ? plan with { Items = items } : throw new PlanValidationException(problems, omitted);
    }

    /// <summary>Returns the roster by name, refusing a null agent, a blank or duplicate name, a name with half a character,
    /// and an agent with both or neither of a chat client and a delegate.</summary>
    /// <exception cref="ArgumentException">The roster is invalid; the message names the agent.</exception>
    internal static Dictionary<string, RosterAgent> Roster(IReadOnlyList<RosterAgent> agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var roster = new Dictionary<string, RosterAgent>(StringComparer.Ordinal);
        for (var i = 0; i < agents.Count; i++)
        {
            var agent = agents[i] ?? throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Roster agent #{i + 1} is null."), nameof(agents));
            if (string.IsNullOrWhiteSpace(agent.Name))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Roster agent #{i + 1} has no name."), nameof(agents));
            }

            // The name is the agent id of its items' sessions, which StartSession refuses with half a character: refused
            // here, before the run records or runs anything, rather than failing every attempt of its items.
            AgentIds.ThrowIfInvalid(agent.Name, string.Create(CultureInfo.InvariantCulture, $"Roster agent #{i + 1}'s name"), nameof(agents));

            if ((agent.ChatClient is null) == (agent.Run is null))
            {
                throw new ArgumentException($"The roster agent '{agent.Name}' must have exactly one of ChatClient and Run.", nameof(agents));
            }

            if (!roster.TryAdd(agent.Name, agent))
            {
                throw new ArgumentException($"The roster has two agents named '{agent.Name}'.", nameof(agents));
            }
        }

        return roster;
    }
}
