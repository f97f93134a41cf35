using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dreaming.Tests;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace Dreaming.Core.Tests.Dreams.Privacy;

/// <summary>
/// An agent-scope dream over three tenants' sessions with a reflector model (<see cref="ModelReflector"/>) that behaves as
/// a real one does: its lessons quote what it was shown (the error text of a finding's first excerpt, the customer the
/// excerpt's user message names, the task of a pair). Counts the customers' values in what the model was sent and in the
/// lessons the memory keeps.
/// </summary>
public sealed class ReflectorLeakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_reflector_model_is_shown_no_customer_value_and_its_lessons_quoting_one_are_masked()
    {
        var prompts = new List<string>();
        var model = QuotingModel(prompts);
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(MultiTenantCorpus.Sessions());
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore(), reflector: new ModelReflector(model, maxFindings: 50, maxPairs: 3));

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent(MultiTenantCorpus.AgentId), MaxSessions = 1000, ReviewMode = DreamReviewMode.Auto });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var insights = (await memory.GetVersionAsync(run.Results.OutputVersionId!))!.Insights;
        var reflected = insights.Where(i => i.Source == InsightSource.Reflected).ToList();
        var promptLeaks = MultiTenantLeakTests.Leaks(prompts).ToList();
        var lessonLeaks = MultiTenantLeakTests.Leaks(insights.Select(i => i.Text)).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"prompts {prompts.Count} ({prompts.Sum(p => p.Length)} chars); customer values in them {promptLeaks.Count} ({promptLeaks.Select(l => l.Value).Distinct().Count()} distinct, of {promptLeaks.Select(l => l.Customer).Distinct().Count()} customers); by kind: {ByKind(promptLeaks)}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"findings {run.Results.Report.Findings.Count}; insights {insights.Count}, by the model {reflected.Count}; quoting a customer's value {lessonLeaks.Select(l => l.Text).Distinct().Count()} ({lessonLeaks.Count} values, of {lessonLeaks.Select(l => l.Customer).Distinct().Count()} customers); by kind: {ByKind(lessonLeaks)}"));
        output.WriteLine("note: " + run.Results.Note);
        foreach (var insight in insights)
        {
            output.WriteLine((lessonLeaks.Any(l => l.Text == insight.Text) ? "LEAK " : "     ") + insight.Source + ": " + insight.Text);
        }

        foreach (var value in promptLeaks.Select(l => l.Kind + " " + l.Value).Distinct())
        {
            output.WriteLine("in a prompt: " + value);
        }

        // The model wrote a lesson for every finding (curation merges those that say the same thing).
        Assert.DoesNotContain("by template", run.Results.Note ?? string.Empty, StringComparison.Ordinal);
        Assert.True(reflected.Count >= 8, "the model's lessons are kept");
        Assert.Empty(lessonLeaks);

        // The model was shown neither names, ids, codes, addresses, phones, card digits nor e-mails; only a complaint
        // written in lower case in a user's message, which no tool sent or returned whole, can still reach it.
        Assert.All(promptLeaks, l => Assert.Equal("free text", l.Kind));

        // Still useful: the model's lessons keep their tool names, argument names and the error's own words.
        Assert.Contains(reflected, i => i.Text.Contains("`charge_card` fails with \"Error: card ending in <value> declined for <value>\"", StringComparison.Ordinal));
        Assert.Contains(reflected, i => i.Text.Contains("`get_user_details` fails with \"Error: user <value> not found\"", StringComparison.Ordinal));
        Assert.Contains(reflected, i => i.Text.Contains("(user_id)", StringComparison.Ordinal));
    }

    private static string ByKind(IEnumerable<(string Text, string Customer, string Kind, string Value)> leaks) =>
        string.Join(", ", leaks.GroupBy(l => l.Kind).Select(g => g.Key + " " + g.Count()));

    /// <summary>A reflector model that quotes its excerpts as a real one tends to: each finding's lesson names the tool,
    /// the first argument name of its call, the error text as shown, and the customer its excerpt's user message names;
    /// each pair's lesson quotes the failed task.</summary>
    internal static FakeChatClient QuotingModel(List<string> prompts) => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            var prompt = messages.Last(m => m.Role == ChatRole.User).Text;
            prompts.Add(prompt);
            var lessons = new List<string>();
            foreach (var block in Regex.Split(prompt, @"(?m)^(?=Finding \d+:|Pair \d+:)").Where(b => b.StartsWith("Finding", StringComparison.Ordinal) || b.StartsWith("Pair", StringComparison.Ordinal)))
            {
                var index = Regex.Match(block, @"^\w+ (\d+):").Groups[1].Value;
                var customer = Regex.Match(block, @"(?m)^user: Hi, I'm ([^,]+),").Groups[1].Value;
                var text = new StringBuilder();
                if (block.StartsWith("Pair", StringComparison.Ordinal))
                {
                    var task = Regex.Match(block, @"(?m)^Failed task: (.+)$").Groups[1].Value.Trim();
                    text.Append(CultureInfo.InvariantCulture, $"For a task like \"{task}\", look the customer up before changing anything, as the passing session did.");
                    lessons.Add(Lesson("pair", index, text.ToString()));
                    continue;
                }

                var error = Regex.Match(block, @"(?m)^error (\w+): (.+)$");
                var argument = Regex.Match(block, @"(?m)^call \w+\(\{""(\w+)""");
                if (!error.Success)
                {
                    text.Append(CultureInfo.InvariantCulture, $"Sessions like the one of {customer} stop at the same point; hand over to a person earlier.");
                }
                else
                {
                    text.Append(CultureInfo.InvariantCulture, $"When `{error.Groups[1].Value}` fails with \"{error.Groups[2].Value.Trim()}\"");
                    text.Append(argument.Success ? " (" + argument.Groups[1].Value + ")" : string.Empty);
                    text.Append(customer.Length > 0 ? ", as it did for " + customer : string.Empty);
                    text.Append(", check the value with the customer before calling it again.");
                }

                lessons.Add(Lesson("finding", index, text.ToString()));
            }

            var reply = "{\"lessons\":[" + string.Join(",", lessons) + "]}";
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)) { Usage = new UsageDetails { InputTokenCount = prompt.Length / 4, OutputTokenCount = reply.Length / 4 } });
        },
    };

    private static string Lesson(string key, string index, string text) =>
        "{\"" + key + "\":" + index + ",\"kind\":\"pitfall\",\"text\":" + System.Text.Json.JsonSerializer.Serialize(text) + "}";
}
