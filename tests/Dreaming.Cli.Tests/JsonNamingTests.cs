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
        var rubric = cli.WriteFile("rubric.md", """
            # Answer
            Pass threshold: 0.5

            ## Content
            - Names the order [contains: "#W1"]
            - Stays short [max-length: 200]
            """);
        var answer = cli.WriteFile("answer.txt", "Order #W1 is refunded.");
        await SeedStuckRunAsync(cli.Database);
        var commands = Checked(sessionId, versionId, plan, log, rubric, answer);
        foreach (var (snakeCase, args) in commands)
        {
            var (exit, output, error) = await cli.RunAsync([.. args, "--db", cli.Database, "--json"]);
            Assert.True(exit == 0, $"dreaming {string.Join(' ', args)} exited {exit}: {error}");
            Check(string.Join(' ', args), output, snakeCase, oneWordOnly: OneWordNames.Contains(string.Join(' ', args.TakeWhile(arg => !arg.StartsWith('-')).Take(2))));
        }
    }

    [Fact]
    public void Every_command_that_runs_is_checked_above_or_named_here_with_why_not()
    {
        // A command added to the tool without a line above would ship --json names nothing pins (demo is checked first).
        var root = DreamingCommandLine.CreateRoot(new CommonOptions(CliRunner.NoEnvironment), TextWriter.Null, TextWriter.Null);
        var checkedCommands = Checked("s", "v", "p", "l", "r", "a").Select(command => Path(root.Parse(command.Args).CommandResult)).Append("demo").ToHashSet(StringComparer.Ordinal);
        var uncovered = Commands(root, string.Empty)
            .Where(path => !checkedCommands.Contains(path) && !NotChecked.ContainsKey(path))
            .ToList();

        Assert.True(uncovered.Count == 0, "Add these commands to Each_commands_json_uses_the_naming_the_docs_give_it (or to NotChecked, saying why): " + string.Join(", ", uncovered));
        Assert.All(NotChecked.Keys, path => Assert.Contains(path, Commands(root, string.Empty)));
    }

    private const string DemoAgent = "support-bot";

    // The commands the first test does not run, and why their names are pinned all the same.
    private static readonly Dictionary<string, string> NotChecked = new(StringComparer.Ordinal)
    {
        ["view"] = "serves the agent view: it writes no JSON",
        ["memory approve"] = "the same Review command and summary as memory rollback, which is checked",
        ["memory reject"] = "the same Review command and summary as memory rollback, which is checked",
    };

    // The commands whose names are all of one word (as both namings write them): checked to be of the command's naming,
    // with no name that tells the namings apart to require.
    private static readonly HashSet<string> OneWordNames = new(StringComparer.Ordinal) { "grade", "webhooks replay" };

    // The command lines the first test runs, in order, and whether each writes snake_case.
    private static (bool SnakeCase, string[] Args)[] Checked(string sessionId, string versionId, string plan, string log, string rubric, string answer) =>
    [
        (true, ["runs", "recover", "--all", "--no-webhooks"]),
        (false, ["grade", "--rubric", rubric, "--input", answer]),
        (false, ["memory", "diff", versionId, versionId]),
        (false, ["sessions"]),
        (false, ["session", "show", sessionId]),
        (false, ["inspect", sessionId]),
        (true, ["report"]),
        (true, ["runs", "--agent", DemoAgent]),
        (true, ["dream", "--agent", DemoAgent]),
        (false, ["memory", "list", "--agent", DemoAgent]),
        (false, ["memory", "show", versionId]),
        (false, ["memory", "edit", versionId, "--add", "Check the order number first.", "--no-webhooks"]),
        (false, ["memory", "rollback", versionId, "--by", "reviewer", "--no-webhooks"]),
        (false, ["webhooks", "list", "--unrouted"]),
        (false, ["webhooks", "drop-unrouted", "--older-than", "1d"]),
        (false, ["webhooks", "replay", "--all-dead"]),
        (false, ["purge", "--older-than", "1d", "--dry-run"]),
        (false, ["sessions", "abandon", "--older-than", "1d"]),
        (false, ["import", log]),
        (false, ["orchestrate", "--plan", plan]),
        (false, ["model"]),
    ];

    private static string Path(System.CommandLine.Parsing.CommandResult result) =>
        result.Parent is System.CommandLine.Parsing.CommandResult parent && parent.Parent is not null ? $"{Path(parent)} {result.Command.Name}" : result.Command.Name;

    // The path of every command that runs (groups such as 'memory' only hold others).
    private static IEnumerable<string> Commands(System.CommandLine.Command command, string path) =>
        command.Subcommands.SelectMany(sub =>
        {
            var name = path.Length == 0 ? sub.Name : $"{path} {sub.Name}";
            return sub.Action is null ? Commands(sub, name) : Commands(sub, name).Prepend(name);
        });

    // A run in agent:stuck whose lease expired an hour ago, for runs recover to end.
    private static async Task SeedStuckRunAsync(string database)
    {
        using var runs = new Dreaming.Sqlite.SqliteDreamRunStore(new Dreaming.Sqlite.SqliteTraceStoreOptions { ConnectionString = database }, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2)));
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("stuck") });
        await runs.StartAsync(run.Id, "host-1", TimeSpan.FromMinutes(5));
    }

    // Every property name of the output is of the command's naming, and at least one is not of the other (a name of one
    // word reads as both), so that the check tells them apart. A session's metadata is the app's, named as it chose.
    private static void Check(string command, string json, bool snakeCase, bool oneWordOnly = false)
    {
        var names = new List<string>();
        Collect(JsonDocument.Parse(json).RootElement, names);
        var (expected, other) = snakeCase ? (SnakeCase(), CamelCase()) : (CamelCase(), SnakeCase());
        var wrong = names.Where(name => !expected.IsMatch(name)).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(wrong.Count == 0, $"dreaming {command} --json writes {(snakeCase ? "snake_case" : "camelCase")} names, but not {string.Join(", ", wrong)}");
        Assert.True(oneWordOnly || names.Any(name => !other.IsMatch(name)), $"dreaming {command} --json wrote no name that tells its naming apart: {string.Join(", ", names.Distinct(StringComparer.Ordinal))}");
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
