using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Dreaming.Tests;

/// <summary>
/// Opt-in: runs the built-in redactor over every text field of the real τ-bench airline log in <c>../shared/data/</c>
/// (when it sits next to the repository) and counts the replacements by rule, so that a rule that starts replacing
/// ordinary words in real sessions is seen.
/// </summary>
public sealed partial class TauBenchRedactionTests(ITestOutputHelper output)
{
    private static readonly string[] s_groups =
        ["apikey", "jwt", "bearer", "basic", "password", "jsonsecret", "urlpassword", "email", "connkey", "signature", "assignedkey", "clientsecret", "cloudsecret", "tokenparam"];

    [Fact]
    public void Every_replacement_in_the_tau_bench_log_is_an_address_and_json_stays_json()
    {
        var path = SharedData.TauBenchAirline();
        if (path is null)
        {
            output.WriteLine("Skipped: ../shared/data/tau-bench-airline/gpt-4o-airline.json is not next to the repository.");
            return;
        }

        var texts = new List<string>();
        using (var document = JsonDocument.Parse(File.ReadAllText(path)))
        {
            Collect(document.RootElement, texts);
        }

        var redactor = new SecretPatternRedactor();
        var byRule = s_groups.ToDictionary(g => g, _ => 0, StringComparer.Ordinal);
        var notAddresses = new List<string>();
        var (changed, json, brokenJson) = (0, 0, 0);
        foreach (var text in texts)
        {
            var redacted = redactor.Redact(text);
            if (ReferenceEquals(redacted, text))
            {
                continue;
            }

            changed++;
            foreach (Match match in SecretPatternRedactor.Pattern.Matches(text))
            {
                foreach (var group in s_groups.Where(g => match.Groups[g].Success))
                {
                    byRule[group]++;
                    if (group != "email" || !Address().IsMatch(match.Groups[group].Value))
                    {
                        notAddresses.Add($"{group}: {match.Groups[group].Value}");
                    }
                }
            }

            if (IsJson(text))
            {
                json++;
                brokenJson += IsJson(redacted) ? 0 : 1;
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{texts.Count} text fields, {changed} changed ({json} of them JSON, {brokenJson} no longer JSON)"));
        output.WriteLine(string.Join(", ", byRule.Select(r => $"{r.Key} {r.Value}")));
        notAddresses.ForEach(output.WriteLine);
        Assert.True(byRule["email"] > 0, "the log's e-mail addresses were not redacted");
        Assert.Empty(notAddresses);
        Assert.Equal(0, brokenJson);
    }

    // Every string of the log, the JSON strings within it (tool arguments, tool results) as they are.
    private static void Collect(JsonElement element, List<string> texts)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Collect(property.Value, texts);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, texts);
                }

                break;
            case JsonValueKind.String:
                texts.Add(element.GetString()!);
                break;
        }
    }

    private static bool IsJson(string text)
    {
        if (!text.StartsWith('{') && !text.StartsWith('['))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")]
    private static partial Regex Address();
}
