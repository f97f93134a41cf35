using System.Text.Json;
using System.Text.Json.Serialization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Orchestration;

/// <summary>A plan file: <c>{"goal", "agents": [{"name", "instructions"}], "items": [{"id", "agent", "instructions",
/// "dependsOn", "rubric"?}], "maxConcurrency"?, "scope"?}</c>; rubric paths are relative to the file, and the scope is the
/// team or tenant scope of the run's sessions (<see cref="OrchestrationRequest.Scope"/>).</summary>
internal sealed record PlanFile(OrchestrationPlan Plan, IReadOnlyList<PlanFile.Agent> Agents)
{
    /// <summary>Gets the team or tenant scope the file gives the run, or <see langword="null"/> when it gives none (or a
    /// blank one).</summary>
    public string? Scope { get; init; }

    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web)
    {
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,

        // A property given twice is refused, not read as its last value (which "dependsOn" would count?).
        AllowDuplicateProperties = false,
    };

    public static async Task<PlanFile> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = Path.GetFullPath(CliServices.NotAFolder(path, "The plan file"));
        if (!File.Exists(fullPath))
        {
            throw new IOException($"No plan file at '{fullPath}'.");
        }

        Document? document;
        try
        {
            await using var stream = File.OpenRead(fullPath);
            document = await JsonSerializer.DeserializeAsync<Document>(stream, s_options, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new PlanValidationException($"The plan file '{Text.OneLine(fullPath)}' is not a valid plan: {Text.OneLine(ex.Message)}");
        }

        if (document is null)
        {
            throw new PlanValidationException($"The plan file '{Text.OneLine(fullPath)}' is empty.");
        }

        // Every problem of the file's own is named at once, as the plan's are when it is validated. Names (and the path)
        // are shown on one line, so that one with a line break cannot split its problem in the exception's message.
        var shownPath = Text.OneLine(fullPath);
        var problems = new List<PlanProblem>();
        var omitted = 0;
        void Problem(string message)
        {
            if (problems.Count < PlanValidationException.MaxProblems)
            {
                problems.Add(new PlanProblem(message));
            }
            else
            {
                omitted++;
            }
        }

        // A property the format does not have is an error, not ignored: a misspelt "dependsOn" would otherwise drop the
        // dependency and run the item at once, a "rubricPath" would drop the rubric.
        foreach (var property in Unknown(document.Unknown))
        {
            Problem($"The plan file '{shownPath}' has the property '{Text.OneLine(property)}', which a plan file does not have (a plan has goal, agents, items, maxConcurrency and scope).");
        }

        for (var i = 0; i < (document.Agents?.Count ?? 0); i++)
        {
            foreach (var agentProperty in Unknown(document.Agents![i]?.Unknown))
            {
                Problem($"The plan file '{shownPath}': agent #{i + 1} has the property '{Text.OneLine(agentProperty)}', which a plan file does not have (an agent has name and instructions).");
            }
        }

        for (var i = 0; i < (document.Items?.Count ?? 0); i++)
        {
            if (document.Items![i] is { } item)
            {
                foreach (var itemProperty in Unknown(item.Unknown))
                {
                    Problem($"The plan file '{shownPath}': item #{i + 1}{(item.Id is null ? string.Empty : $" ('{Text.OneLine(item.Id)}')")} has the property '{Text.OneLine(itemProperty)}', which a plan file does not have (an item has id, agent, instructions, dependsOn and rubric).");
                }
            }
        }

        // JSON nulls in the lists are named here, by position, rather than failing below.
        for (var i = 0; i < (document.Items?.Count ?? 0); i++)
        {
            if (document.Items![i] is null)
            {
                Problem($"The plan file '{shownPath}': item #{i + 1} is null.");
            }
        }

        var agentDocuments = document.Agents ?? [];
        for (var i = 0; i < agentDocuments.Count; i++)
        {
            if (agentDocuments[i] is null)
            {
                Problem($"The plan file '{shownPath}': agent #{i + 1} is null.");
            }
        }

        for (var i = 0; i < agentDocuments.Count; i++)
        {
            if (agentDocuments[i] is { } agent && string.IsNullOrWhiteSpace(agent.Name))
            {
                Problem($"The plan file '{shownPath}': agent #{i + 1} has no name.");
            }
        }

        // Agent names are compared ordinally, as the roster's are: 'Writer' and 'writer' are two agents.
        foreach (var twice in agentDocuments.Where(a => !string.IsNullOrWhiteSpace(a?.Name)).GroupBy(a => a.Name!, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            Problem($"The plan file '{shownPath}' names the agent '{Text.OneLine(twice.Key)}' more than once.");
        }

        if (problems.Count > 0)
        {
            throw new PlanValidationException(problems, omitted);
        }

        var plan = new OrchestrationPlan
        {
            Goal = document.Goal ?? string.Empty,
            MaxConcurrency = document.MaxConcurrency ?? OrchestrationPlan.DefaultMaxConcurrency,
            BaseDirectory = Path.GetDirectoryName(fullPath),
            Items = (document.Items ?? []).Select(i => new WorkItem
            {
                Id = i.Id ?? string.Empty,
                Agent = i.Agent ?? string.Empty,
                Instructions = i.Instructions ?? string.Empty,
                DependsOn = i.DependsOn ?? [],
                RubricPath = i.Rubric,
            }).ToList(),
        };
        var agents = (document.Agents ?? []).Select(a => new Agent(a.Name!, a.Instructions)).ToList();
        return new PlanFile(plan, agents) { Scope = string.IsNullOrWhiteSpace(document.Scope) ? null : document.Scope };
    }

    private static IEnumerable<string> Unknown(Dictionary<string, JsonElement>? properties) => properties?.Keys ?? Enumerable.Empty<string>();

    /// <summary>An agent of the roster, as the file gives it.</summary>
    internal sealed record Agent(string Name, string? Instructions);

    private sealed record Document(string? Goal, List<AgentDocument>? Agents, List<ItemDocument>? Items, int? MaxConcurrency, string? Scope)
    {
        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Unknown { get; init; }
    }

    private sealed record AgentDocument(string? Name, string? Instructions)
    {
        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Unknown { get; init; }
    }

    private sealed record ItemDocument(string? Id, string? Agent, string? Instructions, List<string>? DependsOn, string? Rubric)
    {
        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Unknown { get; init; }
    }
}
