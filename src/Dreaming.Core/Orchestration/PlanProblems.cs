using System.Globalization;

namespace Dreaming;

/// <summary>Every problem of a plan that <see cref="PlanGraph.Build"/> found invalid, for the exception that lists them.</summary>
/// <remarks>Runs only once the graph's own pass has met a problem, so a valid plan costs nothing more. It checks in the
/// same order as that pass (the whole plan, then each item, then each item's dependencies, then cycles), so its first
/// problem is the one that pass found (with, for an unknown agent or dependency, a hint when a known name differs from it
/// only in case).</remarks>
internal sealed class PlanProblems
{
    private readonly List<PlanProblem> _problems = new(PlanValidationException.MaxProblems);
    private int _omitted;
    private Dictionary<string, Dictionary<string, string>>? _caseless;
    private string? _roster;

    private PlanProblems()
    {
    }

    /// <summary>Returns the exception that lists every problem of <paramref name="plan"/>, <paramref name="first"/>'s first.</summary>
    public static PlanValidationException Of(PlanValidationException first, OrchestrationPlan plan, IReadOnlySet<string> agents, int maxItems)
    {
        var found = new PlanProblems();
        found.Collect(plan, agents, maxItems);
        return found._problems.Count == 0 ? first : new PlanValidationException(found._problems, found._omitted);
    }

    // Whether a problem found now is listed; past MaxProblems it is only counted, and its message (which may name the
    // whole roster) is never built, so a large plan with a problem in every item costs no more than a few.
    private bool Listed()
    {
        if (_problems.Count < PlanValidationException.MaxProblems)
        {
            return true;
        }

        _omitted++;
        return false;
    }

    private void Add(string message, IReadOnlyList<string>? itemIds = null) => _problems.Add(new PlanProblem(message, itemIds));

    private void Collect(OrchestrationPlan plan, IReadOnlySet<string> agents, int maxItems)
    {
        if (string.IsNullOrWhiteSpace(plan.Goal))
        {
            if (Listed())
            {
                Add("The plan has no goal.");
            }
        }

        var items = plan.Items;
        if (items is null || items.Count == 0)
        {
            if (Listed())
            {
                Add("The plan has no items.");
            }
        }
        else if (items.Count > maxItems)
        {
            if (Listed())
            {
                Add(string.Create(CultureInfo.InvariantCulture, $"The plan has {items.Count:N0} items, more than the limit of {maxItems:N0} (OrchestratorOptions.MaxItems)."));
            }
        }

        if (plan.MaxConcurrency is < 1 or > OrchestrationPlan.MaxConcurrencyLimit)
        {
            if (Listed())
            {
                Add($"The plan's maxConcurrency is {plan.MaxConcurrency}; it must be between 1 and {OrchestrationPlan.MaxConcurrencyLimit}.");
            }
        }

        if (items is null || items.Count == 0)
        {
            return;
        }

        // Each id to its first item.
        var index = new Dictionary<string, int>(items.Count, StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item)
            {
                if (Listed())
                {
                    Add($"Item #{Number(i)} is null.");
                }

                continue;
            }

            if (string.IsNullOrWhiteSpace(item.Id))
            {
                if (Listed())
                {
                    Add($"Item #{Number(i)} has no id.");
                }
            }
            else if (!index.TryAdd(item.Id, i))
            {
                // A too long id repeated is named by its length below, at each item, never quoted.
                if (item.Id.Length <= WorkItem.MaxIdLength && Listed())
                {
                    Add($"The item id {PlanNames.Quote(item.Id)} is used more than once (items #{Number(index[item.Id])} and #{Number(i)}).", [item.Id]);
                }
            }

            if (item.Id is { Length: > WorkItem.MaxIdLength } && Listed())
            {
                // Not quoted: a coordinator model's (or a plan file's) megabyte id would make a megabyte message.
                Add(string.Create(CultureInfo.InvariantCulture, $"Item #{Number(i)}'s id is {item.Id.Length} characters long; an item id is at most {WorkItem.MaxIdLength} (WorkItem.MaxIdLength)."));
            }

            CheckItem(item, i, agents);
        }

        var dependencies = new List<int>[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { } item)
            {
                dependencies[i] = Dependencies(item, i, index);
            }
        }

        FindCycles(items, dependencies);
    }

    private void CheckItem(WorkItem item, int position, IReadOnlySet<string> agents)
    {
        if (string.IsNullOrWhiteSpace(item.Agent))
        {
            if (Listed())
            {
                Add($"Item {Name(item, position)} names no agent.", Ids(item));
            }
        }
        else if (!agents.Contains(item.Agent))
        {
            if (Listed())
            {
                // The roster is named once for the plan, not sorted and joined again for each item (bounded: PlanNames.Roster).
                _roster ??= PlanNames.Roster(agents);
                Add($"Item {Name(item, position)} names the agent {PlanNames.Quote(item.Agent)}, which is not in the roster ({_roster}).{CaseHint("Agent names", item.Agent, agents)}", Ids(item));
            }
        }

        if (string.IsNullOrWhiteSpace(item.Instructions))
        {
            if (Listed())
            {
                Add($"Item {Name(item, position)} has no instructions.", Ids(item));
            }
        }

        if (item.MaxTokens is <= 0)
        {
            if (Listed())
            {
                Add($"Item {Name(item, position)} has maxTokens {item.MaxTokens}; it must be positive.", Ids(item));
            }
        }

        if (item.Timeout is { } timeout && !OrchestratorOptionsValidator.IsValidTimeout(timeout))
        {
            if (Listed())
            {
                Add($"Item {Name(item, position)} has the timeout {timeout}; it must be positive and at most {OrchestratorOptionsValidator.LongestTimeout}, or infinite.", Ids(item));
            }
        }
    }

    // The item's known dependencies but itself (duplicates removed); an unknown one and the item itself are problems.
    private List<int> Dependencies(WorkItem item, int position, Dictionary<string, int> index)
    {
        var resolved = new List<int>();
        foreach (var id in item.DependsOn ?? [])
        {
            if (id is null || !index.TryGetValue(id, out var d))
            {
                if (Listed())
                {
                    Add(id is { Length: > WorkItem.MaxIdLength }
                        ? string.Create(CultureInfo.InvariantCulture, $"Item {Name(item, position)} depends on an id of {id.Length} characters, which is not in the plan.")
                        : $"Item {Name(item, position)} depends on {PlanNames.Quote(id)}, which is not in the plan.{CaseHint("Item ids", id, index.Keys)}", Ids(item));
                }
            }
            else if (d == position)
            {
                if (Listed())
                {
                    Add($"The plan has a cycle: {Name(item, position)} depends on itself.", Ids(item));
                }
            }
            else if (!resolved.Contains(d))
            {
                resolved.Add(d);
            }
        }

        return resolved;
    }

    // Kahn's algorithm leaves the items on a cycle or behind one. From each such item not yet walked, the walk along
    // its first such dependency comes back to an item of this walk (a new cycle, reported) or meets an earlier walk's
    // item (behind a cycle already reported): every item is walked once.
    private void FindCycles(IReadOnlyList<WorkItem> items, List<int>[] dependencies)
    {
        var remaining = new int[items.Count];
        var dependents = new List<int>?[items.Count];
        var ready = new Queue<int>();
        for (var i = 0; i < items.Count; i++)
        {
            remaining[i] = dependencies[i]?.Count ?? 0;
            foreach (var d in dependencies[i] ?? [])
            {
                (dependents[d] ??= []).Add(i);
            }

            if (remaining[i] == 0)
            {
                ready.Enqueue(i);
            }
        }

        while (ready.TryDequeue(out var i))
        {
            foreach (var d in dependents[i] ?? [])
            {
                if (--remaining[d] == 0)
                {
                    ready.Enqueue(d);
                }
            }
        }

        var walk = new int[items.Count];
        var path = new List<int>();
        for (var start = 0; start < items.Count; start++)
        {
            if (remaining[start] == 0 || walk[start] != 0)
            {
                continue;
            }

            path.Clear();
            var current = start;
            while (walk[current] == 0)
            {
                walk[current] = start + 1;
                path.Add(current);
                current = dependencies[current].First(d => remaining[d] > 0);
            }

            if (walk[current] == start + 1)
            {
                if (Listed())
                {
                    var cycle = path.Skip(path.IndexOf(current)).ToList();
                    Add(
                        $"The plan has a cycle: {string.Join(" -> ", cycle.Append(cycle[0]).Select(i => Name(items[i], i)))} (each depends on the next).",
                        [.. cycle.Select(i => items[i].Id)]);
                }
            }
        }
    }

    // Names and ids are compared ordinally, in a plan file as in code: one that differs from a known one only in case is
    // another name, and the problem says so. Only while the list has room (a plan's other problems are only counted).
    private string CaseHint(string what, string? name, IEnumerable<string> known)
    {
        if (name is null || _problems.Count >= PlanValidationException.MaxProblems)
        {
            return string.Empty;
        }

        _caseless ??= [];
        if (!_caseless.TryGetValue(what, out var map))
        {
            map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var k in known)
            {
                map.TryAdd(k, k);
            }

            _caseless[what] = map;
        }

        return map.TryGetValue(name, out var other) ? $" {what} are case-sensitive: {PlanNames.Quote(other)} differs from it only in case." : string.Empty;
    }

    private static IReadOnlyList<string> Ids(WorkItem item) => string.IsNullOrWhiteSpace(item.Id) ? [] : [item.Id];

    // An id longer than WorkItem.MaxIdLength (a coordinator model's megabyte) is named in a message by the item's number,
    // never quoted (the problem's ItemIds still hold it, for a program to match).
    private static string Name(WorkItem item, int position) =>
        string.IsNullOrWhiteSpace(item.Id) || item.Id.Length > WorkItem.MaxIdLength ? $"#{Number(position)}" : PlanNames.Quote(item.Id);

    private static string Number(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);
}
