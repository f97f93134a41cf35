using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Dreaming.Core.Tests.Dreams.Privacy;

/// <summary>
/// Opt-in: imports the real τ-bench airline sessions from <c>../shared/data/</c> (when they sit next to the repository),
/// dreams at agent scope without a model, and lists the lessons that quote a customer's value found in the sessions:
/// user ids, reservation ids, names, card digits, e-mails, addresses.
/// </summary>
public sealed class TauBenchLeakTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> s_personalKeys = new(StringComparer.Ordinal)
    {
        "user_id", "reservation_id", "first_name", "last_name", "email", "address1", "address2", "city", "zip", "dob",
        "payment_id", "payment_method_id", "last_four", "id",
    };

    [Fact]
    public async Task An_agent_dream_of_the_tau_bench_sessions_quotes_no_customer_value()
    {
        var path = Dreaming.Tests.SharedData.TauBenchAirline();
        if (path is null)
        {
            output.WriteLine("Skipped: ../shared/data/tau-bench-airline/gpt-4o-airline.json is not next to the repository.");
            return;
        }

        var sessions = new List<SessionWithEvents>();
        await using (var stream = File.OpenRead(path))
        {
            var options = new SessionImportOptions { MessagesField = "traj", TaskField = "info.task.instruction", AgentId = "airline" };
            await foreach (var imported in new SessionLogReader().ReadAsync(stream, Path.GetFileName(path), options))
            {
                sessions.Add(imported.Session!);
            }
        }

        var values = PersonalValues(sessions);
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(sessions);
        var memory = new InMemoryMemoryStore();
        var run = await new DreamConsolidator(traces, memory, new InMemoryDreamRunStore())
            .DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("airline"), MaxSessions = 200, MinSessions = 10, ReviewMode = DreamReviewMode.Auto });
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var version = await memory.GetVersionAsync(run.Results.OutputVersionId!);

        // What masking the run record's examples costs the dream (inside its mine stage): the values of the findings'
        // evidence sessions read, each example masked; and what reading every session's would.
        var evidence = run.Results.Report.Findings.SelectMany(f => f.Evidence).Select(e => e.SessionId).ToHashSet(StringComparer.Ordinal);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var masker = SessionValues.ForText(sessions.Where(s => evidence.Contains(s.Session.Id)));
        run.Results.Report.Findings.ToList().ForEach(f => masker.MaskText(f.Example ?? string.Empty, out _));
        var evidenceTime = watch.Elapsed;
        watch.Restart();
        var all = SessionValues.ForText(sessions);
        run.Results.Report.Findings.ToList().ForEach(f => all.MaskText(f.Example ?? string.Empty, out _));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"masking {run.Results.Report.Findings.Count} examples: {evidenceTime.TotalMilliseconds:F0} ms with the values of their {evidence.Count} evidence sessions, {watch.Elapsed.TotalMilliseconds:F0} ms with all {sessions.Count}; the dream's mine stage {run.Results.StageUsage.Single(s => s.Stage == "mine").Duration.TotalMilliseconds:F0} ms"));

        var leaks = version!.Insights.SelectMany(i => values.Where(v => Contains(i.Text, v)).Select(v => (i.Text, v))).ToList();
        var examples = run.Results.Report.Findings.SelectMany(f => values.Where(v => Contains(f.Example ?? string.Empty, v)).Select(v => (f.Example, v))).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{sessions.Count} sessions, {values.Count} distinct personal values; {version.Insights.Count} insights, {leaks.Select(l => l.Text).Distinct().Count()} quoting {leaks.Count} values; finding examples (reviewers only): {examples.Select(e => e.Example).Distinct().Count()} quoting {examples.Count}"));
        foreach (var insight in version.Insights)
        {
            var quoted = leaks.Where(l => l.Text == insight.Text).Select(l => l.v).ToList();
            output.WriteLine((quoted.Count > 0 ? "LEAK [" + string.Join(", ", quoted) + "] " : "     ") + insight.Text);
        }

        foreach (var (example, value) in examples)
        {
            output.WriteLine($"example [{value}] {example}");
        }

        Assert.NotEmpty(version.Insights);
        Assert.Empty(leaks);
    }

    private static bool Contains(string text, string value) =>
        Regex.IsMatch(text, @"(?<![\w.@+-])" + Regex.Escape(value) + @"(?![\w@-])", RegexOptions.CultureInvariant);

    // The values of personal fields in the tool calls and results, and the user ids users typed.
    private static HashSet<string> PersonalValues(IEnumerable<SessionWithEvents> sessions)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sessionEvent in sessions.SelectMany(s => s.Events))
        {
            var text = sessionEvent switch
            {
                ToolCallEvent call => call.Arguments,
                ToolResultEvent result => result.Result,
                MessageEvent { Role: "user" } message => message.Text,
                _ => null,
            };
            if (text is null)
            {
                continue;
            }

            foreach (Match id in Regex.Matches(text, @"\b[a-z]+_[a-z]+_\d{3,}\b"))
            {
                values.Add(id.Value);
            }

            try
            {
                using var document = JsonDocument.Parse(text);
                Collect(document.RootElement, null, values);
            }
            catch (JsonException)
            {
            }
        }

        values.RemoveWhere(v => v.Length < 2);
        return values;
    }

    private static void Collect(JsonElement element, string? key, HashSet<string> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Collect(property.Value, property.Name, values);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, key, values);
                }

                break;
            case JsonValueKind.String when key is not null && s_personalKeys.Contains(key) && element.GetString() is { Length: > 0 } value:
                values.Add(value);
                break;
        }
    }
}
