using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Dreaming.Core.Tests.Dreams.Privacy;

/// <summary>
/// What an agent-scope dream over several tenants' sessions writes into the memory every later session of the agent is
/// given: no customer's personal values (names, ids, addresses, phone numbers, card digits, e-mails, free text).
/// </summary>
public sealed class MultiTenantLeakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_agent_dream_over_three_tenants_writes_no_customer_value_into_its_memory()
    {
        var (run, version) = await DreamAsync(MultiTenantCorpus.Sessions());

        var insights = version.Insights;
        var leaks = Leaks(insights.Select(i => i.Text)).ToList();
        var exampleLeaks = Leaks(run.Results.Report.Findings.Select(f => f.Example ?? string.Empty)).ToList();
        Print(insights.Select(i => i.Text), leaks, exampleLeaks);

        Assert.True(insights.Count >= 10, "the dream writes lessons from the recurring errors");
        Assert.Empty(leaks);

        // The run record's examples (for reviewers) are masked the same way; the raw line stays in the evidence session.
        Assert.Empty(exampleLeaks);
        Assert.Contains(run.Results.Report.Findings, f => f.Example == "Error: card ending in <value> declined for <value>");

        // Still useful: each masked lesson names its tool and its error, and holds every customer's sessions.
        string[] masked =
        [
            "Calls to `charge_card` fail with \"Error: card ending in <num> declined for <value>\"; 12 of the 12 sessions",
            "Calls to `file_complaint` fail with \"Error: complaint rejected as a duplicate: <value>\"; 12 of the 12 sessions",
            "Calls to `find_user_id_by_name_zip` fail with \"Error: no user named <value> with zip <num>\"; 12 of the 12 sessions",
            "Calls to `transfer_to_human` fail with \"Error: cannot transfer: customer <value> has an open reservation <value>\"; 12 of the 12 sessions",
            "Sessions stopped at the same point (\"blocked: <value> at <num> <value> asks for a refund of a ticket that cannot be refunded\"): 12 of the 12 sessions",
        ];
        Assert.All(masked, start => Assert.Single(insights, i => i.Text.StartsWith(start, StringComparison.Ordinal)));
    }

    internal static async Task<(DreamRun Run, MemoryVersion Version)> DreamAsync(IReadOnlyList<SessionWithEvents> sessions)
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(sessions);
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore());
        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent(MultiTenantCorpus.AgentId), MaxSessions = 1000, ReviewMode = DreamReviewMode.Auto });
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var version = await memory.GetVersionAsync(run.Results.OutputVersionId!);
        return (run, version!);
    }

    /// <summary>Every personal value of any customer found, as a whole word, in any of the texts.</summary>
    internal static IEnumerable<(string Text, string Customer, string Kind, string Value)> Leaks(IEnumerable<string> texts)
    {
        foreach (var text in texts)
        {
            foreach (var customer in MultiTenantCorpus.Customers)
            {
                foreach (var (kind, value) in customer.PersonalValues())
                {
                    if (Regex.IsMatch(text, @"(?<![\w.@+-])" + Regex.Escape(value) + @"(?![\w@-])", RegexOptions.CultureInvariant))
                    {
                        yield return (text, customer.UserId, kind, value);
                    }
                }
            }
        }
    }

    private void Print(IEnumerable<string> texts, List<(string Text, string Customer, string Kind, string Value)> leaks, List<(string Text, string Customer, string Kind, string Value)> exampleLeaks)
    {
        var all = texts.ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"insights {all.Count}; leaking insights {leaks.Select(l => l.Text).Distinct().Count()}; leaked values {leaks.Count} ({leaks.Select(l => l.Value).Distinct().Count()} distinct, of {leaks.Select(l => l.Customer).Distinct().Count()} customers); by kind: {string.Join(", ", leaks.GroupBy(l => l.Kind).Select(g => g.Key + " " + g.Count()))}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"finding examples (dream run record, for reviewers): {exampleLeaks.Select(l => l.Text).Distinct().Count()} with {exampleLeaks.Count} values"));
        foreach (var text in all)
        {
            output.WriteLine((leaks.Any(l => l.Text == text) ? "LEAK " : "     ") + text);
        }
    }
}
