using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dreaming.Cli.Tests;

/// <summary>Pins the field naming of each command's <c>--json</c> (docs/cli.md, "JSON field names"): <c>dream</c>,
/// <c>runs</c> and <c>report</c> write snake_case, every other command camelCase. Scripts read these names, so neither set
/// may drift into the other silently; a command moved from one to the other fails here.</summary>
public sealed partial class JsonNamingTests
{
    [Fact]
    public async Task Each_commands_json_uses_the_naming_the_docs_give_it()
    {
        using var cli = new CliRunner();
        var (demoExit, demo, demoError) = await cli.RunAsync("demo", "--db", cli.Database, "--json");
        Assert.True(demoExit == 0, demoError);
        var root = JsonDocument.Parse(demo).RootElement;
        var sessionId = root.GetProperty("runs")[0].GetProperty("sessionId").GetString()!;
        var versionId = root.GetProperty("dream").GetProperty("outputVersion").GetString()!;
        var plan = cli.WriteFile("plan.json", """{ "goal": "g", "agents": [ { "name": "a" } ], "items": [ { "id": "x", "agent": "a", "instructions": "do it" } ] }""");
        var log = cli.WriteFile("log.jsonl", """{"id":"imp-1","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}],"reward":1}""");

        Check("demo", demo, snakeCase: false);
        (bool SnakeCase, string[] Args)[] commands =
        [
            (false, ["sessions"]),
            (false, ["session", "show", sessionId]),
            (false, ["inspect", sessionId]),
            (true, ["report"]),
            (true, ["runs", "--agent", DemoAgent]),
            (true, ["dream", "--agent", DemoAgent]),
            (false, ["memory", "list", "--agent", DemoAgent]),
            (false, ["memory", "show", versionId]),
            (false, ["memory", "edit", versionId, "--add", "Check the order number first.", "--no-webhooks"]),
            (false, ["webhooks", "list", "--unrouted"]),
            (false, ["purge", "--older-than", "1d", "--dry-run"]),
            (false, ["sessions", "abandon", "--older-than", "1d"]),
            (false, ["import", log]),
            (false, ["orchestrate", "--plan", plan]),
            (false, ["model"]),
        ];
        foreach (var (snakeCase, args) in commands)
        {
            var (exit, output, error) = await cli.RunAsync([.. args, "--db", cli.Database, "--json"]);
            Assert.True(exit == 0, $"dreaming {string.Join(' ', args)} exited {exit}: {error}");
            Check(string.Join(' ', args), output, snakeCase);
        }
    }

    private const string DemoAgent = "support-bot";

    // Every property name of the output is of the command's naming, and at least one is not of the other (a name of one
    // word reads as both), so that the check tells them apart. A session's metadata is the app's, named as it chose.
    private static void Check(string command, string json, bool snakeCase)
    {
        var names = new List<string>();
        Collect(JsonDocument.Parse(json).RootElement, names);
        var (expected, other) = snakeCase ? (SnakeCase(), CamelCase()) : (CamelCase(), SnakeCase());
        var wrong = names.Where(name => !expected.IsMatch(name)).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(wrong.Count == 0, $"dreaming {command} --json writes {(snakeCase ? "snake_case" : "camelCase")} names, but not {string.Join(", ", wrong)}");
        Assert.True(names.Any(name => !other.IsMatch(name)), $"dreaming {command} --json wrote no name that tells its naming apart: {string.Join(", ", names.Distinct(StringComparer.Ordinal))}");
    }

    private static void Collect(JsonElement element, List<string> names)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                names.Add(property.Name);
                if (property.Name != "metadata")
                {
                    Collect(property.Value, names);
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Collect(item, names);
            }
        }
    }

    [GeneratedRegex("^[a-z][a-zA-Z0-9]*$")]
    private static partial Regex CamelCase();

    [GeneratedRegex("^[a-z0-9]+(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();
}
