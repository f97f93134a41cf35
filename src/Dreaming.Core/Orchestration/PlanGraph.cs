using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Dreaming;

/// <summary>A validated plan as a graph of item indices: each item's dependencies, its dependents and its in-degree.</summary>
/// <remarks>Built in O(items + dependencies); validation stops at the first problem, naming the item (for a cycle, the
/// items on it in dependency order), then <see cref="PlanProblems"/> lists them all; it runs before anything is started.</remarks>
internal sealed class PlanGraph
{
    // Compressed rows: item i's dependencies are _dependencies[_dependencyStarts[i].._dependencyStarts[i + 1]], and
    // likewise its dependents; four arrays in all instead of two per item.
    private readonly int[] _dependencyStarts;
    private readonly int[] _dependencies;
    private readonly int[] _dependentStarts;
    private readonly int[] _dependents;

    private PlanGraph(int[] dependencyStarts, int[] dependencies, int[] dependentStarts, int[] dependents)
    {
        _dependencyStarts = dependencyStarts;
        _dependencies = dependencies;
        _dependentStarts = dependentStarts;
        _dependents = dependents;
    }

    /// <summary>Returns the indices of the items the item at <paramref name="index"/> depends on (duplicates removed).</summary>
    public ReadOnlySpan<int> DependenciesOf(int index) =>
        _dependencies.AsSpan(_dependencyStarts[index], _dependencyStarts[index + 1] - _dependencyStarts[index]);

    /// <summary>Returns the indices of the items that depend on the item at <paramref name="index"/>, in plan order.</summary>
    public ReadOnlySpan<int> DependentsOf(int index) =>
        _dependents.AsSpan(_dependentStarts[index], _dependentStarts[index + 1] - _dependentStarts[index]);

    /// <summary>Validates a plan and builds its graph.</summary>
    /// <exception cref="PlanValidationException">The plan cannot run; its <see cref="PlanValidationException.Problems"/>
    /// list every problem found.</exception>
    public static PlanGraph Build(OrchestrationPlan plan, IReadOnlySet<string> agents, int maxItems)
    {
        ArgumentNullException.ThrowIfNull(plan);
        try
        {
            return BuildValid(plan, agents, maxItems);
        }
        catch (PlanValidationException first)
        {
            // The pass below stops at the first problem; only then is the plan gone through again for all of them.
            throw PlanProblems.Of(first, plan, agents, maxItems);
        }
    }

    private static PlanGraph BuildValid(OrchestrationPlan plan, IReadOnlySet<string> agents, int maxItems)
    {
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
            throw new PlanValidationException(string.Create(CultureInfo.InvariantCulture, $"The plan has {items.Count:N0} items, more than the limit of {maxItems:N0} (OrchestratorOptions.MaxItems)."));
        }

        if (plan.MaxConcurrency is < 1 or > OrchestrationPlan.MaxConcurrencyLimit)
        {
            throw new PlanValidationException($"The plan's maxConcurrency is {plan.MaxConcurrency}; it must be between 1 and {OrchestrationPlan.MaxConcurrencyLimit}.");
        }

        // Arrays and lists (what plans are built or read as) are read without an interface call per item or id.
        var list = Span(items);
        var index = new IdIndex(list.Length);
        string? knownAgent = null;
        for (var i = 0; i < list.Length; i++)
        {
            var item = list[i] ?? throw new PlanValidationException($"Item #{Number(i)} is null.");
            if (string.IsNullOrWhiteSpace(item.Id))
            {
                throw new PlanValidationException($"Item #{Number(i)} has no id.");
            }

            if (item.Id.Length > WorkItem.MaxIdLength)
            {
                // Not quoted: a coordinator model's (or a plan file's) megabyte id would make a megabyte message.
                throw new PlanValidationException(string.Create(CultureInfo.InvariantCulture, $"Item #{Number(i)}'s id is {item.Id.Length} characters long; an item id is at most {WorkItem.MaxIdLength} (WorkItem.MaxIdLength)."));
            }

            if (index.Add(i, item.Id) is var earlier && earlier >= 0)
            {
                throw new PlanValidationException($"The item id {PlanNames.Quote(item.Id)} is used more than once (items #{Number(earlier)} and #{Number(i)}).", [item.Id]);
            }

            CheckItem(item, agents, ref knownAgent);
        }

        var declared = 0;
        foreach (var item in list)
        {
            declared += item.DependsOn switch
            {
                null => 0,
                string[] array => array.Length,
                var other => other.Count,
            };
        }

        var dependencyStarts = new int[items.Count + 1];
        var dependencies = new int[declared];
        var count = 0;
        var ordered = true;
        for (var i = 0; i < list.Length; i++)
        {
            dependencyStarts[i] = count;
            count = ResolveDependencies(list[i], i, index, dependencies, count, ref ordered);
        }

        dependencyStarts[items.Count] = count;

        // Each item's dependents counted, summed so that an item's entry is where its dependents end, then filled from
        // the last item to the first, each entry moving down to where its item's dependents start: in plan order, with
        // no copy of the starts to fill from.
        var dependentStarts = new int[items.Count + 1];
        for (var j = 0; j < count; j++)
        {
            dependentStarts[dependencies[j]]++;
        }

        for (var i = 1; i < items.Count; i++)
        {
            dependentStarts[i] += dependentStarts[i - 1];
        }

        dependentStarts[items.Count] = count;
        var dependents = new int[count];
        for (var i = items.Count - 1; i >= 0; i--)
        {
            for (var j = dependencyStarts[i]; j < dependencyStarts[i + 1]; j++)
            {
                dependents[--dependentStarts[dependencies[j]]] = i;
            }
        }

        var graph = new PlanGraph(dependencyStarts, dependencies, dependentStarts, dependents);
        if (!ordered)
        {
            // When every item depends only on items listed before it (as plans are usually written), the plan order is
            // a topological order and there can be no cycle.
            graph.RejectCycles(items);
        }

        return graph;
    }

    // knownAgent: the last agent found in the roster; most items of a large plan name the same few agents.
    private static void CheckItem(WorkItem item, IReadOnlySet<string> agents, ref string? knownAgent)
    {
        if (string.IsNullOrWhiteSpace(item.Agent))
        {
            throw new PlanValidationException($"Item {PlanNames.Quote(item.Id)} names no agent.", [item.Id]);
        }

        if (!string.Equals(item.Agent, knownAgent, StringComparison.Ordinal))
        {
            if (!agents.Contains(item.Agent))
            {
                throw new PlanValidationException($"Item {PlanNames.Quote(item.Id)} names the agent {PlanNames.Quote(item.Agent)}, which is not in the roster ({PlanNames.Roster(agents)}).", [item.Id]);
            }

            knownAgent = item.Agent;
        }

        if (string.IsNullOrWhiteSpace(item.Instructions))
        {
            throw new PlanValidationException($"Item {PlanNames.Quote(item.Id)} has no instructions.", [item.Id]);
        }

        if (item.MaxTokens is <= 0)
        {
            throw new PlanValidationException($"Item {PlanNames.Quote(item.Id)} has maxTokens {item.MaxTokens}; it must be positive.", [item.Id]);
        }

        if (item.Timeout is { } timeout && !OrchestratorOptionsValidator.IsValidTimeout(timeout))
        {
            throw new PlanValidationException($"Item {PlanNames.Quote(item.Id)} has the timeout {timeout}; it must be positive and at most {OrchestratorOptionsValidator.LongestTimeout}, or infinite.", [item.Id]);
        }
    }

    // Writes the item's dependencies at resolved[start..] and returns where they end; clears ordered when one of them
    // comes at or after the item in the plan.
    private static int ResolveDependencies(WorkItem item, int position, IdIndex index, int[] resolved, int start, ref bool ordered)
    {
        var ids = Span(item.DependsOn);
        var end = start;
        foreach (var id in ids)
        {
            if (id is null || !index.TryGetValue(id, out var d))
            {
                throw new PlanValidationException($"Item {PlanNames.Quote(item.Id)} depends on {PlanNames.Quote(id)}, which is not in the plan.", [item.Id]);
            }

            if (d == position)
            {
                throw new PlanValidationException($"The plan has a cycle: {PlanNames.Quote(item.Id)} depends on itself.", [item.Id]);
            }

            if (Array.IndexOf(resolved, d, start, end - start) < 0)
            {
                resolved[end++] = d;
                ordered &= d < position;
            }
        }

        return end;
    }

    // Kahn's algorithm: whatever cannot be ordered is on a cycle or behind one. Walking dependencies from such an item
    // only meets such items, so the walk must come back to an item it has seen: that loop is the cycle to report.
    private void RejectCycles(IReadOnlyList<WorkItem> items)
    {
        var remaining = new int[items.Count];
        var ready = new Queue<int>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            remaining[i] = DependenciesOf(i).Length;
            if (remaining[i] == 0)
            {
                ready.Enqueue(i);
            }
        }

        var ordered = 0;
        while (ready.TryDequeue(out var i))
        {
            ordered++;
            foreach (var d in DependentsOf(i))
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
            current = FirstRemaining(DependenciesOf(current), remaining);
        }

        var cycle = path.Skip(seenAt[current]).Select(i => items[i].Id).ToList();
        throw new PlanValidationException(
            $"The plan has a cycle: {string.Join(" -> ", cycle.Append(cycle[0]).Select(PlanNames.Quote))} (each depends on the next).",
            cycle);
    }

    private static int FirstRemaining(ReadOnlySpan<int> dependencies, int[] remaining)
    {
        foreach (var d in dependencies)
        {
            if (remaining[d] > 0)
            {
                return d;
            }
        }

        return -1;
    }

    private static ReadOnlySpan<T> Span<T>(IReadOnlyList<T>? list) => list switch
    {
        null => [],
        T[] array => array,
        List<T> items => CollectionsMarshal.AsSpan(items),
        _ => list.ToArray(),
    };

    private static string Number(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The items' ids to their indices: a chained hash table of item indices over the plan's own ids.</summary>
    /// <remarks>The ids and two int arrays, each under the large-object threshold for plans of up to about 10,000 items. A
    /// <see cref="Dictionary{TKey, TValue}"/> of 10,000 ids keeps its entries in one 240 KB array, on the large object
    /// heap, and one such array per run sets off full (generation 2) collections.</remarks>
    private sealed class IdIndex
    {
        private readonly string[] _ids;
        private readonly int[] _heads;
        private readonly int[] _next;
        private readonly int _mask;

        public IdIndex(int count)
        {
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(count, 1));
            _ids = new string[count];
            _heads = new int[size];
            _next = new int[count];
            _mask = size - 1;
        }

        /// <summary>Adds the id of the item at <paramref name="index"/>.</summary>
        /// <returns>The index of an earlier item with the same id (nothing is added then), or -1.</returns>
        public int Add(int index, string id)
        {
            var bucket = Bucket(id);
            if (Find(id, bucket) is var earlier && earlier >= 0)
            {
                return earlier;
            }

            // Chains hold index + 1, so that 0 ends them.
            _ids[index] = id;
            _next[index] = _heads[bucket];
            _heads[bucket] = index + 1;
            return -1;
        }

        public bool TryGetValue(string id, out int index)
        {
            index = Find(id, Bucket(id));
            return index >= 0;
        }

        private int Bucket(string id) => string.GetHashCode(id.AsSpan()) & _mask;

        private int Find(string id, int bucket)
        {
            for (var entry = _heads[bucket]; entry != 0; entry = _next[entry - 1])
            {
                if (string.Equals(_ids[entry - 1], id, StringComparison.Ordinal))
                {
                    return entry - 1;
                }
            }

            return -1;
        }
    }
}
