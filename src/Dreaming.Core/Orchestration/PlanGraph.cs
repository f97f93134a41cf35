using System.Globalization;

namespace Dreaming;

/// <summary>A validated plan as a graph of item indices: each item's dependencies, its dependents and its in-degree.</summary>
/// <remarks>Built in O(items + dependencies); validation reports the first problem, naming the item (for a cycle, the
/// items on it in dependency order), and runs before anything is started.</remarks>
internal sealed class PlanGraph
{
    private PlanGraph(int[][] dependencies, int[][] dependents)
    {
        Dependencies = dependencies;
        Dependents = dependents;
    }

    /// <summary>Gets, per item, the indices of the items it depends on (duplicates removed).</summary>
    public int[][] Dependencies { get; }

    /// <summary>Gets, per item, the indices of the items that depend on it.</summary>
    public int[][] Dependents { get; }

    /// <summary>Validates a plan and builds its graph.</summary>
    /// <exception cref="PlanValidationException">The plan cannot run.</exception>
    public static PlanGraph Build(OrchestrationPlan plan, IReadOnlySet<string> agents, int maxItems)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (string.IsNullOrWhiteSpace(plan.Goal))
        {
            throw new PlanValidationException("The plan has no goal.");
        }

        var items = plan.Items ?? throw new PlanValidationException("The plan has no items.");
        if (items.Count == 0)
        {
            throw new PlanValidationException("The plan has no items.");
        }

        if (items.Count > maxItems)
        {
            throw new PlanValidationException($"The plan has {items.Count:N0} items, more than the limit of {maxItems:N0} (OrchestratorOptions.MaxItems).");
        }

        if (plan.MaxConcurrency is < 1 or > OrchestrationPlan.MaxConcurrencyLimit)
        {
            throw new PlanValidationException($"The plan's maxConcurrency is {plan.MaxConcurrency}; it must be between 1 and {OrchestrationPlan.MaxConcurrencyLimit}.");
        }

        var index = new Dictionary<string, int>(items.Count, StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? throw new PlanValidationException($"Item #{Number(i)} is null.");
            if (string.IsNullOrWhiteSpace(item.Id))
            {
                throw new PlanValidationException($"Item #{Number(i)} has no id.");
            }

            if (!index.TryAdd(item.Id, i))
            {
                throw new PlanValidationException($"The item id '{item.Id}' is used more than once (items #{Number(index[item.Id])} and #{Number(i)}).", [item.Id]);
            }

            CheckItem(item, agents);
        }

        var dependencies = new int[items.Count][];
        var dependentCounts = new int[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            dependencies[i] = ResolveDependencies(items[i], index);
            foreach (var d in dependencies[i])
            {
                dependentCounts[d]++;
            }
        }

        var dependents = new int[items.Count][];
        for (var i = 0; i < items.Count; i++)
        {
            dependents[i] = dependentCounts[i] == 0 ? [] : new int[dependentCounts[i]];
            dependentCounts[i] = 0;
        }

        for (var i = 0; i < items.Count; i++)
        {
            foreach (var d in dependencies[i])
            {
                dependents[d][dependentCounts[d]++] = i;
            }
        }

        var graph = new PlanGraph(dependencies, dependents);
        graph.RejectCycles(items);
        return graph;
    }

    private static void CheckItem(WorkItem item, IReadOnlySet<string> agents)
    {
        if (string.IsNullOrWhiteSpace(item.Agent))
        {
            throw new PlanValidationException($"Item '{item.Id}' names no agent.", [item.Id]);
        }

        if (!agents.Contains(item.Agent))
        {
            var known = agents.Count == 0 ? "the roster is empty" : "the roster has " + string.Join(", ", agents.Order(StringComparer.Ordinal));
            throw new PlanValidationException($"Item '{item.Id}' names the agent '{item.Agent}', which is not in the roster ({known}).", [item.Id]);
        }

        if (string.IsNullOrWhiteSpace(item.Instructions))
        {
            throw new PlanValidationException($"Item '{item.Id}' has no instructions.", [item.Id]);
        }

        if (item.MaxTokens is <= 0)
        {
            throw new PlanValidationException($"Item '{item.Id}' has maxTokens {item.MaxTokens}; it must be positive.", [item.Id]);
        }

        if (item.Timeout is { } timeout && !OrchestratorOptionsValidator.IsValidTimeout(timeout))
        {
            throw new PlanValidationException($"Item '{item.Id}' has the timeout {timeout}; it must be positive and at most {OrchestratorOptionsValidator.LongestTimeout}, or infinite.", [item.Id]);
        }
    }

    private static int[] ResolveDependencies(WorkItem item, Dictionary<string, int> index)
    {
        var ids = item.DependsOn ?? [];
        if (ids.Count == 0)
        {
            return [];
        }

        // An index loop and an exact-size array: no enumerator or list per item (plans have up to a million of them).
        var resolved = new int[ids.Count];
        var count = 0;
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            if (id is null || !index.TryGetValue(id, out var d))
            {
                throw new PlanValidationException($"Item '{item.Id}' depends on '{id}', which is not in the plan.", [item.Id]);
            }

            if (string.Equals(id, item.Id, StringComparison.Ordinal))
            {
                throw new PlanValidationException($"The plan has a cycle: '{item.Id}' depends on itself.", [item.Id]);
            }

            if (Array.IndexOf(resolved, d, 0, count) < 0)
            {
                resolved[count++] = d;
            }
        }

        return count == resolved.Length ? resolved : resolved[..count];
    }

    // Kahn's algorithm: whatever cannot be ordered is on a cycle or behind one. Walking dependencies from such an item
    // only meets such items, so the walk must come back to an item it has seen: that loop is the cycle to report.
    private void RejectCycles(IReadOnlyList<WorkItem> items)
    {
        var remaining = new int[items.Count];
        var ready = new Queue<int>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            remaining[i] = Dependencies[i].Length;
            if (remaining[i] == 0)
            {
                ready.Enqueue(i);
            }
        }

        var ordered = 0;
        while (ready.TryDequeue(out var i))
        {
            ordered++;
            foreach (var d in Dependents[i])
            {
                if (--remaining[d] == 0)
                {
                    ready.Enqueue(d);
                }
            }
        }

        if (ordered == items.Count)
        {
            return;
        }

        var start = Array.FindIndex(remaining, r => r > 0);
        var seenAt = new Dictionary<int, int>();
        var path = new List<int>();
        var current = start;
        while (!seenAt.ContainsKey(current))
        {
            seenAt[current] = path.Count;
            path.Add(current);
            current = Array.Find(Dependencies[current], d => remaining[d] > 0);
        }

        var cycle = path.Skip(seenAt[current]).Select(i => items[i].Id).ToList();
        throw new PlanValidationException(
            $"The plan has a cycle: {string.Join(" -> ", cycle.Append(cycle[0]).Select(id => $"'{id}'"))} (each depends on the next).",
            cycle);
    }

    private static string Number(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);
}
