using System.Text;

namespace Dreaming.Tests.Fuzz;

/// <summary>Random orchestration plans, valid or not: odd ids (empty, blank, control characters, bidirectional overrides,
/// very long, duplicated, differing only in case), unknown agents and dependencies, self-dependencies and cycles of random
/// length. Shared by the Core and CLI fuzz tests.</summary>
internal sealed class PlanGenerator(Random random)
{
    public const string Roster1 = "worker";
    public const string Roster2 = "writer";

    private static readonly string[] OddIds = ["", " ", "\t", "\r\n", "x\u001b[2Jy", "a\u202eb", "line\nbreak", "bell\u0007", "\u2066iso\u2069", "c1\u009bx", "'quoted'", "a -> b", "日本", "😀", "A", "Research"];

    /// <summary>A plan and whether it was made valid.</summary>
    public (OrchestrationPlan Plan, bool Valid) Next(int maxItems)
    {
        return random.Next(3) == 0 ? (Valid(maxItems), true) : (Invalid(maxItems), false);
    }

    private OrchestrationPlan Valid(int maxItems)
    {
        // Unique plain ids; each item depends only on items before it in a random order of the ids, so there is no cycle.
        var count = random.Next(1, maxItems + 1);
        var ids = Enumerable.Range(0, count).Select(i => "item-" + i).OrderBy(_ => random.Next()).ToArray();
        var rank = ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
        var items = ids.OrderBy(_ => random.Next()).Select(id => new WorkItem
        {
            Id = id,
            Agent = random.Next(2) == 0 ? Roster1 : Roster2,
            Instructions = "do " + id,
            DependsOn = rank[id] == 0 ? [] : Enumerable.Range(0, random.Next(0, 4)).Select(_ => ids[random.Next(rank[id])]).ToArray(),
        }).ToList();
        return new OrchestrationPlan { Goal = "goal", Items = items, MaxConcurrency = random.Next(1, 5) };
    }

    private OrchestrationPlan Invalid(int maxItems)
    {
        var count = random.Next(20) == 0 ? 0 : random.Next(15) == 0 ? maxItems + random.Next(1, 5) : random.Next(1, Math.Min(maxItems, 40) + 1);
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(random.Next(8) switch
            {
                0 => OddIds[random.Next(OddIds.Length)],
                1 when ids.Count > 0 => ids[random.Next(ids.Count)],
                2 => Long(),
                _ => "i" + i,
            });
        }

        var dependencies = ids.Select(_ => new List<string?>()).ToList();
        for (var i = 0; i < count; i++)
        {
            for (var d = random.Next(0, 3); d > 0; d--)
            {
                dependencies[i].Add(random.Next(12) switch
                {
                    0 => "ghost",
                    1 => ids[i],
                    2 => null,
                    3 => ids[random.Next(count)].ToUpperInvariant(),
                    _ => ids[random.Next(count)],
                });
            }
        }

        // A cycle of random length through random items, sometimes a few.
        for (var c = random.Next(0, 3); c > 0 && count > 0; c--)
        {
            var length = random.Next(1, Math.Min(count, 8) + 1);
            var members = Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(length).ToArray();
            for (var k = 0; k < members.Length; k++)
            {
                dependencies[members[k]].Add(ids[members[(k + 1) % members.Length]]);
            }
        }

        var items = new List<WorkItem>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(new WorkItem
            {
                Id = ids[i],
                Agent = random.Next(10) switch { 0 => "ghost", 1 => "Worker", 2 => string.Empty, 3 => "ev\u202eil\u001b]0;x\u0007", _ => Roster1 },
                Instructions = random.Next(15) == 0 ? " " : "do it",
                DependsOn = dependencies[i]!,
            });
        }

        return new OrchestrationPlan
        {
            Goal = random.Next(15) == 0 ? string.Empty : "goal",
            Items = items,
            MaxConcurrency = random.Next(15) == 0 ? 0 : 2,
        };
    }

    private string Long()
    {
        var text = new StringBuilder();
        var length = random.Next(200, 2_000);
        while (text.Length < length)
        {
            text.Append(random.Next(6) == 0 ? "\u202e" : ((char)random.Next('a', 'z' + 1)).ToString());
        }

        return text.ToString();
    }
}
